/**
 * What `jaynes scan` and `jaynes merge` share on the command line: the output folder (`--out-dir`,
 * `--out` kept as an alias), the CI gate options, and presenting a published scan
 * (run/scan/publish.ts): the summary on stdout (or `-o FILE`), the failures and gate violations on
 * stderr, and the exit code (70 if analysing a model hit a bug, else 2 if any input failed, else 3
 * if a gate failed, else 0; failed inputs outrank gates because an incomplete scan cannot pass).
 */
import { type Command, Option } from "commander";
import type { GateSettings, ValueRange } from "../analysis/scan/gates.js";
import { ExitCode, ThresholdError, UsageError } from "../errors.js";
import { count } from "../report/numbers.js";
import { render } from "../report/registry.js";
import { describeViolation } from "../report/scanSummary.js";
import { failureExitCode } from "../run/batch.js";
import type { PublishedScan } from "../run/scan/publish.js";
import { logFailure } from "./environment.js";
import { emit } from "./output.js";
import { numberOption, rangeOption } from "./options.js";
import { tableContext } from "./tableOptions.js";
import { type CommandLog, logLine } from "./terminal.js";

export const DEFAULT_SCAN_FOLDER = "jaynes-scan";

export interface GateOptionValues {
  failUnderR2?: number;
  maxFlaggedFraction?: number;
  sigmaRange?: ValueRange;
  muRange?: ValueRange;
}

export interface OutDirValues {
  outDir?: string;
  out?: string;
}

export const GATES_HELP = `
CI gates (exit code 3; each violation is listed): --fail-under-r2, --sigma-range and --mu-range
check every layer the model summary counts (fitted and unflagged; all fitted with
--include-flagged); --max-flagged-fraction checks, per model, flagged fitted layers / fitted layers.
A gate with nothing to check (no layer in any summary) fails. A failed input exits 2 instead (it
outranks the gates). With GITHUB_STEP_SUMMARY set, the Markdown summary is appended to it.`;

export function addOutDirOption(command: Command, what: string): Command {
  return command
    .option("--out-dir <dir>", `output folder: ${what} (default: ./${DEFAULT_SCAN_FOLDER})`)
    .addOption(new Option("--out <dir>", "the same as --out-dir (earlier name)").hideHelp());
}

/** The output folder: --out-dir, or its alias --out; both, disagreeing, is a usage error. */
export function outDirOf(options: OutDirValues): string {
  if (options.outDir !== undefined && options.out !== undefined && options.outDir !== options.out) throw new UsageError(`--out ${options.out} and --out-dir ${options.outDir} contradict each other (--out is the earlier name of --out-dir)`);
  return options.outDir ?? options.out ?? DEFAULT_SCAN_FOLDER;
}

export function addGateOptions(command: Command): Command {
  return command
    .option("--fail-under-r2 <x>", "fail (exit 3) if a layer in a model summary has R² < X", numberOption("--fail-under-r2"))
    .option("--max-flagged-fraction <f>", "fail if more than F of a model's fitted layers carry a quality flag", numberOption("--max-flagged-fraction", 0, 1))
    .option("--sigma-range <a:b>", "fail if a layer in a model summary has σ outside [a, b]", rangeOption("--sigma-range"))
    .option("--mu-range <a:b>", "fail if a layer in a model summary has μ outside [a, b]", rangeOption("--mu-range"));
}

export function gateSettings(options: GateOptionValues): GateSettings {
  return {
    ...(options.failUnderR2 !== undefined ? { fail_under_r2: options.failUnderR2 } : {}),
    ...(options.maxFlaggedFraction !== undefined ? { max_flagged_fraction: options.maxFlaggedFraction } : {}),
    ...(options.sigmaRange !== undefined ? { sigma_range: options.sigmaRange } : {}),
    ...(options.muRange !== undefined ? { mu_range: options.muRange } : {}),
  };
}

/** Lines of gate violations printed to stderr (summary.json and --format json hold all of them). */
const STDERR_VIOLATIONS = 20;

/** Print a published scan and return the exit code (or throw ThresholdError when a gate failed). */
export async function presentScan(published: PublishedScan, output: { format: string; file?: string }, log: CommandLog): Promise<number> {
  const { summary, violations } = published;
  await emit(render("scan", output.format, summary, tableContext({}, output.file)), output.file);
  if (output.file !== undefined) log.info(`wrote ${output.file}`);
  for (const failure of summary.failures) logFailure(failure, undefined);
  const failed = failureExitCode(summary.failures);
  // A diverged checkpoint (NaN/Inf weights) must not pass CI: exit 2 as for a failed input.
  const code = failed === ExitCode.ok && published.nonfinite.length > 0 ? ExitCode.input : failed;
  if (!violations || violations.length === 0) return code;
  // Violations are the details of the gate's verdict: shown even with --quiet.
  for (const violation of violations.slice(0, STDERR_VIOLATIONS)) logLine(`jaynes: gate ${describeViolation(violation)}`);
  if (violations.length > STDERR_VIOLATIONS) logLine(`jaynes: … and ${violations.length - STDERR_VIOLATIONS} more gate violations (summary.json lists them all)`);
  const models = new Set(violations.filter((violation) => !violation.nothing_checked).map((violation) => violation.model)).size;
  const message = `${count(violations.length, "CI gate violation")}${models > 0 ? ` in ${count(models, "model")}` : ""}`;
  if (code !== ExitCode.ok) {
    logLine(`jaynes: ${message} (exit code ${code}: failed inputs come first)`);
    return code;
  }
  throw new ThresholdError(message);
}
