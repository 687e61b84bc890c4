/**
 * A structural check of generated LaTeX, for machines without a TeX installation (and a real
 * pdflatex run where there is one): environments
 * nest and close, braces balance (escaped ones aside), each table row has as many cells as the
 * header and closes math mode, and the booktabs rules come in order.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";

/** `tex` is one booktabs table with `rows` body rows. */
export function expectWellFormedLatex(tex: string, rows: number): void {
  const body = tex
    .split("\n")
    .filter((line) => !line.startsWith("%"))
    .join("\n");
  const stack: string[] = [];
  for (const match of body.matchAll(/\\(begin|end)\{([^}]*)\}/g)) {
    if (match[1] === "begin") stack.push(match[2]!);
    else expect(stack.pop(), `\\end{${match[2]}} closes the innermost environment`).toBe(match[2]);
  }
  expect(stack, "every environment is closed").toEqual([]);

  const unescaped = body.replace(/\\[\\{}$&#^_%~]/g, "");
  let depth = 0;
  for (const ch of unescaped) {
    if (ch === "{") depth++;
    if (ch === "}") depth--;
    expect(depth).toBeGreaterThanOrEqual(0);
  }
  expect(depth, "braces balance").toBe(0);

  const lines = body.split("\n").map((line) => line.trim());
  const spec = /\\begin\{(?:tabular|longtable)\}\{(.+)\}$/m.exec(body)![1]!;
  // Column letters outside the >{…}, p{…} and @{…} arguments.
  const columns = spec.replace(/[>@p]\{(?:[^{}]|\{[^{}]*\})*\}/g, (match) => (match.startsWith("p") ? "p" : "")).replace(/[^lrcp]/g, "").length;
  const top = lines.indexOf("\\toprule");
  expect(top).toBeGreaterThan(-1);
  expect(lines[top + 2]).toBe("\\midrule");
  const longtable = lines.includes("\\endlastfoot");
  const first = longtable ? lines.indexOf("\\endlastfoot") + 1 : top + 3;
  const last = longtable ? lines.indexOf("\\end{longtable}") : lines.indexOf("\\bottomrule");
  expect(last - first, "one line per row").toBe(rows);
  for (const row of [lines[top + 1]!, ...lines.slice(first, last)]) {
    const cells = row.replace(/\\[\\{}$&#^_%~]/g, "");
    expect(row.endsWith("\\\\"), row).toBe(true);
    expect(cells.split("&").length, row).toBe(columns);
    expect((cells.match(/\$/g) ?? []).length % 2, `math mode closes in ${row}`).toBe(0);
  }
}

export const HAVE_PDFLATEX = spawnSync("pdflatex", ["--version"], { encoding: "utf8" }).status === 0;

/**
 * Where pdflatex is installed, typeset `table` (a file to \input) in a plain article with the
 * packages summary.tex asks for, twice (longtable settles its columns on the second run), and return
 * what went wrong: errors, and every overfull box or float too large for the page — a table that
 * does not fit the page is a failure too. Undefined when it typeset cleanly or pdflatex is absent.
 */
export function pdflatexErrors(table: string, documentClass = "article"): string | undefined {
  if (!HAVE_PDFLATEX) return undefined;
  const folder = mkdtempSync(join(tmpdir(), "jaynes-latex-"));
  writeFileSync(join(folder, "table.tex"), table);
  writeFileSync(join(folder, "paper.tex"), `\\documentclass{${documentClass}}\n\\usepackage{booktabs,array,graphicx,longtable}\n\\begin{document}\n\\input{table}\n\\end{document}\n`);
  let run;
  for (let pass = 0; pass < 2; pass++) {
    run = spawnSync("pdflatex", ["-interaction=nonstopmode", "-halt-on-error", "paper.tex"], { cwd: folder, encoding: "utf8", timeout: 120_000 });
    if (run.status !== 0) return run.stdout.split("\n").filter((line) => line.startsWith("!")).join("\n") || run.stdout.slice(-2000);
  }
  const log = readFileSync(join(folder, "paper.log"), "latin1");
  const problems = log.split("\n").filter((line) => /^(Overfull \\[hv]box|LaTeX Warning: Float too large)/.test(line));
  return problems.length > 0 ? problems.join("\n") : undefined;
}
