/**
 * Human-readable output: per model a layer table (columns from layerColumns.ts), the paper's Table 2
 * summary row and the settings line; with `verbose`, the skipped tensors and why. Tables are plain
 * aligned text (textTable.ts) fitted into `width` when one is given — the terminal's — with tensor
 * names shortened so rows stay distinguishable; without a width (a pipe, a file) every name is
 * whole. Colour only when asked (the CLI decides from TTY and NO_COLOR).
 */
import type { ModelResult, ModelSettingsRecord } from "../analysis/model.js";
import { type LayerColumn, compactColumns, layerColumn } from "./layerColumns.js";
import { bytes, count, fixed, integer, meanSdSe, shape } from "./numbers.js";
import { distinctShortNames } from "./shortNames.js";
import { type TextColumn, renderTextTable } from "./textTable.js";
import { displayWidth, fitEnd, fitStart, wrapText } from "./textWidth.js";
import { terminalSafe } from "./terminalText.js";

export { shownSe } from "./layerColumns.js";

/** Options of the terminal tables. */
export interface TableOptions {
  color: boolean;
  verbose: boolean;
  /** Terminal columns to fit; undefined: no limit, names whole. */
  width?: number;
  /** Layer table columns by id (layerColumns.ts); default the compact set. */
  columns?: readonly string[];
}

export const paint = (enabled: boolean, code: number, text: string): string => (enabled && text ? `\u001b[${code}m${text}\u001b[39m` : text);

/** A path shown in `width` columns: its end, where the file name is (made safe for the terminal first). */
export function shortPath(name: string, width: number | undefined): string {
  const path = terminalSafe(name);
  if (width === undefined || path.length <= width) return path;
  return `…${fitEnd(path, Math.max(1, width - 1))}`;
}

/** A column of names that shortens to distinct names (made safe for the terminal before they are shortened). */
export function namesColumn(id: string, header: string, raw: string[]): TextColumn {
  const names = raw.map(terminalSafe);
  return { id, header, align: "left", cells: names, shrink: (width) => distinctShortNames(names, width) };
}

/** Two-letter codes for flags, used when the flags column must be narrow (a legend follows the table). */
export function flagCode(flag: string): string {
  const parts = flag.split("-");
  return parts.length > 1 ? parts.map((part) => part[0]).join("") : flag.slice(0, 2);
}

/** A flags column that, when narrow, shows codes ("fb,nc") and then as many as fit ("fb+2"). */
function flagsColumn(header: string, flags: readonly (readonly string[])[], color: number | undefined, abbreviated: Set<string>): TextColumn {
  const full = flags.map((list) => list.join(","));
  return {
    id: "flags",
    header,
    align: "left",
    cells: full,
    floor: 8,
    ...(color !== undefined ? { color } : {}),
    shrink: (width) =>
      flags.map((list) => {
        if (list.join(",").length <= width) return list.join(",");
        for (const flag of list) abbreviated.add(flag);
        const codes = list.map(flagCode);
        for (let shown = codes.length; shown > 0; shown--) {
          const text = `${codes.slice(0, shown).join(",")}${shown < codes.length ? `+${codes.length - shown}` : ""}`;
          if (text.length <= width) return text;
        }
        return `+${codes.length}`;
      }),
  };
}

function layerTable(model: ModelResult, options: TableOptions): string {
  const columns = (options.columns ?? compactColumns(model.layers)).map((id) => layerColumn(id)).filter((column): column is LayerColumn => column !== undefined);
  const abbreviated = new Set<string>();
  const text = columns.map((column): TextColumn => {
    const cells = model.layers.map((layer) => column.value(layer));
    if (column.id === "tensor") return namesColumn("tensor", column.header, cells);
    if (column.id === "flags") return flagsColumn(column.header, model.layers.map((layer) => layer.flags), column.color, abbreviated);
    // Columns chosen with --wide/--columns are all shown (names still shorten); the default set may drop some.
    const dropOrder = options.columns === undefined ? column.dropOrder : undefined;
    return { id: column.id, header: column.header, align: column.align, cells, ...(dropOrder !== undefined ? { dropOrder } : {}), ...(column.color !== undefined ? { color: column.color } : {}) };
  });
  // In the default set a column that says nothing for any layer (no flags anywhere, no null σ) is left out; the settings line counts flags.
  const shown = options.columns ? text : text.filter((column) => column.cells.some((cell) => cell !== ""));
  const rendered = renderTextTable(shown, { color: options.color, ...(options.width !== undefined ? { width: options.width } : {}) });
  const notes: string[] = [];
  if (abbreviated.size > 0) notes.push(`flags: ${[...abbreviated].sort().map((flag) => `${flagCode(flag)} ${flag}`).join(", ")}`);
  if (rendered.dropped.length > 0) notes.push(`(left out to fit ${options.width} columns: ${rendered.dropped.join(", ")}; --wide or --columns shows them)`);
  return [rendered.text, ...notes.map((note) => wrapText(note, options.width))].join("\n");
}

export function renderModelTable(model: ModelResult, options: TableOptions): string {
  const width = options.width;
  const out: string[] = [];
  const fitted = model.layers.length;
  const flagged = model.layers.filter((layer) => layer.flags.length > 0).length;
  const facts = `  (${model.format}, ${bytes(model.bytes)}, ${count(model.tensors, "tensor")})`;
  out.push(`${paint(options.color, 1, shortPath(model.model, width === undefined ? undefined : Math.max(20, width - facts.length)))}${wrapText(facts, width)}`);
  if (fitted > 0) out.push(layerTable(model, options));
  const summary = model.summary;
  const fields = summaryFields(model);
  const summaryTable = renderTextTable(
    [namesColumn("model", "model", [model.model]), ...fields.map(({ id, header, value, dropOrder }): TextColumn => ({ id, header, align: "right", cells: [value], ...(dropOrder !== undefined ? { dropOrder } : {}) }))],
    { color: options.color, ...(width !== undefined ? { width } : {}) },
  );
  // A row that does not fit whole (mean ± sd (SE) cells are long) is printed as one line per column: nothing left out.
  if (width !== undefined && (summaryTable.dropped.length > 0 || Math.max(...summaryTable.text.split("\n").map(displayWidth)) > width)) out.push("", "model summary (Table 2 row):", ...fields.map(({ header, value }) => wrapText(`  ${header}: ${value}`, width, "    ")));
  else out.push("", summaryTable.text);
  if (summary.caution) out.push(wrapText(`! this row stands on ${summary.caution}: it does not describe the model`, width));
  if (fitted > 0) {
    out.push(wrapText(`best model by AIC over the ${count(summary.layers, "layer")} of the row: ${bestCounts(summary.best)}; at each family's maximum likelihood: ${bestCounts(summary.best_ml)}`, width));
    const seText = model.settings.bootstrap > 0 ? `bootstrap SE (${model.settings.bootstrap} replicates, seed ${model.settings.seed})` : "SE of the least-squares fit only, which leaves out the noise of max|w| (--bootstrap 200 for the full SE and 95 % intervals)";
    out.push(wrapText(`(μ ± SE, σ ± SE: ${seText}; σ₀: σ of a Gaussian layer of the same size; null R²: its R²; see README "Is it really lognormal?")`, width));
  }
  const s = model.settings;
  const quantized = model.layers.some((layer) => layer.quantization) ? "; * = decoded from quantised storage" : "";
  const flagNote = `${flagged} flagged${s.include_flagged ? ", included" : ", left out of the summary"}`;
  out.push(wrapText(`settings: ${settingsText(s)}; ${count(fitted, "layer")} fitted (${flagNote}), ${count(model.skipped.length, "tensor")} skipped${options.verbose || model.skipped.length === 0 ? "" : " (--verbose lists them)"}${quantized}`, width));
  if (options.verbose && model.skipped.length > 0) {
    // A reason may quote a name from the file (duplicate_of): shown safe.
    const reasons = model.skipped.map((tensor) => terminalSafe(tensor.reason));
    const skipped = renderTextTable(
      [
        namesColumn("tensor", "skipped tensor", model.skipped.map((tensor) => tensor.tensor)),
        { id: "shape", header: "shape", align: "left", cells: model.skipped.map((tensor) => shape(tensor.shape)), dropOrder: 1 },
        { id: "params", header: "params", align: "right", cells: model.skipped.map((tensor) => integer(tensor.params)), dropOrder: 2 },
        { id: "dtype", header: "dtype", align: "left", cells: model.skipped.map((tensor) => tensor.dtype), dropOrder: 3 },
        { id: "reason", header: "reason", align: "left", cells: reasons, shrink: (w) => reasons.map((reason) => (displayWidth(reason) <= w ? reason : `${fitStart(reason, w - 1)}…`)), floor: 24 },
      ],
      { color: options.color, ...(width !== undefined ? { width } : {}) },
    );
    out.push(skipped.text);
  }
  return `${out.join("\n")}\n`;
}

/** The Table 2 row's fields after the model name, with the priority each is left out by in a narrow table. */
function summaryFields(model: ModelResult): { id: string; header: string; value: string; dropOrder?: number }[] {
  const summary = model.summary;
  return [
    { id: "layers", header: "layers", value: summary.coverage === null ? String(summary.layers) : `${summary.layers} of ${summary.fitted} (${Math.round(100 * summary.coverage)} %)${summary.caution ? " !" : ""}` },
    { id: "params", header: "params", value: integer(summary.params), dropOrder: 10 },
    { id: "A", header: "A", value: meanSdSe(summary.A, 4), dropOrder: 20 },
    { id: "mu", header: "μ", value: meanSdSe(summary.mu, 3) },
    { id: "sigma", header: "σ", value: meanSdSe(summary.sigma, 3) },
    { id: "null_sigma", header: "σ₀ (null)", value: summary.null_gaussian_sigma === null ? "—" : `${fixed(summary.null_gaussian_sigma, 3)} (Laplace ${fixed(summary.null_laplace_sigma, 3)})`, dropOrder: 40 },
    { id: "r2", header: "R²", value: meanSdSe(summary.r2, 3), dropOrder: 50 },
    { id: "r2_above_null", header: "R² > null", value: `${summary.r2_above_null}/${summary.layers}`, dropOrder: 30 },
  ];
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
