/**
 * A fixed pool of worker threads running accumulation tasks (parallel/worker.ts). Tasks queue in
 * submission order; each worker runs one task at a time, so memory is bounded by the worker count
 * (two read buffers and the accumulator tables each). Results come back by transfer, not copy.
 * Input errors thrown in a worker are rebuilt as InputError, so callers see the same one-line error
 * as inline.
 */
import { Worker } from "node:worker_threads";
import { InputError, type InputErrorCode } from "../errors.js";
import { taskSignal } from "../io/inputSignal.js";
import type { Executor } from "./executor.js";
import { type AccumulateResult, type AccumulateTask, taskTransferables } from "./tasks.js";

/** The compiled worker; the same file whether this module runs from src/ (tests) or dist/. */
const WORKER_URL = new URL("../../dist/parallel/worker.js", import.meta.url);

export type WorkerMessage =
  | { id: number; type: "bytes"; bytes: number }
  | { id: number; type: "done"; result: AccumulateResult }
  | { id: number; type: "error"; error: SerializedError };

export interface SerializedError {
  input: boolean;
  message: string;
  code?: InputErrorCode;
  file?: string;
  detail?: string;
  tensor?: string;
  offset?: number;
}

interface Pending {
  id: number;
  task: AccumulateTask;
  onBytes: ((bytes: number) => void) | undefined;
  resolve: (result: AccumulateResult) => void;
  reject: (error: Error) => void;
  /** The caller's signal and the deadline of the input the task belongs to (--timeout): an aborted task is dropped. */
  signal: AbortSignal | undefined;
}

/** Runs accumulation tasks on up to `parallelism` worker threads, started on demand. */
export class WorkerPool implements Executor {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private started = 0;
  private nextId = 1;
  private closed = false;

  /** A pool of at most `parallelism` threads. */
  constructor(readonly parallelism: number) {}

  run(task: AccumulateTask, onBytes?: (bytes: number) => void, signal?: AbortSignal): Promise<AccumulateResult> {
    if (this.closed) return Promise.reject(new Error("worker pool is closed"));
    const combined = taskSignal(signal);
    if (combined?.aborted) return Promise.reject(combined.reason as Error);
    return new Promise((resolve, reject) => {
      const job: Pending = { id: this.nextId++, task, onBytes, resolve, reject, signal: combined };
      if (combined) {
        const abort = (): void => this.cancel(job);
        combined.addEventListener("abort", abort, { once: true });
        const settle = (): void => combined.removeEventListener("abort", abort);
        job.resolve = (result) => {
          settle();
          resolve(result);
        };
        job.reject = (error) => {
          settle();
          reject(error);
        };
      }
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Drop an aborted job (the caller's signal or the input's deadline): unqueue it, or stop the worker running it (a worker cannot be interrupted). */
  private cancel(job: Pending): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    else {
      const worker = [...this.busy].find(([, running]) => running === job)?.[0];
      if (!worker) return;
      this.busy.delete(worker);
      this.started--;
      void worker.terminate();
    }
    job.reject(job.signal?.reason as Error);
    this.dispatch();
  }

  /** Terminate the threads. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let worker = this.idle.pop();
      if (!worker && this.started < this.parallelism) worker = this.spawn();
      if (!worker) return;
      const job = this.queue.shift()!;
      this.busy.set(worker, job);
      worker.postMessage({ id: job.id, task: job.task }, taskTransferables(job.task));
    }
  }

  private spawn(): Worker {
    this.started++;
    const worker = new Worker(WORKER_URL);
    worker.on("message", (message: WorkerMessage) => {
      const job = this.busy.get(worker);
      if (!job || job.id !== message.id) return;
      if (message.type === "bytes") {
        job.onBytes?.(message.bytes);
        return;
      }
      this.busy.delete(worker);
      this.idle.push(worker);
      if (message.type === "done") job.resolve(message.result);
      else job.reject(deserializeError(message.error));
      this.dispatch();
    });
    worker.on("error", (error) => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      this.started--;
      job?.reject(error);
      this.dispatch();
    });
    worker.on("exit", () => {
      const job = this.busy.get(worker);
      if (job) {
        this.busy.delete(worker);
        this.started--;
        job.reject(new Error("worker thread exited unexpectedly"));
        this.dispatch();
      }
    });
    return worker;
  }
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof InputError) {
    return { input: true, message: error.message, code: error.code, file: error.file, detail: error.detail, ...(error.tensor !== undefined ? { tensor: error.tensor } : {}), ...(error.offset !== undefined ? { offset: error.offset } : {}) };
  }
  return { input: false, message: error instanceof Error ? error.message : String(error) };
}

function deserializeError(error: SerializedError): Error {
  if (error.input) return new InputError(error.code!, error.file!, error.detail!, error.tensor, error.offset);
  return new Error(error.message);
}
