/**
 * summary.tex: the scan summary as a LaTeX table in the shape of the paper's Table 2 (model, layers,
 * parameters, mean ± sd of A, μ, σ, R²), typeset with booktabs rules (`\usepackage{booktabs}`).
 * Model names are shown below the folder all of them share (named in a comment) and escaped; failed
 * inputs are listed in comments under the table, never in it.
 */
import type { ScanSummary } from "../analysis/scan/summary.js";
import type { MeanSd } from "../analysis/summary.js";
import { fixed } from "./numbers.js";
import { commonFolder, settingsLine, summaryCells } from "./scanSummary.js";

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
  if (value.sd === null) return `$${fixed(value.mean, digits)}$`;
  return `$${fixed(value.mean, digits)} \\pm ${fixed(value.sd, digits)}$${value.se === null || value.se === undefined ? "" : ` (${fixed(value.se, digits)})`}`;
}

/** 1234567 → 1{,}234{,}567 (a comma that is not followed by a space in math or text). */
function latexInteger(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, "{,}");
}

/** `summary.tex`: the scan's Table 2 as a LaTeX table with booktabs rules. */
export function renderScanLatex(summary: ScanSummary): string {
  const folder = commonFolder(summary.models.map((entry) => entry.model));
  const lines = [
    `% jaynes ${summary.version} scan summary in the shape of Table 2. Needs \\usepackage{booktabs}.`,
    `% Settings: ${settingsLine(summary)}. A, mu, sigma, R^2: mean +- sample sd (standard error of the mean) over the ${summary.settings.include_flagged ? "fitted" : "unflagged fitted"} layers.`,
    ...(folder ? [`% Models under ${folder}`] : []),
    "\\begin{table}[htbp]",
    "  \\centering",
    "  \\small",
    `  \\caption{Lognormal fits of the size-weighted $|w|$ histograms ($B = ${summary.settings.bins}$ bins${summary.settings.normalize === "max" ? ", $|w|/\\max|w|$" : ", raw $|w|$"}): mean $\\pm$ standard deviation (standard error of the mean) over the layers of each model.}`,
    "  \\label{tab:jaynes-scan}",
    "  \\begin{tabular}{lrrcccc}",
    "    \\toprule",
    "    Model & Layers & Parameters & $A$ & $\\mu$ & $\\sigma$ & $R^2$ \\\\",
    "    \\midrule",
  ];
  for (const entry of summary.models) {
    const name = `\\texttt{${escapeLatex(entry.model.slice(folder.length))}}`;
    lines.push(`    ${[name, String(entry.summary.layers), latexInteger(entry.summary.params), ...summaryCells(entry, latexMeanSd)].join(" & ")} \\\\`);
  }
  lines.push("    \\bottomrule", "  \\end{tabular}", "\\end{table}");
  if (summary.failures.length > 0) {
    lines.push("% Not in the table (the input could not be analysed):");
    for (const failure of summary.failures) lines.push(`%   ${failure.error.replace(/[\r\n]+/g, " ")}`);
  }
  return `${lines.join("\n")}\n`;
}
