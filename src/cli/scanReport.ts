/**
 * What `jaynes scan` and `jaynes merge` share: the CI gate options, and publishing a finished scan —
 * the summary files, the table (or `--json`) on stdout, the GitHub step summary, the gate verdict
 * and the exit code (70 if analysing a model hit a bug, else 2 if any input failed, else 3 if a gate
 * failed, else 0; failed inputs outrank gates because an incomplete scan cannot pass).
 */
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { type GateSettings, type ValueRange, evaluateGates, hasGates } from "../analysis/scan/gates.js";
import { SUMMARY_FILES, partFileName } from "../analysis/scan/outputs.js";
import type { Shard } from "../analysis/scan/shard.js";
import { type GateReport, type ScanPart, type ScanResults, type ScanSummary, buildScanSummary } from "../analysis/scan/summary.js";
import { ExitCode, ThresholdError } from "../errors.js";
import { describeIoError } from "../io/byteSource.js";
import { type Failure, renderJsonDocument } from "../report/json.js";
import { renderScanLatex } from "../report/latex.js";
import { count } from "../report/numbers.js";
import { describeViolation, renderScanCsv, renderScanMarkdown, renderScanTable } from "../report/scanSummary.js";
import { VERSION } from "../version.js";
import { emit } from "./output.js";
import { numberOption, rangeOption } from "./options.js";
import { colorEnabled, logLine } from "./terminal.js";
import { nonfiniteTensors, nonfiniteWarning } from "../analysis/nonfinite.js";

export interface GateOptionValues {
  failUnderR2?: number;
  maxFlaggedFraction?: number;
  sigmaRange?: ValueRange;
  muRange?: ValueRange;
  json: boolean;
}

export const GATES_HELP = `
CI gates (exit code 3; each violation is listed): --fail-under-r2, --sigma-range and --mu-range
check every layer the model summary counts (fitted and unflagged; all fitted with
--include-flagged); --max-flagged-fraction checks, per model, flagged fitted layers / fitted layers.
A failed input exits 2 instead (it outranks the gates). With GITHUB_STEP_SUMMARY set, the Markdown
summary is appended to it.`;

export function addGateOptions(command: Command): Command {
  return command
    .option("--fail-under-r2 <x>", "fail (exit 3) if a layer in a model summary has R² < X", numberOption("--fail-under-r2"))
    .option("--max-flagged-fraction <f>", "fail if more than F of a model's fitted layers carry a quality flag", numberOption("--max-flagged-fraction", 0, 1))
    .option("--sigma-range <a:b>", "fail if a layer in a model summary has σ outside [a, b]", rangeOption("--sigma-range"))
    .option("--mu-range <a:b>", "fail if a layer in a model summary has μ outside [a, b]", rangeOption("--mu-range"))
    .option("--json", "print the summary as JSON (the contents of summary.json) instead of the table", false);
}

export function gateSettings(options: GateOptionValues): GateSettings {
  return {
    ...(options.failUnderR2 !== undefined ? { fail_under_r2: options.failUnderR2 } : {}),
    ...(options.maxFlaggedFraction !== undefined ? { max_flagged_fraction: options.maxFlaggedFraction } : {}),
    ...(options.sigmaRange !== undefined ? { sigma_range: options.sigmaRange } : {}),
    ...(options.muRange !== undefined ? { mu_range: options.muRange } : {}),
  };
}

export interface FinishedScan extends ScanResults {
  outDir: string;
  /** Set for one shard of a scan: write its part file instead of the summaries. */
  shard?: Shard;
}

/**
 * Exit code for the finished scan: 70 if a model hit a bug, else 2 if an input failed or held NaN/Inf
 * weights (a diverged checkpoint must not pass CI), else 0.
 */
function failureExitCode(failures: readonly Failure[], nonfinite: boolean): number {
  if (failures.some((failure) => failure.code === "internal")) return 70;
  return failures.length > 0 || nonfinite ? ExitCode.input : ExitCode.ok;
}

/** Lines of gate violations printed to stderr (summary.json and --json hold all of them). */
const STDERR_VIOLATIONS = 20;

/** Write the outputs, print, and return the exit code (or throw ThresholdError when a gate failed). */
export async function publishScan(scan: FinishedScan, options: GateOptionValues): Promise<number> {
  const gates = gateSettings(options);
  const violations = hasGates(gates) ? evaluateGates(scan.results, gates) : undefined;
  const report: GateReport | undefined = violations ? { settings: gates, passed: violations.length === 0, violations } : undefined;
  const summary = buildScanSummary(VERSION, scan.scope, scan.settings, scan.results, scan.failures, report);

  if (scan.shard) await writePart(scan, summary);
  else await writeSummaries(scan.outDir, summary);
  await emit(options.json ? renderJsonDocument(summary) : renderScanTable(summary, { color: colorEnabled(process.stdout) }), undefined);
  await appendStepSummary(summary);

  for (const failure of summary.failures) logLine(`jaynes: error: ${failure.error}`);
  let nonfinite = false;
  for (const result of scan.results) {
    for (const entry of nonfiniteTensors(result)) {
      nonfinite = true;
      logLine(nonfiniteWarning(result.model, entry));
    }
  }
  const code = failureExitCode(summary.failures, nonfinite);
  if (!violations || violations.length === 0) return code;
  for (const violation of violations.slice(0, STDERR_VIOLATIONS)) logLine(`jaynes: gate ${describeViolation(violation)}`);
  if (violations.length > STDERR_VIOLATIONS) logLine(`jaynes: … and ${violations.length - STDERR_VIOLATIONS} more violations (summary.json lists them all)`);
  const models = new Set(violations.map((violation) => violation.model)).size;
  const message = `${count(violations.length, "CI gate violation")} in ${count(models, "model")}`;
  if (code !== ExitCode.ok) {
    logLine(`jaynes: ${message} (exit code ${code}: failed inputs come first)`);
    return code;
  }
  throw new ThresholdError(message);
}

async function writeSummaries(outDir: string, summary: ScanSummary): Promise<void> {
  await emit(renderJsonDocument(summary), join(outDir, SUMMARY_FILES.json));
  await emit(renderScanCsv(summary), join(outDir, SUMMARY_FILES.csv));
  await emit(renderScanMarkdown(summary), join(outDir, SUMMARY_FILES.md));
  await emit(renderScanLatex(summary), join(outDir, SUMMARY_FILES.tex));
}

async function writePart(scan: FinishedScan, summary: ScanSummary): Promise<void> {
  const part: ScanPart = { tool: "jaynes", version: VERSION, kind: "scan-part", shard: scan.shard!, scan: summary.scan, settings: summary.settings, models: scan.results, failures: summary.failures };
  await emit(renderJsonDocument(part), join(scan.outDir, partFileName(scan.shard!.index, scan.shard!.count)));
}

/** GitHub Actions shows the Markdown appended to $GITHUB_STEP_SUMMARY on the run's page. */
async function appendStepSummary(summary: ScanSummary): Promise<void> {
  const target = process.env.GITHUB_STEP_SUMMARY;
  if (!target) return;
  try {
    await appendFile(target, `${renderScanMarkdown(summary)}\n`);
  } catch (error) {
    logLine(`jaynes: warning: cannot append to GITHUB_STEP_SUMMARY ${target}: ${describeIoError(error)}`);
  }
}
