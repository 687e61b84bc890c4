/**
 * The main thread's side of the HDF5 worker (hdf5Worker.ts): calls are queued and sent one at a
 * time, each under a watchdog. A call that does not answer within `HDF5_WATCHDOG_MS`, or whose
 * input ran out of time (`--timeout`, io/inputSignal.ts), terminates the worker; an abort or trap of
 * the WebAssembly module, or the worker dying, retires it too. The failed call becomes a one-line
 * InputError naming the input; queued calls of other inputs go to a fresh worker (every request
 * names its file, which the new worker opens again), so one bad file never costs another's output.
 * SIGINT/SIGTERM reach the main thread, which is never inside HDF5, and end the process and the
 * worker with it.
 */
import { Worker } from "node:worker_threads";
import { InputError } from "../../errors.js";
import { inputSignal } from "../../io/inputSignal.js";
import type { Hdf5Failure, Hdf5Request, Hdf5Response, Hdf5WorkerData } from "./hdf5Worker.js";

/** The compiled worker; the same file whether this module runs from src/ (tests) or dist/. */
const WORKER_URL = new URL("../../../dist/formats/hdf5/hdf5Worker.js", import.meta.url);

/**
 * Longest time one call may take: listing a file's datasets, or reading one hyperslab of at most
 * MAX_READ_BYTES. Real files answer in well under a second; a damaged one can loop forever.
 */
export const HDF5_WATCHDOG_MS = 60_000;
/** WebAssembly memory the library may grow to (it starts at ~18 MB; reads are ≤ 16 MiB boxes). */
export const HDF5_MEMORY_CAP_BYTES = 128 * 1024 * 1024;

type Payload = Hdf5Request extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

interface Call {
  id: number;
  payload: Payload;
  /** The input the call is made for: errors name it. */
  owner: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort?: () => void;
}

let worker: Worker | undefined;
const queue: Call[] = [];
let running: Call | undefined;
let watchdog: NodeJS.Timeout | undefined;
let nextId = 1;

function spawn(): Worker {
  const data: Hdf5WorkerData = { memoryCapBytes: HDF5_MEMORY_CAP_BYTES };
  // The worker keeps the library's diagnostics (an abort prints three lines) for its error messages.
  const created = new Worker(WORKER_URL, { workerData: data });
  created.on("message", (response: Hdf5Response) => {
    if (created !== worker || !running || response.id !== running.id) return;
    const call = finish();
    if (response.ok) call.resolve(response.value);
    else {
      // After an error in a damaged file the library's state is not to be trusted (leaked handles,
      // a half-built metadata cache): the next call, for whatever input, gets a fresh worker.
      retire();
      call.reject(failureError(call.owner, response.failure));
    }
    pump();
  });
  const died = (error?: Error): void => {
    if (created !== worker) return;
    worker = undefined;
    const call = running ? finish() : undefined;
    const said = error?.message.split("\n")[0]?.slice(0, 200);
    call?.reject(new InputError("malformed", call.owner, `the HDF5 library stopped while reading it${said ? ` (${said})` : ""}: damaged file?`));
    pump();
  };
  created.on("error", died);
  created.on("exit", () => died());
  return created;
}

function failureError(owner: string, failure: Hdf5Failure): InputError {
  switch (failure.kind) {
    case "unsafe":
      return new InputError("unsafe-path", owner, failure.detail, failure.dataset);
    case "hdf5":
      return new InputError("malformed", owner, failure.detail, failure.dataset);
    case "abort":
      return new InputError("malformed", owner, `the HDF5 library aborted reading it (${failure.detail}): damaged file?`);
  }
}

/** Stop the worker (it is looping, or its module is unusable); the next call starts a new one. */
function retire(): void {
  const old = worker;
  worker = undefined;
  void old?.terminate();
}

function finish(): Call {
  const call = running!;
  running = undefined;
  clearTimeout(watchdog);
  if (call.onAbort) call.signal?.removeEventListener("abort", call.onAbort);
  return call;
}

function pump(): void {
  if (running || queue.length === 0) {
    if (!running) worker?.unref();
    return;
  }
  const call = queue.shift()!;
  worker ??= spawn();
  worker.ref();
  running = call;
  watchdog = setTimeout(() => {
    if (running !== call) return;
    finish();
    retire();
    call.reject(new InputError("timeout", call.owner, `the HDF5 library did not answer within ${HDF5_WATCHDOG_MS / 1000} s (a damaged file can make it loop): stopped`));
    pump();
  }, HDF5_WATCHDOG_MS);
  worker.postMessage({ ...call.payload, id: call.id });
}

/** Run one request in the HDF5 worker for the input `owner`. */
export function hdf5Call<T>(owner: string, payload: Payload): Promise<T> {
  const signal = inputSignal();
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const call: Call = { id: nextId++, payload, owner, resolve: resolve as (value: unknown) => void, reject, signal };
    if (signal) {
      call.onAbort = () => {
        if (running === call) {
          finish();
          retire();
        } else {
          const at = queue.indexOf(call);
          if (at < 0) return;
          queue.splice(at, 1);
        }
        reject(signal.reason as Error);
        pump();
      };
      signal.addEventListener("abort", call.onAbort, { once: true });
    }
    queue.push(call);
    pump();
  });
}

const users = new Map<string, number>();

/** Note one more user of a file: it stays open in the worker until the last user releases it. */
export function hdf5Acquire(path: string): void {
  users.set(path, (users.get(path) ?? 0) + 1);
}

/** Release a file; the last release closes it in the worker (a replaced worker closed it already). */
export function hdf5Release(path: string): void {
  const count = (users.get(path) ?? 1) - 1;
  if (count > 0) {
    users.set(path, count);
    return;
  }
  users.delete(path);
  if (!worker) return;
  queue.push({ id: nextId++, payload: { op: "release", path }, owner: path, resolve: () => undefined, reject: () => undefined, signal: undefined });
  pump();
}

/** Stop the worker now (tests; a process that is done with HDF5 files). */
export async function stopHdf5Worker(): Promise<void> {
  const old = worker;
  worker = undefined;
  await old?.terminate();
}
