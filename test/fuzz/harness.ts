/**
 * Runs fuzz cases through the real CLI, one process per case (`jaynes fit ENTRY --format json
 * --timeout T`; `activations ENTRY … --timeout T` or `init --like ENTRY --dry-run` for cases of those
 * commands; through measure.mjs for the peak RSS), a few at a time, and judges each run:
 * - crash: an exit code outside the documented set for `fit` (0, 2), a stack trace, a stderr line
 *   that is not a `jaynes:` line, an error that does not name the case's file, stdout that is not
 *   the JSON document, or a failure without the expected error code;
 * - hang: not finished within the time budget (then killed);
 * - memory: peak RSS above the budget;
 * - silent accept: a case that must be refused exited 0;
 * - valid refused: a case that must be analysed did not exit 0.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { FuzzCase } from "./cases.js";

const MEASURE = new URL("./measure.mjs", import.meta.url).pathname;

export interface FuzzLimits {
  /** Wall time before the run is killed and counted as a hang. */
  budgetMs: number;
  /** --timeout given to jaynes (seconds), below the budget: a slow input must fail on its own. */
  timeoutSeconds: number;
  /** Peak resident memory allowed. */
  maxRssBytes: number;
  concurrency: number;
}

export type Verdict = "ok" | "crash" | "hang" | "memory" | "silent-accept" | "valid-refused";

export interface FuzzOutcome {
  testCase: FuzzCase;
  verdict: Verdict;
  why: string;
  exitCode: number | null;
  ms: number;
  maxRssBytes: number | undefined;
  stderr: string;
}

/** Write a case's files into a fresh folder; returns the folder of the case (its parent holds `../` files). */
function materialise(root: string, index: number, testCase: FuzzCase): string {
  const folder = join(root, String(index), "case");
  mkdirSync(folder, { recursive: true });
  for (const [relative, file] of Object.entries(testCase.files)) {
    const path = join(folder, relative);
    mkdirSync(dirname(path), { recursive: true });
    if (file instanceof Uint8Array) writeFileSync(path, file);
    else if ("symlink" in file) symlinkSync(file.symlink, path);
    else if (spawnSync("mkfifo", [path]).status !== 0) throw new Error(`mkfifo ${path} failed`);
  }
  return folder;
}

function judge(testCase: FuzzCase, folder: string, run: { code: number | null; signal: string | null; ms: number; stdout: string; stderr: string; rss: number | undefined; killed: boolean }, limits: FuzzLimits): { verdict: Verdict; why: string } {
  if (run.killed) return { verdict: "hang", why: `killed after ${limits.budgetMs} ms` };
  if (run.rss !== undefined && run.rss > limits.maxRssBytes) return { verdict: "memory", why: `peak RSS ${(run.rss / 2 ** 20).toFixed(0)} MiB` };
  // activations: a model whose inputs the options cannot feed (a mutated input type) is told what to
  // give, a usage error (exit 1, one line, nothing on stdout).
  const usage = testCase.command === "activations" && run.code === 1 && run.stdout === "" && /^jaynes: error: [^\n]*\n?$/.test(run.stderr);
  if (usage) return testCase.expect === "pass" ? { verdict: "valid-refused", why: run.stderr.trim() } : { verdict: "ok", why: "" };
  if (run.code !== 0 && run.code !== 2) return { verdict: "crash", why: `exit code ${run.code ?? run.signal}` };
  const lines = run.stderr.split("\n").filter((line) => line.trim() !== "");
  for (const line of lines) {
    if (/^\s+at\s/.test(line) || line.includes("node:internal") || /^\w*Error:/.test(line)) return { verdict: "crash", why: `stack trace: ${line}` };
    if (!line.startsWith("jaynes: ")) return { verdict: "crash", why: `stray stderr line: ${line.slice(0, 160)}` };
    if (line.startsWith("jaynes: error: ") && !line.includes(folder)) return { verdict: "crash", why: `error does not name the file: ${line.slice(0, 160)}` };
    if (line.includes("internal error")) return { verdict: "crash", why: line.slice(0, 160) };
  }
  if (run.code === 2 && lines.length === 0) return { verdict: "crash", why: "exit code 2 without a message" };
  const errors = lines.filter((line) => line.startsWith("jaynes: error: "));
  // init reads one model: an input error is one line and no document; fit and activations print
  // the JSON document listing every failure.
  let report: { failures: { code: string }[] };
  if (testCase.command === "init" && run.code === 2 && run.stdout === "") {
    if (errors.length !== 1) return { verdict: "crash", why: `${errors.length} error lines for one failed model` };
    report = { failures: [{ code: testCase.code ?? "" }] };
  } else {
    try {
      report = JSON.parse(run.stdout) as typeof report;
    } catch {
      return { verdict: "crash", why: `stdout is not the JSON document: ${run.stdout.slice(0, 120)}` };
    }
    report.failures ??= [];
  }
  if (errors.length !== report.failures.length) return { verdict: "crash", why: `${errors.length} error lines for ${report.failures.length} failures` };
  if (testCase.expect === "fail" && run.code === 0) return { verdict: "silent-accept", why: "exit code 0" };
  if (testCase.expect === "pass" && run.code !== 0) return { verdict: "valid-refused", why: lines[0] ?? `exit code ${run.code}` };
  if (testCase.expect === "fail" && testCase.code !== undefined && !report.failures.some((failure) => failure.code === testCase.code)) {
    return { verdict: "crash", why: `expected a "${testCase.code}" failure, got ${JSON.stringify(report.failures.map((f) => f.code))}: ${lines[0] ?? ""}` };
  }
  return { verdict: "ok", why: "" };
}

function runOne(root: string, index: number, testCase: FuzzCase, limits: FuzzLimits): Promise<FuzzOutcome> {
  const folder = materialise(root, index, testCase);
  const seconds = testCase.seconds ?? limits.timeoutSeconds;
  const budgetMs = limits.budgetMs + (seconds - limits.timeoutSeconds) * 1000;
  const entry = join(folder, testCase.entry);
  const command =
    testCase.command === "activations"
      ? ["activations", entry, ...(testCase.args ?? ["--random", "gaussian", "--limit", "4"]).map((arg) => (arg in testCase.files ? join(folder, arg) : arg)), "--format", "json", "--timeout", String(seconds)]
      : testCase.command === "init"
        ? ["init", "--like", entry, "--dry-run", "--format", "json"]
        : ["fit", entry, "--format", "json", "--timeout", String(seconds)];
  const args = [MEASURE, ...command];
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { env: { ...process.env, NO_COLOR: "1", JAYNES_DEBUG: "" }, stdio: ["ignore", "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let measured = "";
    let killed = false;
    child.stdout!.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding("utf8").on("data", (text: string) => (measured += text));
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, budgetMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      let rss: number | undefined;
      try {
        rss = (JSON.parse(measured) as { maxRssKiB: number }).maxRssKiB * 1024;
      } catch {
        rss = undefined;
      }
      const { verdict, why } = judge(testCase, folder, { code, signal, ms, stdout, stderr, rss, killed }, { ...limits, budgetMs });
      rmSync(dirname(folder), { recursive: true, force: true });
      resolve({ testCase, verdict, why, exitCode: code, ms, maxRssBytes: rss, stderr });
    });
  });
}

/** Run the cases, `limits.concurrency` at a time, in a temporary folder removed afterwards. */
export async function runFuzzCases(cases: readonly FuzzCase[], limits: FuzzLimits, onOutcome?: (outcome: FuzzOutcome, done: number) => void): Promise<FuzzOutcome[]> {
  const root = mkdtempSync(join(tmpdir(), "jaynes-fuzz-"));
  const outcomes: FuzzOutcome[] = new Array(cases.length);
  let next = 0;
  let done = 0;
  try {
    const lane = async (): Promise<void> => {
      while (next < cases.length) {
        const index = next++;
        outcomes[index] = await runOne(root, index, cases[index]!, limits);
        onOutcome?.(outcomes[index]!, ++done);
      }
    };
    await Promise.all(Array.from({ length: limits.concurrency }, lane));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return outcomes;
}

export interface FormatRow {
  format: string;
  tried: number;
  crashes: number;
  hangs: number;
  memory: number;
  silentAccepts: number;
  validRefused: number;
  slowestMs: number;
  peakRssMiB: number;
}

/** The per-format table: files tried, crashes, hangs, memory over budget, silent accepts. */
export function summarise(outcomes: readonly FuzzOutcome[]): FormatRow[] {
  const rows = new Map<string, FormatRow>();
  for (const outcome of outcomes) {
    const format = outcome.testCase.format;
    let row = rows.get(format);
    if (!row) rows.set(format, (row = { format, tried: 0, crashes: 0, hangs: 0, memory: 0, silentAccepts: 0, validRefused: 0, slowestMs: 0, peakRssMiB: 0 }));
    row.tried++;
    if (outcome.verdict === "crash") row.crashes++;
    if (outcome.verdict === "hang") row.hangs++;
    if (outcome.verdict === "memory") row.memory++;
    if (outcome.verdict === "silent-accept") row.silentAccepts++;
    if (outcome.verdict === "valid-refused") row.validRefused++;
    row.slowestMs = Math.max(row.slowestMs, outcome.ms);
    row.peakRssMiB = Math.max(row.peakRssMiB, Math.round((outcome.maxRssBytes ?? 0) / 2 ** 20));
  }
  return [...rows.values()];
}

export function renderTable(rows: readonly FormatRow[]): string {
  const header = "| format | files tried | crashes | hangs | memory over budget | silent accepts | valid refused | slowest (s) | peak RSS (MiB) |";
  const rule = "|---|--:|--:|--:|--:|--:|--:|--:|--:|";
  const total = rows.reduce(
    (sum, row) => ({ ...sum, tried: sum.tried + row.tried, crashes: sum.crashes + row.crashes, hangs: sum.hangs + row.hangs, memory: sum.memory + row.memory, silentAccepts: sum.silentAccepts + row.silentAccepts, validRefused: sum.validRefused + row.validRefused, slowestMs: Math.max(sum.slowestMs, row.slowestMs), peakRssMiB: Math.max(sum.peakRssMiB, row.peakRssMiB) }),
    { format: "**all**", tried: 0, crashes: 0, hangs: 0, memory: 0, silentAccepts: 0, validRefused: 0, slowestMs: 0, peakRssMiB: 0 },
  );
  const line = (row: FormatRow): string => `| ${row.format} | ${row.tried} | ${row.crashes} | ${row.hangs} | ${row.memory} | ${row.silentAccepts} | ${row.validRefused} | ${(row.slowestMs / 1000).toFixed(1)} | ${row.peakRssMiB} |`;
  return [header, rule, ...rows.map(line), line(total)].join("\n");
}
