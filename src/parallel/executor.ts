/**
 * Where accumulation tasks run. `InlineExecutor` runs them on the calling thread (small models, and
 * `--jobs 1`); `WorkerPool` (pool.ts) spreads them over worker threads. Both report bytes read.
 */
import { availableParallelism } from "node:os";
import { SourcePool } from "../io/byteSource.js";
import { throwIfInputAborted } from "../io/inputSignal.js";
import { type AccumulateResult, type AccumulateTask, runAccumulateTask } from "./tasks.js";

/** Where accumulation tasks run: this thread (InlineExecutor) or worker threads (WorkerPool). */
export interface Executor {
  /** How many tasks can usefully run at once. */
  readonly parallelism: number;
  /**
   * Run `task`, reporting bytes as they are read. Once `signal` is aborted the task stops at its next
   * chunk (a queued task never starts) and the promise rejects with the signal's reason.
   */
  run(task: AccumulateTask, onBytes?: (bytes: number) => void, signal?: AbortSignal): Promise<AccumulateResult>;
  /** Release threads and sources; no task may run after it. */
  close(): Promise<void>;
}

/** Runs tasks one after another on this thread (each task reads ahead on its own). */
export class InlineExecutor implements Executor {
  readonly parallelism = 1;
  private readonly sources: SourcePool;
  private readonly ownsSources: boolean;
  private tail: Promise<unknown> = Promise.resolve();

  /** Read through `sources` (kept open) or a pool of its own (closed by `close`). */
  constructor(sources?: SourcePool) {
    this.sources = sources ?? new SourcePool();
    this.ownsSources = sources === undefined;
  }

  run(task: AccumulateTask, onBytes?: (bytes: number) => void, signal?: AbortSignal): Promise<AccumulateResult> {
    // Queue behind the previous task: running many at once would only multiply read buffers.
    const result = this.tail.then(() => {
      signal?.throwIfAborted();
      throwIfInputAborted();
      return runAccumulateTask(task, this.sources, onBytes, signal);
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Close the sources this executor opened. */
  async close(): Promise<void> {
    if (this.ownsSources) await this.sources.close();
  }
}

/** Default worker count: the cores Node may use. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}
