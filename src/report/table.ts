/**
 * Human-readable output: per model a layer table, the paper's Table 2 summary row and the settings
 * line; with `verbose`, the skipped tensors and why. Colour only when asked (the CLI decides from
 * TTY and NO_COLOR); without it the output is plain text.
 */
import Table from "cli-table3";
import type { ModelResult, ModelSettingsRecord } from "../analysis/model.js";
import { bytes, fixed, integer, meanSd, shape, significant } from "./numbers.js";
import { terminalSafe } from "./terminalText.js";

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
    const table = newTable(["tensor", "shape", "params", "dtype", "A", "μ", "σ", "R²", "null R²", "best", "y₀", "flags"], options, ["left", "left", "right", "left", "right", "right", "right", "right", "right", "left", "right", "left"]);
    for (const layer of model.layers) {
      table.push([
        ellipsize(layer.tensor, nameWidth),
        shape(layer.shape),
        integer(layer.params),
        layer.quantization ? `${layer.dtype}*` : layer.dtype,
        significant(layer.A, 4),
        fixed(layer.mu, 4),
        fixed(layer.sigma, 4),
        fixed(layer.r2, 4),
        fixed(layer.null_r2, 4),
        layer.best ?? "—",
        fixed(layer.first_bin_mass, 3),
        paint(options.color, 33, layer.flags.join(",")),
      ]);
    }
    out.push(table.toString());
  }
  const summary = model.summary;
  const summaryTable = newTable(["model", "layers", "params", "A", "μ", "σ", "R²"], options);
  summaryTable.push([
    ellipsize(model.model, 40),
    String(summary.layers),
    integer(summary.params),
    meanSd(summary.A.mean, summary.A.sd, 4),
    meanSd(summary.mu.mean, summary.mu.sd, 3),
    meanSd(summary.sigma.mean, summary.sigma.sd, 3),
    meanSd(summary.r2.mean, summary.r2.sd, 3),
  ]);
  out.push(summaryTable.toString());
  if (fitted > 0) out.push(`best model by AIC: ${bestCounts(model)} (null R²: a Gaussian layer of the same size; see README "Is it really lognormal?")`);
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
  if (s.include_flagged) parts.push("include-flagged");
  if (s.include.length) parts.push(`include=${s.include.join(",")}`);
  if (s.exclude.length) parts.push(`exclude=${s.exclude.join(",")}`);
  return parts.join(" ");
}

/** "lognormal 3, exponential 1" over the fitted layers, most frequent first. */
function bestCounts(model: ModelResult): string {
  const counts = new Map<string, number>();
  for (const layer of model.layers) counts.set(layer.best ?? "none", (counts.get(layer.best ?? "none") ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([name, count]) => `${name} ${count}`).join(", ");
}

export function renderTables(models: readonly ModelResult[], options: TableOptions): string {
  return models.map((model) => renderModelTable(model, options)).join("\n");
}
