/**
 * The run environment of a command (run/environment.ts) built from its options and the process:
 * worker threads, the Hub settings (token file, endpoint, cache; retries logged on stderr), warnings
 * and failures as `jaynes: warning:` / `jaynes: error:` lines on stderr, a progress bar when stderr
 * is a terminal, and the environment variables.
 */
import { INTERNAL_FAILURE, type Failure } from "../errors.js";
import { defaultJobs } from "../parallel/executor.js";
import type { Progress, RunEnvironment } from "../run/environment.js";
import { type HubCliOptions, hubSettingsFrom } from "./hubOptions.js";
import { PROGRESS_MIN_BYTES, ProgressBar } from "./progress.js";
import { logLine, logSkipped, progressEnabled } from "./terminal.js";

export interface EnvironmentOptions extends HubCliOptions {
  jobs?: number;
  /** `--no-progress` sets it false. */
  progress?: boolean;
  /** `-v`: also list the files left out of folders (training companions, …) with the reason. */
  verbose?: boolean;
}

/** A byte progress bar on stderr for inputs worth watching: large ones, and anything downloaded. */
function progressBar(): Progress {
  const bar = new ProgressBar();
  return {
    start: (label, bytes, remote) => {
      if (bytes >= PROGRESS_MIN_BYTES || (remote && bytes > 0)) bar.start(label, bytes);
    },
    advance: (bytes) => bar.advance(bytes),
    clear: () => bar.clear(),
  };
}

/** Print a failure as it happens; a bug also says how to get its stack. */
export function logFailure(failure: Failure, error: unknown): void {
  logLine(`jaynes: error: ${failure.error}`);
  if (failure.code !== INTERNAL_FAILURE) return;
  if (process.env.JAYNES_DEBUG && error instanceof Error) logLine(`${error.stack}`);
  else logLine("(this is a bug; rerun with JAYNES_DEBUG=1 for details and report it)");
}

export function cliEnvironment(options: EnvironmentOptions, report: { failuresAsTheyHappen: boolean } = { failuresAsTheyHappen: true }): RunEnvironment {
  const showProgress = (options.progress ?? true) && progressEnabled();
  return {
    jobs: options.jobs ?? defaultJobs(),
    hub: hubSettingsFrom(options),
    warn: (message) => logLine(`jaynes: warning: ${message}`),
    failed: report.failuresAsTheyHappen ? logFailure : () => undefined,
    ...(showProgress ? { progress: progressBar() } : {}),
    ...(options.verbose ? { skipped: (entry: { path: string; reason: string }) => logSkipped([entry]) } : {}),
    variables: process.env,
  };
}
