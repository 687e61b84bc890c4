/**
 * The time budget of one input (`--timeout`), and how the code below learns that it ran out. The
 * signal travels with the asynchronous context (AsyncLocalStorage), not through every signature:
 * whatever runs on behalf of an input — the reader, the tasks it queues, a call into the HDF5
 * worker — sees the same signal and stops at its next check. A deadline turns a pathological file
 * into a one-line `timeout` failure of that input; the other inputs are still analysed.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { InputError } from "../errors.js";

const storage = new AsyncLocalStorage<AbortSignal>();

/** The signal of the input being analysed in this asynchronous context, if it has a deadline. */
export function inputSignal(): AbortSignal | undefined {
  return storage.getStore();
}

/** Throw the input's abort reason (a `timeout` InputError) when its budget has run out. */
export function throwIfInputAborted(): void {
  storage.getStore()?.throwIfAborted();
}

/**
 * Run `work` for `input` within `seconds` (undefined or 0: no limit). When the time is up the
 * returned promise rejects at once with a `timeout` InputError, and the signal tells the work to
 * stop; work that does not check it finishes in the background and its result is dropped.
 */
export async function withInputDeadline<T>(input: string, seconds: number | undefined, work: () => Promise<T>): Promise<T> {
  if (!seconds || !Number.isFinite(seconds)) return work();
  const controller = new AbortController();
  const running = storage.run(controller.signal, work);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = new InputError("timeout", input, `not finished within ${seconds} s (--timeout): stopped`);
      controller.abort(reason);
      reject(reason);
    }, seconds * 1000);
  });
  // The loser of the race must not become an unhandled rejection.
  running.catch(() => undefined);
  expired.catch(() => undefined);
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One signal for a task: the caller's `signal` (the library's AbortSignal) and the input's deadline
 * (`--timeout`) of this asynchronous context, whichever aborts first; undefined when neither exists.
 */
export function taskSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
  const input = storage.getStore();
  if (!input) return signal;
  if (!signal || signal === input) return input;
  return AbortSignal.any([signal, input]);
}
