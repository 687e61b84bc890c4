/** What the terminal allows: colour (TTY, NO_COLOR, FORCE_COLOR) and progress (stderr is a TTY). */
import { terminalSafe } from "../report/terminalText.js";

export function colorEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  // https://no-color.org: any non-empty NO_COLOR disables colour.
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

export function progressEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(process.stderr.isTTY) && env.TERM !== "dumb" && env.CI === undefined;
}

/**
 * Write to stderr as one line (logs and warnings never go to stdout, which carries the results),
 * with control characters escaped: messages quote names taken from files.
 */
export function logLine(text: string): void {
  process.stderr.write(`${terminalSafe(text)}\n`);
}

/** Where a command's stderr lines go, by kind: `info` (hidden by --quiet), `detail` (shown by --verbose), warnings and errors (always). */
export interface CommandLog {
  info(text: string): void;
  detail(text: string): void;
  warn(text: string): void;
  quiet: boolean;
  verbose: boolean;
}

export function commandLog(options: { quiet?: boolean; verbose?: boolean }): CommandLog {
  const quiet = options.quiet ?? false;
  const verbose = (options.verbose ?? false) && !quiet;
  return {
    info: (text) => {
      if (!quiet) logLine(`jaynes: ${text}`);
    },
    detail: (text) => {
      if (verbose) logLine(`jaynes: ${text}`);
    },
    warn: (text) => logLine(`jaynes: warning: ${text}`),
    quiet,
    verbose,
  };
}

/** `--verbose`: the files and folders left out of the models, one line each with the reason. */
export function logSkipped(entries: readonly { path: string; reason: string }[]): void {
  for (const entry of entries) logLine(`jaynes: skipped ${entry.path}: ${entry.reason}`);
}
