/**
 * Output of `jaynes compare`: a table (per layer A → B and the difference), CSV (one row per
 * layer, both model paths first and the settings last, so each row stands on its own) and JSON
 * (`{tool, version, method, a, b, settings, layers, summary}`, the ModelComparison).
 */
import type { LayerComparison, ModelComparison } from "../analysis/compare.js";
import { METHOD_VERSION } from "../version.js";
import { csvField } from "./csv.js";
import { count, fixed, shape } from "./numbers.js";
import { type TableOptions, namesColumn, paint, shortPath } from "./table.js";
import { type TextColumn, renderTextTable } from "./textTable.js";
import { wrapText } from "./textWidth.js";

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
  const width = options.width;
  const out: string[] = [];
  const facts = (model: ModelComparison["a"]): string => `  (${model.format})`;
  for (const [label, model] of [["A", comparison.a], ["B", comparison.b]] as const) {
    out.push(`${paint(options.color, 1, label)} ${shortPath(model.model, width === undefined ? undefined : Math.max(20, width - 2 - facts(model).length))}${facts(model)}`);
  }
  const layers = comparison.layers;
  const number = (id: string, header: string, values: (number | null)[], format: (value: number | null) => string, dropOrder?: number): TextColumn => ({ id, header, align: "right", cells: values.map(format), ...(dropOrder !== undefined ? { dropOrder } : {}) });
  const plain = (value: number | null): string => fixed(value, 4);
  const delta = (value: number | null): string => signed(value, 4);
  const columns: TextColumn[] = [
    namesColumn("tensor", "tensor", layers.map((layer) => layer.tensor)),
    { id: "shape", header: "shape", align: "left", cells: layers.map((layer) => shape(layer.shape)), dropOrder: 1 },
    number("mu_a", "μ A", layers.map((layer) => layer.mu_a), plain, 6),
    number("mu_b", "μ B", layers.map((layer) => layer.mu_b), plain, 7),
    number("d_mu", "Δμ", layers.map((layer) => layer.d_mu), delta),
    number("sigma_a", "σ A", layers.map((layer) => layer.sigma_a), plain, 4),
    number("sigma_b", "σ B", layers.map((layer) => layer.sigma_b), plain, 5),
    number("d_sigma", "Δσ", layers.map((layer) => layer.d_sigma), delta),
    number("r2_a", "R² A", layers.map((layer) => layer.r2_a), plain, 2),
    number("r2_b", "R² B", layers.map((layer) => layer.r2_b), plain, 3),
    number("d_r2", "ΔR²", layers.map((layer) => layer.d_r2), delta, 8),
    { id: "best", header: "best", align: "left", cells: layers.map((layer) => transition(layer.best_a, layer.best_b)), dropOrder: 9 },
    { id: "flags", header: "flags", align: "left", cells: layers.map(flagsText), color: 33 },
  ];
  const shown = columns.filter((column) => column.id !== "flags" || column.cells.some((cell) => cell !== ""));
  const table = renderTextTable(shown, { color: options.color, ...(width !== undefined ? { width } : {}) });
  out.push(table.text);
  if (table.dropped.length > 0) out.push(wrapText(`(left out to fit ${width} columns: ${table.dropped.join(", ")}; --format csv has every column)`, width));
  const s = comparison.summary;
  const a = comparison.a.summary;
  const b = comparison.b.summary;
  // The headline means average only layers unflagged in both (a flagged fit can sit at μ = +12).
  const u = s.unflagged;
  const withSe = (value: { mean: number | null; se: number | null }): string => `${signed(value.mean, 4)}${value.se === null ? "" : ` ± ${value.se.toFixed(4)} (SE)`}`;
  out.push(wrapText(`${count(u.layers, "layer")} unflagged in both: mean per-layer Δμ ${withSe(u.d_mu)}, Δσ ${withSe(u.d_sigma)}, ΔR² ${withSe(u.d_r2)}`, width));
  out.push(wrapText(`${count(s.layers, "layer")} fitted in both (flagged included): mean Δμ ${signed(s.mean_d_mu, 4)}, Δσ ${signed(s.mean_d_sigma, 4)}, ΔR² ${signed(s.mean_d_r2, 4)}; best model changed in ${s.best_changed}`, width));
  out.push(wrapText(`model summaries (Table 2, unflagged layers): μ ${fixed(a.mu.mean, 3)} → ${fixed(b.mu.mean, 3)}, σ ${fixed(a.sigma.mean, 3)} → ${fixed(b.sigma.mean, 3)}, R² ${fixed(a.r2.mean, 3)} → ${fixed(b.r2.mean, 3)}`, width));
  const settings = comparison.settings;
  out.push(`settings: bins=${settings.bins} normalize=${settings.normalize} min-params=${settings.min_params}`);
  return `${out.join("\n")}\n`;
}
