/**
 * Output of `jaynes compare`: a table (per layer A → B and the difference), CSV (one row per
 * layer, both model paths first and the settings last, so each row stands on its own) and JSON
 * (`{tool, version, method, a, b, settings, layers, summary}`, the ModelComparison).
 */
import type { LayerComparison, ModelComparison } from "../analysis/compare.js";
import { METHOD_VERSION } from "../version.js";
import { csvField } from "./csv.js";
import { fixed, shape } from "./numbers.js";
import { type TableOptions, ellipsize, newTable, paint } from "./table.js";

export const COMPARE_COLUMNS = [
  "model_a",
  "model_b",
  "tensor",
  "shape",
  "params",
  "mu_a",
  "mu_b",
  "d_mu",
  "sigma_a",
  "sigma_b",
  "d_sigma",
  "r2_a",
  "r2_b",
  "d_r2",
  "best_a",
  "best_b",
  "best_changed",
  "flags_a",
  "flags_b",
  "skipped_a",
  "skipped_b",
  "bins",
  "normalize",
  "min_params",
  "method_version",
] as const;

/** `jaynes compare --format csv`: one row per layer. */
export function renderComparisonCsv(comparison: ModelComparison): string {
  const lines: string[] = [COMPARE_COLUMNS.join(",")];
  for (const layer of comparison.layers) {
    const row: Record<string, unknown> = {
      model_a: comparison.a.model,
      model_b: comparison.b.model,
      ...layer,
      shape: layer.shape.join("x"),
      bins: comparison.settings.bins,
      normalize: comparison.settings.normalize,
      min_params: comparison.settings.min_params,
      method_version: METHOD_VERSION,
    };
    lines.push(COMPARE_COLUMNS.map((column) => csvField(row[column])).join(","));
  }
  return `${lines.join("\n")}\n`;
}

function signed(value: number | null, digits: number): string {
  if (value === null) return "—";
  const text = fixed(value, digits);
  return value > 0 ? `+${text}` : text;
}

function transition(a: string | null, b: string | null): string {
  if (a === b) return a ?? "—";
  return `${a ?? "—"} → ${b ?? "—"}`;
}

function flagsText(layer: LayerComparison): string {
  const parts: string[] = [];
  if (layer.flags_a.length || layer.skipped_a) parts.push(`A: ${layer.skipped_a ?? layer.flags_a.join(",")}`);
  if (layer.flags_b.length || layer.skipped_b) parts.push(`B: ${layer.skipped_b ?? layer.flags_b.join(",")}`);
  return parts.join("; ");
}

/** `jaynes compare`'s terminal table. */
export function renderComparisonTable(comparison: ModelComparison, options: TableOptions): string {
  const nameWidth = options.nameWidth ?? 60;
  const out: string[] = [];
  out.push(`${paint(options.color, 1, "A")} ${comparison.a.model}  (${comparison.a.format})`);
  out.push(`${paint(options.color, 1, "B")} ${comparison.b.model}  (${comparison.b.format})`);
  const table = newTable(["tensor", "shape", "μ A", "μ B", "Δμ", "σ A", "σ B", "Δσ", "R² A", "R² B", "ΔR²", "best", "flags"], options, [
    "left",
    "left",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "left",
    "left",
  ]);
  for (const layer of comparison.layers) {
    table.push([
      ellipsize(layer.tensor, nameWidth),
      shape(layer.shape),
      fixed(layer.mu_a, 4),
      fixed(layer.mu_b, 4),
      signed(layer.d_mu, 4),
      fixed(layer.sigma_a, 4),
      fixed(layer.sigma_b, 4),
      signed(layer.d_sigma, 4),
      fixed(layer.r2_a, 4),
      fixed(layer.r2_b, 4),
      signed(layer.d_r2, 4),
      layer.best_changed ? paint(options.color, 33, transition(layer.best_a, layer.best_b)) : transition(layer.best_a, layer.best_b),
      paint(options.color, 33, flagsText(layer)),
    ]);
  }
  out.push(table.toString());
  const s = comparison.summary;
  const a = comparison.a.summary;
  const b = comparison.b.summary;
  const u = s.unflagged;
  const withSe = (value: { mean: number | null; se: number | null }): string => `${signed(value.mean, 4)}${value.se === null ? "" : ` ± ${value.se.toFixed(4)} (SE)`}`;
  out.push(`${u.layers} layers unflagged in both: mean per-layer Δμ ${withSe(u.d_mu)}, Δσ ${withSe(u.d_sigma)}, ΔR² ${withSe(u.d_r2)}`);
  out.push(`${s.layers} layers fitted in both (flagged included): mean Δμ ${signed(s.mean_d_mu, 4)}, Δσ ${signed(s.mean_d_sigma, 4)}, ΔR² ${signed(s.mean_d_r2, 4)}; best model changed in ${s.best_changed}`);
  out.push(
    `model summaries (Table 2, unflagged layers): μ ${fixed(a.mu.mean, 3)} → ${fixed(b.mu.mean, 3)}, σ ${fixed(a.sigma.mean, 3)} → ${fixed(b.sigma.mean, 3)}, R² ${fixed(a.r2.mean, 3)} → ${fixed(b.r2.mean, 3)}`,
  );
  const settings = comparison.settings;
  out.push(`settings: bins=${settings.bins} normalize=${settings.normalize} min-params=${settings.min_params}`);
  return `${out.join("\n")}\n`;
}
