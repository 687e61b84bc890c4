/**
 * The scan summary for people and spreadsheets: summary.csv (one row per model or failed input),
 * summary.md (the table, the failures, the gates; also what GitHub shows as the step summary) and
 * the terminal table. All render the same `ScanSummary` document (analysis/scan/summary.ts).
 */
import type { GateViolation } from "../analysis/scan/gates.js";
import type { ScanModelEntry, ScanSummary } from "../analysis/scan/summary.js";
import type { MeanSd } from "../analysis/summary.js";
import { compareNames } from "../formats/open.js";
import { csvField } from "./csv.js";
import type { Failure } from "../errors.js";
import { count, integer, meanSdSe, significant } from "./numbers.js";
import { type TableOptions, namesColumn, paint, settingsText } from "./table.js";
import { type TextColumn, droppedNote, renderTextTable } from "./textTable.js";
import { terminalSafe } from "./terminalText.js";
import { wrapText } from "./textWidth.js";

/** Decimals of the mean ± sd columns (as in `jaynes fit`'s summary row). */
export const SUMMARY_DIGITS = { A: 4, mu: 3, sigma: 3, r2: 3 } as const;

export const SCAN_CSV_COLUMNS = [
  "model",
  "status",
  "format",
  "files",
  "bytes",
  "tensors",
  "fitted",
  "flagged",
  "skipped",
  "layers",
  "params",
  "A_mean",
  "A_sd",
  "mu_mean",
  "mu_sd",
  "sigma_mean",
  "sigma_sd",
  "r2_mean",
  "r2_sd",
  "A_se",
  "mu_se",
  "sigma_se",
  "r2_se",
  "r2_above_null",
  "coverage",
  "null_gaussian_sigma",
  "null_laplace_sigma",
  "caution",
  "layers_csv",
  "layers_json",
  "error_code",
  "error",
  "bins",
  "normalize",
  "min_params",
  "include_flagged",
  "method_version",
] as const;

/** The four mean ± sd cells of a Table 2 row, formatted. */
export function summaryCells(entry: ScanModelEntry, format: (value: MeanSd, digits: number) => string): string[] {
  const s = entry.summary;
  return [format(s.A, SUMMARY_DIGITS.A), format(s.mu, SUMMARY_DIGITS.mu), format(s.sigma, SUMMARY_DIGITS.sigma), format(s.r2, SUMMARY_DIGITS.r2)];
}

const plainMeanSd = (value: MeanSd, digits: number): string => meanSdSe(value, digits);

/** "8/9" layers with R² above their null; σ₀ of the Gaussian null; "!" marks a row from too little. */
function evidenceCells(entry: ScanModelEntry): string[] {
  const s = entry.summary;
  return [`${s.r2_above_null ?? "—"}/${s.layers}`, fixedOrDash(s.null_gaussian_sigma, 3), s.caution ? `! ${s.caution}` : ""];
}

function fixedOrDash(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined ? "—" : value.toFixed(digits);
}

/** `summary.csv`: one row per model or failed input. */
export function renderScanCsv(summary: ScanSummary): string {
  const settings = [summary.settings.bins, summary.settings.normalize, summary.settings.min_params, summary.settings.include_flagged, summary.method.version];
  const rows: { model: string; cells: unknown[] }[] = [];
  for (const entry of summary.models) {
    const s = entry.summary;
    rows.push({
      model: entry.model,
      cells: [entry.model, "ok", entry.format, entry.files.join(";"), entry.bytes, entry.tensors, entry.fitted, entry.flagged, entry.skipped, s.layers, s.params, s.A.mean, s.A.sd, s.mu.mean, s.mu.sd, s.sigma.mean, s.sigma.sd, s.r2.mean, s.r2.sd, s.A.se, s.mu.se, s.sigma.se, s.r2.se, s.r2_above_null, s.coverage, s.null_gaussian_sigma, s.null_laplace_sigma, s.caution, entry.outputs.csv, entry.outputs.json, "", "", ...settings],
    });
  }
  for (const failure of summary.failures) {
    rows.push({ model: failure.model, cells: [failure.model, "failed", ...Array<string>(28).fill(""), failure.code, failure.error, ...settings] });
  }
  rows.sort((a, b) => compareNames(a.model, b.model));
  return `${[SCAN_CSV_COLUMNS.join(","), ...rows.map((row) => row.cells.map(csvField).join(","))].join("\n")}\n`;
}

/**
 * The folder every name lies in ("runs/" for runs/a.onnx and runs/b/c.onnx; "" when they share
 * none): tables show names below it, which stay unique and lose the part that says nothing.
 */
export function commonFolder(names: readonly string[]): string {
  if (names.length === 0) return "";
  let prefix = names[0]!.slice(0, names[0]!.lastIndexOf("/") + 1);
  for (const name of names) {
    while (prefix !== "" && !name.startsWith(prefix)) prefix = prefix.slice(0, prefix.slice(0, -1).lastIndexOf("/") + 1);
  }
  return prefix;
}

/** The failure's message without the model name it starts with (where a table already shows it). */
export function failureReason(failure: Failure): string {
  return failure.error.startsWith(`${failure.model}: `) ? failure.error.slice(failure.model.length + 2) : failure.error;
}

/** One line per violation: gate and limit, model, layer, measured value. */
export function describeViolation(violation: GateViolation): string {
  if (violation.nothing_checked) return `--${violation.gate} ${violation.limit}: nothing to check (${violation.gate === "max-flagged-fraction" ? "no model has a fitted layer" : "no model has a layer in its summary"}; a gate that checks nothing fails)`;
  const where = violation.tensor !== undefined ? `${violation.model}: tensor ${JSON.stringify(violation.tensor)}` : violation.model;
  const measured = violation.gate === "fail-under-r2" ? "R²" : violation.gate === "sigma-range" ? "σ" : violation.gate === "mu-range" ? "μ" : "flagged fraction";
  return `--${violation.gate} ${violation.limit}: ${where}: ${measured} ${significant(violation.value, 4)}`;
}

export function settingsLine(summary: ScanSummary): string {
  return settingsText(summary.settings);
}

function countLine(summary: ScanSummary): string {
  const failed = summary.failures.length > 0 ? `, ${count(summary.failures.length, "failed input")}` : "";
  return `${count(summary.models.length, "model")}${failed}`;
}

/** Markdown has no escape for a backtick inside a code span of one backtick; a quote reads the same. */
const code = (text: string): string => `\`${text.replace(/`/g, "'").replace(/\|/g, "\\|")}\``;
const mdText = (text: string): string => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

/** At most this many gate violations are listed in Markdown (all of them are in summary.json). */
export const MARKDOWN_VIOLATIONS = 50;

/** `summary.md`: the table, the failures and the gate verdict in Markdown. */
export function renderScanMarkdown(summary: ScanSummary): string {
  const out: string[] = ["## jaynes scan", ""];
  out.push(`${countLine(summary)} · jaynes ${summary.version} · ${settingsLine(summary)} · A, μ, σ, R²: mean ± sd (SE of the mean) over the ${summary.settings.include_flagged ? "fitted" : "unflagged fitted"} layers; σ₀: σ of a Gaussian layer of the same sizes`, "");
  out.push("| model | format | layers | flagged | params | A | μ | σ | R² | R² > null | σ₀ | note |", "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
  for (const entry of summary.models) {
    out.push(`| ${[code(entry.model), mdText(entry.format), String(entry.summary.layers), `${entry.flagged} of ${entry.fitted}`, integer(entry.summary.params), ...summaryCells(entry, plainMeanSd), ...evidenceCells(entry).map(mdText)].join(" | ")} |`);
  }
  if (summary.failures.length > 0) {
    out.push("", "### Failed inputs", "");
    for (const failure of summary.failures) out.push(`- ${code(failure.model)}: ${mdText(failureReason(failure))}`);
  }
  if (summary.gates) {
    const { violations, passed } = summary.gates;
    out.push("", "### CI gates", "", passed ? "All gates passed." : `**${count(violations.length, "violation")}:**`);
    if (!passed) {
      out.push("");
      for (const violation of violations.slice(0, MARKDOWN_VIOLATIONS)) out.push(`- ${mdText(describeViolation(violation))}`);
      if (violations.length > MARKDOWN_VIOLATIONS) out.push(`- … and ${violations.length - MARKDOWN_VIOLATIONS} more (summary.json lists them all)`);
    }
  }
  return `${out.join("\n")}\n`;
}

/** The scan's terminal table, fitted to `width` when given. */
export function renderScanTable(summary: ScanSummary, options: Pick<TableOptions, "color" | "width">): string {
  const out: string[] = [];
  const width = options.width;
  const folder = commonFolder(summary.models.map((entry) => entry.model));
  if (summary.models.length > 0) {
    const models = summary.models;
    const cells = models.map((entry) => summaryCells(entry, plainMeanSd));
    const evidence = models.map(evidenceCells);
    const columns: TextColumn[] = [
        namesColumn("model", "model", models.map((entry) => entry.model.slice(folder.length))),
        { id: "format", header: "format", align: "left", cells: models.map((entry) => entry.format), dropOrder: 10 },
        { id: "layers", header: "layers", align: "right", cells: models.map((entry) => String(entry.summary.layers)) },
        { id: "flagged", header: "flagged", align: "right", cells: models.map((entry) => `${entry.flagged}/${entry.fitted}`), dropOrder: 40 },
        { id: "params", header: "params", align: "right", cells: models.map((entry) => integer(entry.summary.params)), dropOrder: 20 },
        { id: "A", header: "A", align: "right", cells: cells.map((row) => row[0]!), dropOrder: 30 },
        { id: "mu", header: "μ", align: "right", cells: cells.map((row) => row[1]!) },
        { id: "sigma", header: "σ", align: "right", cells: cells.map((row) => row[2]!) },
        { id: "r2", header: "R²", align: "right", cells: cells.map((row) => row[3]!), dropOrder: 60 },
        { id: "r2_above_null", header: "R² > null", align: "right", cells: evidence.map((row) => row[0]!), dropOrder: 50 },
        { id: "null_sigma", header: "σ₀", align: "right", cells: evidence.map((row) => row[1]!), dropOrder: 55 },
        { id: "note", header: "note", align: "left", cells: evidence.map((row) => row[2]!) },
    ];
    const table = renderTextTable(
      columns.filter((column) => column.id !== "note" || column.cells.some((cell) => cell !== "")),
      { color: options.color, ...(width !== undefined ? { width } : {}) },
    );
    out.push(table.text, ...droppedNote(table, width, "summary.csv has every column"));
  }
  for (const failure of summary.failures) out.push(paint(options.color, 31, wrapText(`failed: ${terminalSafe(failure.error)}`, width)));
  out.push(wrapText(`${countLine(summary)}${folder ? ` under ${folder}` : ""}; settings: ${settingsLine(summary)}; layers = fitted layers in the summary${summary.settings.include_flagged ? " (flagged included)" : " (flagged left out)"}, flagged = flagged/fitted`, width));
  return `${out.join("\n")}\n`;
}
