/**
 * Human-readable output: per model a layer table, the paper's Table 2 summary row and the settings
 * line; with `verbose`, the skipped tensors and why. Colour only when asked (the CLI decides from
 * TTY and NO_COLOR); without it the output is plain text.
 */
import Table from "cli-table3";
import type { ModelResult, ModelSettingsRecord } from "../analysis/model.js";
import type { LayerResult } from "../analysis/layerResult.js";
import { bytes, fixed, integer, meanSdSe, shape, significant, withSe } from "./numbers.js";
import { terminalSafe } from "./terminalText.js";

/** The SE a table shows beside μ and σ: the bootstrap's (it includes the maximum's noise), else the fit's. */
export function shownSe(layer: LayerResult): { mu: number | null; sigma: number | null } {
  return layer.bootstrap ? { mu: layer.bootstrap.mu_sd, sigma: layer.bootstrap.sigma_sd } : { mu: layer.fit_se.mu, sigma: layer.fit_se.sigma };
}

/** Options of the terminal tables. */
export interface TableOptions {
  color: boolean;
  verbose: boolean;
  /** Longest tensor name shown; longer names keep their start and end. */
  nameWidth?: number;
}

export const paint = (enabled: boolean, code: number, text: string): string => (enabled && text ? `\u001b[${code}m${text}\u001b[39m` : text);

export function newTable(head: string[], options: TableOptions, align?: ("left" | "right")[]): Table.Table {
  return new Table({
    head,
    style: options.color ? { head: ["cyan"], border: ["grey"] } : { head: [], border: [] },
    ...(align ? { colAligns: align } : {}),
  });
}

/** A name for a table cell: made safe for the terminal, then shortened to `width` (start and end kept). */
export function ellipsize(name: string, width: number): string {
  const text = terminalSafe(name);
  if (text.length <= width) return text;
  const keep = width - 1;
  const front = Math.ceil(keep / 2);
  return `${text.slice(0, front)}…${text.slice(text.length - (keep - front))}`;
}

export function renderModelTable(model: ModelResult, options: TableOptions): string {
  const nameWidth = options.nameWidth ?? 60;
  const out: string[] = [];
  const fitted = model.layers.length;
  const flagged = model.layers.filter((layer) => layer.flags.length > 0).length;
  out.push(`${paint(options.color, 1, terminalSafe(model.model))}  (${model.format}, ${bytes(model.bytes)}, ${model.tensors} tensors)`);
  if (fitted > 0) {
    const table = newTable(["tensor", "shape", "params", "dtype", "A", "μ ± SE", "σ ± SE", "σ₀", "R²", "null R²", "best", "best (ML)", "flags"], options, ["left", "left", "right", "left", "right", "right", "right", "right", "right", "right", "left", "left", "left"]);
    for (const layer of model.layers) {
      const se = shownSe(layer);
      table.push([
        ellipsize(layer.tensor, nameWidth),
        shape(layer.shape),
        integer(layer.params),
        layer.quantization ? `${layer.dtype}*` : layer.dtype,
        significant(layer.A, 4),
        withSe(layer.mu, se.mu, 3),
        withSe(layer.sigma, se.sigma, 3),
        fixed(layer.null_gaussian.sigma, 3),
        fixed(layer.r2, 4),
        fixed(layer.null_r2, 4),
        layer.best ?? "—",
        layer.best_ml ?? "—",
        paint(options.color, 33, layer.flags.join(",")),
      ]);
    }
    out.push(table.toString());
  }
  const summary = model.summary;
  const summaryTable = newTable(["model", "layers", "params", "A", "μ", "σ", "σ₀ (null)", "R²", "R² > null"], options);
  summaryTable.push([
    ellipsize(model.model, 40),
    summary.coverage === null ? String(summary.layers) : `${summary.layers} of ${summary.fitted} (${Math.round(100 * summary.coverage)} %)${summary.caution ? " !" : ""}`,
    integer(summary.params),
    meanSdSe(summary.A, 4),
    meanSdSe(summary.mu, 3),
    meanSdSe(summary.sigma, 3),
    summary.null_gaussian_sigma === null ? "—" : `${fixed(summary.null_gaussian_sigma, 3)} (Laplace ${fixed(summary.null_laplace_sigma, 3)})`,
    meanSdSe(summary.r2, 3),
    `${summary.r2_above_null}/${summary.layers}`,
  ]);
  out.push(summaryTable.toString());
  if (summary.caution) out.push(`! this row stands on ${summary.caution}: it does not describe the model`);
  if (fitted > 0) {
    out.push(`best model by AIC over the ${summary.layers} layers of the row: ${bestCounts(summary.best)}; at each family's maximum likelihood: ${bestCounts(summary.best_ml)}`);
    const seText = model.settings.bootstrap > 0 ? `bootstrap SE (${model.settings.bootstrap} replicates, seed ${model.settings.seed})` : "SE of the least-squares fit only, which leaves out the noise of max|w| (--bootstrap 200 for the full SE and 95 % intervals)";
    out.push(`(μ ± SE, σ ± SE: ${seText}; σ₀: σ of a Gaussian layer of the same size; null R²: its R²; see README "Is it really lognormal?")`);
  }
  const s = model.settings;
  const quantized = model.layers.some((layer) => layer.quantization) ? "; * = decoded from quantised storage" : "";
  out.push(
    `settings: ${settingsText(s)}; ${fitted} layers fitted (${flagged} flagged${s.include_flagged ? ", included" : ", left out of the summary"}), ${model.skipped.length} tensors skipped${options.verbose || model.skipped.length === 0 ? "" : " (--verbose lists them)"}${quantized}`,
  );
  if (options.verbose && model.skipped.length > 0) {
    const skipped = newTable(["skipped tensor", "shape", "params", "dtype", "reason"], options);
    for (const tensor of model.skipped) skipped.push([ellipsize(tensor.tensor, nameWidth), shape(tensor.shape), integer(tensor.params), tensor.dtype, tensor.reason]);
    out.push(skipped.toString());
  }
  return `${out.join("\n")}\n`;
}

/** The settings as a user would type them: "bins=100 normalize=max min-params=10000 …". */
export function settingsText(s: ModelSettingsRecord): string {
  const parts = [`bins=${s.bins}`, `normalize=${s.normalize}`, `min-params=${s.min_params}`];
  if (s.bootstrap !== undefined) parts.push(s.bootstrap > 0 ? `bootstrap=${s.bootstrap} seed=${s.seed}` : "bootstrap=0");
  if (s.include_flagged) parts.push("include-flagged");
  if (s.include.length) parts.push(`include=${s.include.join(",")}`);
  if (s.exclude.length) parts.push(`exclude=${s.exclude.join(",")}`);
  return parts.join(" ");
}

/** "lognormal 3, exponential 1", most frequent first. */
function bestCounts(counts: readonly { family: string; layers: number }[]): string {
  return counts.length === 0 ? "none" : [...counts].sort((a, b) => b.layers - a.layers).map(({ family, layers }) => `${family} ${layers}`).join(", ");
}

/** `jaynes fit`'s terminal output: per model the layer table, the summary row and the settings line. */
export function renderTables(models: readonly ModelResult[], options: TableOptions): string {
  return models.map((model) => renderModelTable(model, options)).join("\n");
}
