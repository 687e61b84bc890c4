/**
 * Accumulation tasks and their results as plain data (see tasks.ts): what a worker is sent and what
 * it posts back.
 */
import type { TensorData } from "../io/tensorData.js";
import type { BucketSplits } from "../stats/binning.js";
import type { FloatScanState } from "../stats/floatScan.js";
import type { InitResult, InitTask } from "./initTasks.js";

export interface RangeTask {
  data: TensorData;
  /** Byte range of the tensor's concatenated ranges, in whole units. */
  start: number;
  end: number;
  chunkBytes: number;
}

/** Every unit of work the executors run. */
export type AccumulateTask = HistogramTask | InitTask;

/** The passes that reduce a layer to its histogram. */
export type HistogramTask =
  | ({ kind: "codes" } & RangeTask)
  | ({ kind: "scan"; distinctCap: number } & RangeTask)
  /** Pass 2 over floats: every value into bins (`bin`), or, for F32 counted per bucket in pass 1,
   * only the count of values at or above each bucket's split (`above`, see binning.ts). */
  | ({ kind: "bin"; bins: number; maxAbs: number } & RangeTask)
  | ({ kind: "above"; splits: BucketSplits } & RangeTask)
  | ({ kind: "scan-and-bin"; bins: number; distinctCap: number } & RangeTask)
  | ({ kind: "quant-count" } & RangeTask);

export type AccumulateResult =
  | { kind: "codes"; table: Float64Array }
  | { kind: "scan"; state: FloatScanState }
  | { kind: "bin"; counts: Float64Array }
  | { kind: "above"; above: Float64Array }
  | { kind: "scan-and-bin"; state: FloatScanState; counts: Float64Array }
  | { kind: "quant-count"; keys: Uint32Array; values: Float64Array; counts: Float64Array }
  | InitResult;

/** Buffers a result owns, for transfer (zero-copy) between threads. */
export function transferables(result: AccumulateResult): ArrayBuffer[] {
  const buffers: ArrayBufferLike[] = [];
  if ("table" in result) buffers.push(result.table.buffer);
  if ("counts" in result) buffers.push(result.counts.buffer);
  if ("above" in result) buffers.push(result.above.buffer);
  if ("keys" in result) buffers.push(result.keys.buffer, result.values.buffer);
  if ("bytes" in result && result.bytes) buffers.push(result.bytes.buffer);
  if ("blockSquares" in result && result.blockSquares) buffers.push(result.blockSquares.buffer);
  if ("negative" in result && result.negative) buffers.push(result.negative.buffer);
  if ("state" in result) {
    if (result.state.buckets) buffers.push(result.state.buckets.buffer);
    if (result.state.distinctKeys) buffers.push(result.state.distinctKeys.buffer);
    if (result.state.distinct64) buffers.push(result.state.distinct64.buffer);
  }
  return [...new Set(buffers)].filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
}

