/**
 * summary.tex: the scan summary as a LaTeX table in the shape of the paper's Table 2 (model, layers,
 * parameters, mean ± sd of A, μ, σ, R²), typeset with booktabs rules (`\usepackage{booktabs}`).
 * Model names are shown relative to the scanned folder and escaped; failed inputs are listed in
 * comments under the table, never in it.
 */
import type { ScanSummary } from "../analysis/scan/summary.js";
import type { MeanSd } from "../analysis/summary.js";
import { compareNames } from "../formats/open.js";
import { fixed } from "./numbers.js";
import { settingsLine, summaryCells } from "./scanSummary.js";

const LATEX_SPECIALS: Record<string, string> = {
  "\\": "\\textbackslash{}",
  "{": "\\{",
  "}": "\\}",
  $: "\\$",
  "&": "\\&",
  "#": "\\#",
  "^": "\\^{}",
  _: "\\_",
  "%": "\\%",
  "~": "\\~{}",
};

/** Text with every character LaTeX gives a meaning to escaped. */
export function escapeLatex(text: string): string {
  return text.replace(/[\\{}$&#^_%~]/g, (ch) => LATEX_SPECIALS[ch]!).replace(/[\r\n]+/g, " ");
}

/** `$m \pm s$` in math mode (a real minus sign), `---` when there is no value. */
function latexMeanSd(value: MeanSd, digits: number): string {
  if (value.mean === null) return "---";
  return value.sd === null ? `$${fixed(value.mean, digits)}$` : `$${fixed(value.mean, digits)} \\pm ${fixed(value.sd, digits)}$`;
}

/** 1234567 → 1{,}234{,}567 (a comma that is not followed by a space in math or text). */
function latexInteger(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, "{,}");
}

/** The model's name below the longest scanned folder that holds it (the full name otherwise). */
export function shortModelName(model: string, roots: readonly string[]): string {
  const holding = roots
    .map((root) => root.replace(/\/+$/, ""))
    .filter((root) => root !== "" && model.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length || compareNames(a, b));
  return holding.length > 0 ? model.slice(holding[0]!.length + 1) : model;
}

export function renderScanLatex(summary: ScanSummary): string {
  const lines = [
    `% jaynes ${summary.version} scan summary in the shape of Table 2. Needs \\usepackage{booktabs}.`,
    `% Settings: ${settingsLine(summary)}. A, mu, sigma, R^2: mean +- sample sd over the ${summary.settings.include_flagged ? "fitted" : "unflagged fitted"} layers.`,
    "\\begin{table}[htbp]",
    "  \\centering",
    `  \\caption{Lognormal fits of the size-weighted $|w|$ histograms ($B = ${summary.settings.bins}$ bins${summary.settings.normalize === "max" ? ", $|w|/\\max|w|$" : ", raw $|w|$"}): mean $\\pm$ standard deviation over the layers of each model.}`,
    "  \\label{tab:jaynes-scan}",
    "  \\begin{tabular}{lrrcccc}",
    "    \\toprule",
    "    Model & Layers & Parameters & $A$ & $\\mu$ & $\\sigma$ & $R^2$ \\\\",
    "    \\midrule",
  ];
  for (const entry of summary.models) {
    const name = `\\texttt{${escapeLatex(shortModelName(entry.model, summary.scan.roots))}}`;
    lines.push(`    ${[name, String(entry.summary.layers), latexInteger(entry.summary.params), ...summaryCells(entry, latexMeanSd)].join(" & ")} \\\\`);
  }
  lines.push("    \\bottomrule", "  \\end{tabular}", "\\end{table}");
  if (summary.failures.length > 0) {
    lines.push("% Not in the table (the input could not be analysed):");
    for (const failure of summary.failures) lines.push(`%   ${failure.error.replace(/[\r\n]+/g, " ")}`);
  }
  return `${lines.join("\n")}\n`;
}
