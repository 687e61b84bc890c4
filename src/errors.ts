/**
 * One error type for everything wrong with an input, in the spirit of safetensors' `SafeTensorError`:
 * every invalid case has a `code`, and the message is a single line that names the file, the tensor
 * (when there is one) and the byte offset (when it helps). The CLI prints `message` and exits with
 * `ExitCode.input`; it never prints a stack trace for these.
 */

/** Documented process exit codes (README "Exit codes"). */
export const ExitCode = {
  ok: 0,
  usage: 1,
  input: 2,
  threshold: 3,
  /** A bug: an error that is not an input's fault (also after a batch whose other inputs were analysed). */
  internal: 70,
  /** An output could not be written (-o, --html, --plot, scan/merge --out); sysexits' EX_CANTCREAT. */
  output: 73,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Every way an input can be invalid. Readers pick the closest; the message carries the detail. */
export type InputErrorCode =
  | "io" // the file cannot be opened or read
  | "truncated" // fewer bytes than the format promises
  | "header-too-large"
  | "header-too-small"
  | "header-length" // the declared header length points past the end of the file
  | "header-encoding" // not UTF-8, does not start with '{'
  | "header-json" // JSON syntax error or wrong JSON type
  | "duplicate-key"
  | "metadata" // __metadata__ is not a map of strings
  | "tensor-info" // dtype/shape/offsets malformed, or byte size ≠ product(shape) × dtype size
  | "unsupported-dtype"
  | "offsets" // data_offsets outside the data section, overlapping or leaving gaps
  | "overflow" // product(shape) or an offset does not fit in a safe integer
  | "unsafe-path" // an external reference escapes the model's folder
  | "unknown-format" // content matches no supported format
  | "legacy-format" // a recognised but retired format (PyTorch's pre-1.6 pickle stream)
  | "malformed" // any other structural violation of a format
  | "limit" // the input would exceed a resource bound (nesting, size ratio, …)
  | "unsafe" // refused for safety (e.g. a pickle that asks for a non-allowlisted global)
  | "model" // the files do not form one model (missing shard, mismatched names, …)
  | "network" // a remote source failed after retries
  | "timeout"; // the input was not analysed within its time budget (--timeout, the HDF5 watchdog)

/** Anything wrong with an input: a code, and a one-line message naming the file (and tensor, byte offset). */
export class InputError extends Error {
  override readonly name = "InputError";
  /** `file` (and `tensor`, `offset` when known) locate the problem; `detail` says what it is. */
  constructor(
    readonly code: InputErrorCode,
    readonly file: string,
    readonly detail: string,
    readonly tensor?: string,
    readonly offset?: number,
  ) {
    super(formatInputError(file, detail, tensor, offset));
  }
}

function formatInputError(file: string, detail: string, tensor?: string, offset?: number): string {
  const where = [file];
  if (tensor !== undefined) where.push(`tensor ${JSON.stringify(tensor)}`);
  if (offset !== undefined) where.push(`byte ${offset}`);
  return `${where.join(": ")}: ${oneLine(detail)}`;
}

/** Messages are one line whatever the input put into them (tensor names can hold newlines). */
export function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ").trim();
}

/** A mistake in how the tool was called (bad option value, no inputs). Exit code 1. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  /** Lines that help fix the call (printed after the message, each as `jaynes: hint: …`). */
  readonly hints: readonly string[];

  /** A usage error with its message and, optionally, hint lines. */
  constructor(message: string, hints: readonly string[] = []) {
    super(message);
    this.hints = hints;
  }
}

/**
 * An output file or folder could not be written (read-only or full disk, a path that is an input of
 * the run, a directory or socket where a file should go). Exit code 73, distinct from usage errors:
 * the command was right, the place to write was not.
 */
export class OutputError extends Error {
  override readonly name = "OutputError";
}

/** The analysis ran but a CI threshold failed. Exit code 3. */
export class ThresholdError extends Error {
  override readonly name = "ThresholdError";
}

/**
 * One input of a batch that could not be analysed, as every output records it (JSON `failures`,
 * summary.csv rows, scan parts): the input as the user named it, the one-line message (which names
 * it too), and the InputErrorCode — or `internal` for a bug, which makes the command exit 70.
 */
export interface Failure {
  model: string;
  error: string;
  code: string;
}

export const INTERNAL_FAILURE = "internal";
