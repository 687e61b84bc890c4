/**
 * The one option vocabulary every command speaks (README "Options of every command"): the same
 * name means the same thing in `fit`, `compare`, `dynamics`, `scan`, `merge` and any new command.
 *
 * - `-f, --format FORMAT` — what stdout carries (`table`, `csv`, `json`, `jsonl`: whatever the
 *   command's document has a renderer for in report/registry.ts; case-insensitive), `--json` the
 *   same as `--format json`;
 * - `-o, --output FILE` — write that to FILE (atomically) instead of stdout: always a file;
 * - `--out-dir DIR` — a folder of outputs (scan, merge);
 * - `--plot DIR` — figures into a folder, `--html FILE` — one self-contained page;
 * - `-v, --verbose` — more on stderr, `-q, --quiet` — only warnings and errors on stderr;
 * - `-j, --jobs N`, `--no-progress`, `--timeout SECONDS` (per input), `--runtime-memory SIZE`
 *   (the onnxruntime child), the analysis options (analysisOptions.ts), the Hub options
 *   (hubOptions.ts).
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { UsageError } from "../errors.js";
import { defaultJobs } from "../parallel/executor.js";
import { type DocumentKind, formatsOf } from "../report/registry.js";
import { byteSizeOption, integerOption, timeoutOption } from "./options.js";

export interface FormatOptionValues {
  format: string;
  json: boolean;
  output?: string;
}

export interface VerbosityValues {
  verbose: boolean;
  quiet: boolean;
}

/**
 * `--format`, its `--json` alias, and `-o/--output FILE` (unless `output: false`, for a command whose
 * -o names another file: init's checkpoint). `also`: formats of a variant of the command (activations
 * --compare), accepted here and checked by the command.
 */
export function addFormatOptions(command: Command, kind: DocumentKind, what = "the output", options: { output?: boolean; also?: readonly string[] } = {}): Command {
  const formats = [...new Set([...formatsOf(kind), ...(options.also ?? [])])];
  const format = new Option("-f, --format <format>", `output format of ${what} (case-insensitive)`).default(formats[0]).argParser((value: string) => {
    const lower = value.toLowerCase();
    if (formats.includes(lower)) return lower;
    throw new InvalidArgumentError(`--format must be one of: ${formats.join(", ")}.`);
  });
  // Shown in --help and read by `jaynes completion`; parsing is the case-insensitive parser above.
  format.argChoices = formats;
  command.addOption(format).option("--json", "the same as --format json", false);
  return options.output === false ? command : command.option("-o, --output <file>", `write ${what} to FILE (atomically) instead of stdout`);
}

/** The format asked for: `--json` is `--format json`; both, disagreeing, is a usage error. */
export function chosenFormat(options: FormatOptionValues, command: Command): string {
  if (!options.json) return options.format;
  if (command.getOptionValueSource("format") === "cli" && options.format !== "json") throw new UsageError(`--json and --format ${options.format} contradict each other`);
  return "json";
}

export function addVerbosityOptions(command: Command, verbose: string): Command {
  return command.option("-v, --verbose", verbose, false).option("-q, --quiet", "print only warnings and errors on stderr (no progress, no log lines)", false);
}

export function addJobsOption(command: Command, what: string): Command {
  return command.option("-j, --jobs <n>", `worker threads ${what} (one per core by default)`, integerOption("--jobs", 1, 256), defaultJobs());
}

export function addProgressOption(command: Command): Command {
  return command.option("--no-progress", "never draw a progress bar (it is drawn only when stderr is a terminal)");
}

/**
 * `--timeout SECONDS`: give up on one input (io/inputSignal.ts) — it becomes a failed input with
 * code `timeout`, the others are still analysed. 0 means no limit; `fallback` is the default.
 */
export function addTimeoutOption(command: Command, help: string, fallback?: number): Command {
  const option = new Option("--timeout <seconds>", help).argParser(timeoutOption);
  if (fallback !== undefined) option.default(fallback);
  return command.addOption(option);
}

/** `--runtime-memory SIZE`: resident memory the onnxruntime child may use (runtime/onnxChild.ts). */
export function addRuntimeMemoryOption(command: Command): Command {
  return command.addOption(
    new Option("--runtime-memory <size>", "resident memory the runtime's process may use before it is stopped (code limit): 4GB, 500MB, …; default 2 GiB, or 2 × the model's bytes + 1 GiB").argParser(byteSizeOption("--runtime-memory")),
  );
}
