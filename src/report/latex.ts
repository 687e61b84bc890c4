/**
 * summary.tex: the scan summary as a LaTeX table in the shape of the paper's Table 2 (model, layers,
 * parameters, mean ± sd of A, μ, σ, R²), typeset with booktabs rules. Model names are shown below
 * the folder all of them share (named in a comment), escaped, with break points after `/`, `_`, `-`,
 * `.` and every few characters, so a long name wraps instead of running into the margin. Failed
 * inputs are listed in comments under the table, never in it.
 *
 * It fits the page in both directions:
 * - up to LONGTABLE_LINES typeset lines (a wrapped name takes several), a `table` float whose tabular is scaled down to the line width
 *   only when it is wider (`\resizebox`, graphicx), so two-column papers work too;
 * - beyond that, a `longtable` (one-column documents) that breaks across pages and repeats its
 *   header; its model column gets the line width minus the other columns, which TeX measures from
 *   their widest cells, and the font is chosen so that the numbers leave room for names.
 */
import type { ScanSummary } from "../analysis/scan/summary.js";
import type { MeanSd } from "../analysis/summary.js";
import { fixed } from "./numbers.js";
import { commonFolder, settingsLine, summaryCells } from "./scanSummary.js";

/** More typeset lines than this are a longtable (a float must fit on one page: ~50 lines of \small, less the caption). */
export const LONGTABLE_LINES = 44;
/** Names longer than this wrap in a column of 45 % of the line inside a float. */
const WRAP_NAME_CHARACTERS = 30;
/** Characters of a wrapped name per line in that column (\small \texttt is 4.7 pt a character; breaks at separators). */
const WRAPPED_LINE_CHARACTERS = 28;
/** Break opportunity inside a run of this many characters without a separator. */
const BREAK_EVERY = 8;

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

/** A model name in \texttt, escaped, with break points after separators and inside long runs. */
export function breakableName(name: string): string {
  const pieces: string[] = [];
  let run = 0;
  for (const char of name) {
    pieces.push(escapeLatex(char));
    run = /[/_.-]/.test(char) ? 0 : run + 1;
    if (run === 0 || run % BREAK_EVERY === 0) pieces.push("\\allowbreak{}");
  }
  return `\\texttt{${pieces.join("").replace(/(\\allowbreak\{\})+$/, "")}}`;
}

/** Characters a cell takes when typeset (markup and math delimiters do not count). */
function typesetLength(cell: string): number {
  return cell.replace(/\\allowbreak\{\}|\\texttt|\\pm|[{}$]/g, (match) => (match === "\\pm" ? "±" : "")).length;
}

/** The cell of `cells` that takes the most characters. */
function widest(cells: readonly string[]): string {
  return cells.reduce((best, cell) => (typesetLength(cell) > typesetLength(best) ? cell : best), "");
}

const HEADER = ["Model", "Layers", "Parameters", "$A$", "$\\mu$", "$\\sigma$", "$R^2$"];

/**
 * The font of a longtable: the largest whose numeric columns leave at least 8 em for names on a
 * 345 pt line (the article class's; a digit is half an em, ± about one, a gap 8 pt).
 */
function longtableFont(columns: readonly string[]): string {
  const chars = columns.reduce((sum, cell) => sum + typesetLength(cell), 0);
  for (const [command, size] of [["\\small", 9], ["\\footnotesize", 8], ["\\scriptsize", 7]] as const) {
    if (chars * 0.55 * size + 8 * size + 12 * 4 <= 345) return command;
  }
  return "\\tiny";
}

/** `summary.tex`: the scan's Table 2 as a LaTeX table with booktabs rules. */
export function renderScanLatex(summary: ScanSummary): string {
  const folder = commonFolder(summary.models.map((entry) => entry.model));
  const rows = summary.models.map((entry) => [breakableName(entry.model.slice(folder.length)), String(entry.summary.layers), latexInteger(entry.summary.params), ...summaryCells(entry, latexMeanSd)]);
  const names = summary.models.map((entry) => entry.model.length - folder.length);
  const longNames = names.some((length) => length > WRAP_NAME_CHARACTERS);
  // Lines the float would take: a wrapped name takes several.
  const typesetLines = names.reduce((sum, length) => sum + (longNames ? Math.max(1, Math.ceil(length / WRAPPED_LINE_CHARACTERS)) : 1), 0);
  const long = typesetLines > LONGTABLE_LINES;
  const caption = `Lognormal fits of the size-weighted $|w|$ histograms ($B = ${summary.settings.bins}$ bins${summary.settings.normalize === "max" ? ", $|w|/\\max|w|$" : ", raw $|w|$"}): mean $\\pm$ standard deviation (standard error of the mean) over the layers of each model.`;
  const header = `    ${HEADER.join(" & ")} \\\\`;
  const body = rows.map((cells) => `    ${cells.join(" & ")} \\\\`);
  const out = [
    `% jaynes ${summary.version} scan summary in the shape of Table 2. Needs \\usepackage{booktabs,array,${long ? "longtable" : "graphicx"}}.`,
    `% Settings: ${settingsLine(summary)}. A, mu, sigma, R^2: mean +- sample sd (standard error of the mean) over the ${summary.settings.include_flagged ? "fitted" : "unflagged fitted"} layers.`,
    ...(folder ? [`% Models under ${folder}`] : []),
  ];
  if (!long) {
    const nameColumn = longNames ? ">{\\raggedright\\arraybackslash}p{0.45\\linewidth}" : "l";
    out.push(
      "\\begin{table}[htbp]",
      "  \\centering",
      `  \\caption{${caption}}`,
      "  \\label{tab:jaynes-scan}",
      "  \\small",
      "  \\ifdefined\\jaynesbox\\else\\newsavebox{\\jaynesbox}\\fi",
      "  \\sbox{\\jaynesbox}{%",
      `  \\begin{tabular}{@{}${nameColumn}rrcccc@{}}`,
      "    \\toprule",
      header,
      "    \\midrule",
      ...body,
      "    \\bottomrule",
      "  \\end{tabular}}%",
      "  % Scaled down to the line width only when wider than it.",
      "  \\ifdim\\wd\\jaynesbox>\\linewidth\\resizebox{\\linewidth}{!}{\\usebox{\\jaynesbox}}\\else\\usebox{\\jaynesbox}\\fi",
      "\\end{table}",
    );
  } else {
    const numeric = HEADER.slice(1).map((head, i) => ({ head, cell: widest(rows.map((cells) => cells[i + 1]!)) }));
    out.push(
      "\\begingroup",
      longtableFont(numeric.map(({ head, cell }) => (typesetLength(head) > typesetLength(cell) ? head : cell))),
      "\\setlength{\\tabcolsep}{4pt}",
      "\\ifdefined\\jaynesnamewidth\\else\\newlength{\\jaynesnamewidth}\\newlength{\\jaynescell}\\newlength{\\jaynesheader}\\fi",
      "% The model column gets the line minus the other columns (header or widest cell) and the gaps.",
      "\\setlength{\\jaynesnamewidth}{\\dimexpr\\linewidth-12\\tabcolsep\\relax}",
      ...numeric.map(({ head, cell }) => `\\settowidth{\\jaynesheader}{${head}}\\settowidth{\\jaynescell}{${cell}}\\ifdim\\jaynesheader>\\jaynescell\\setlength{\\jaynescell}{\\jaynesheader}\\fi\\addtolength{\\jaynesnamewidth}{-\\jaynescell}`),
      "\\begin{longtable}{@{}>{\\raggedright\\arraybackslash}p{\\jaynesnamewidth}rrcccc@{}}",
      `  \\caption{${caption}}\\label{tab:jaynes-scan} \\\\`,
      "    \\toprule",
      header,
      "    \\midrule",
      "  \\endfirsthead",
      "  \\caption[]{(continued)} \\\\",
      "    \\toprule",
      header,
      "    \\midrule",
      "  \\endhead",
      "    \\midrule",
      "    \\multicolumn{7}{r@{}}{\\emph{continued on the next page}} \\\\",
      "  \\endfoot",
      "    \\bottomrule",
      "  \\endlastfoot",
      ...body,
      "\\end{longtable}",
      "\\endgroup",
    );
  }
  if (summary.failures.length > 0) {
    out.push("% Not in the table (the input could not be analysed):");
    for (const failure of summary.failures) out.push(`%   ${failure.error.replace(/[\r\n]+/g, " ")}`);
  }
  return `${out.join("\n")}\n`;
}
