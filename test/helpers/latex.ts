/**
 * A structural check of generated LaTeX, for machines without a TeX installation (and a real
 * pdflatex run where there is one): environments
 * nest and close, braces balance (escaped ones aside), each table row has as many cells as the
 * header and closes math mode, and the booktabs rules come in order.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
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
  const top = lines.indexOf("\\toprule");
  const mid = lines.indexOf("\\midrule");
  const bottom = lines.indexOf("\\bottomrule");
  expect(top).toBeGreaterThan(-1);
  expect(mid).toBe(top + 2);
  expect(bottom).toBe(mid + rows + 1);
  const columns = /\\begin\{tabular\}\{([a-z|@{}]+)\}/.exec(body)![1]!.replace(/[^lrcp]/g, "").length;
  for (const row of lines.slice(top + 1, bottom).filter((line) => line !== "\\midrule")) {
    const cells = row.replace(/\\[\\{}$&#^_%~]/g, "");
    expect(row.endsWith("\\\\"), row).toBe(true);
    expect(cells.split("&").length, row).toBe(columns);
    expect((cells.match(/\$/g) ?? []).length % 2, `math mode closes in ${row}`).toBe(0);
  }
}

/**
 * Where pdflatex is installed, typeset `table` (a file to \input) in a minimal article with booktabs
 * and return the log when it fails; undefined when it compiled or pdflatex is absent.
 */
export function pdflatexErrors(table: string): string | undefined {
  if (spawnSync("pdflatex", ["--version"], { encoding: "utf8" }).status !== 0) return undefined;
  const folder = mkdtempSync(join(tmpdir(), "jaynes-latex-"));
  writeFileSync(join(folder, "table.tex"), table);
  writeFileSync(join(folder, "paper.tex"), "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n\\input{table}\n\\end{document}\n");
  const run = spawnSync("pdflatex", ["-interaction=nonstopmode", "-halt-on-error", "paper.tex"], { cwd: folder, encoding: "utf8", timeout: 60_000 });
  return run.status === 0 ? undefined : run.stdout.split("\n").filter((line) => line.startsWith("!")).join("\n") || run.stdout.slice(-2000);
}
