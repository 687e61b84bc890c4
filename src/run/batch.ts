/**
 * The one loop every command runs over its inputs, with one failure policy:
 *
 * - an input error (InputError: unreadable, malformed, refused) becomes a failure entry naming the
 *   input, and the other inputs are still analysed (exit code 2 at the end);
 * - any other error in one input is a bug: a failure entry with code `internal`, the other inputs
 *   are still analysed, and the command exits 70 at the end;
 * - a usage error, an output error (an output folder that cannot be written: every later input would
 *   fail the same way), a threshold error or an interruption (an AbortError) stops the whole run.
 *
 * Results keep the order of the inputs whatever the concurrency.
 */
import { ExitCode, type Failure, INTERNAL_FAILURE, InputError, OutputError, ThresholdError, UsageError } from "../errors.js";
import { mapLimited } from "../analysis/model.js";
import type { RunEnvironment } from "./environment.js";

export interface BatchOptions<I> {
  /** The input as its failure entry names it. */
  name(input: I): string;
  /** Inputs analysed at once (default 1). */
  concurrency?: number;
}

export interface BatchOutcome<R> {
  /** One per input that succeeded, in input order. */
  results: R[];
  /** In the order they happened. */
  failures: Failure[];
}

/** Errors that end the whole run instead of one input. */
function stopsTheRun(error: unknown): boolean {
  return error instanceof UsageError || error instanceof OutputError || error instanceof ThresholdError || (error instanceof Error && error.name === "AbortError");
}

/** The failure entry for an error met while analysing `name`; rethrows errors that stop the run. */
export function failureOf(name: string, error: unknown): Failure {
  if (error instanceof InputError) return { model: name, error: error.message, code: error.code };
  if (stopsTheRun(error)) throw error;
  const message = error instanceof Error ? error.message.split("\n")[0]! : String(error).split("\n")[0]!;
  return { model: name, error: `${name}: internal error: ${message}`, code: INTERNAL_FAILURE };
}

/** Run `work` over every input under the failure policy; failures are reported to `env.failed` as they happen. */
export async function forEachInput<I, R>(inputs: readonly I[], work: (input: I, index: number) => Promise<R>, options: BatchOptions<I>, env: Pick<RunEnvironment, "failed">): Promise<BatchOutcome<R>> {
  const done: ({ value: R } | undefined)[] = new Array(inputs.length);
  const failures: Failure[] = [];
  await mapLimited(inputs, Math.max(1, options.concurrency ?? 1), async (input, index) => {
    try {
      done[index] = { value: await work(input, index) };
    } catch (error) {
      const failure = failureOf(options.name(input), error);
      failures.push(failure);
      env.failed(failure, error);
    }
  });
  return { results: done.filter((entry): entry is { value: R } => entry !== undefined).map((entry) => entry.value), failures };
}

/** Exit code for failures: 70 if one was a bug, else 2 if any input failed, else 0. */
export function failureExitCode(failures: readonly Failure[]): number {
  if (failures.some((failure) => failure.code === INTERNAL_FAILURE)) return ExitCode.internal;
  return failures.length > 0 ? ExitCode.input : ExitCode.ok;
}
