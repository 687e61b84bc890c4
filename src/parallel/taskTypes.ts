/**
 * Accumulation tasks and their results as plain data (see tasks.ts): what a worker is sent and what
 * it posts back.
 */
import type { CrcPart } from "../io/crc32.js";
import type { TensorData } from "../io/tensorData.js";
import type { BucketCuts } from "../stats/bucketCuts.js";
import type { FloatScanState } from "../stats/floatScan.js";
import type { GridCounts, GridSpec, LayerNormaliser } from "../stats/layerHistograms.js";
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
  /** Pass 2 over floats: every value into the bins of each grid (`grids`), or, for F32 counted per
   * bucket in pass 1, only the counts at or above each bucket's cuts (`cuts`, see bucketCuts.ts). */
  | ({ kind: "grids"; grids: GridSpec[] } & RangeTask)
  | ({ kind: "cuts"; cuts: BucketCuts } & RangeTask)
  /** Count the next 16-bit digit of |pattern| over the values whose leading digits are `prefix` (quantileDigits.ts). */
  | ({ kind: "refine"; prefix: number[] } & RangeTask)
  | ({ kind: "scan-and-bin"; bins: number; distinctCap: number; normaliser: LayerNormaliser } & RangeTask)
  | ({ kind: "quant-count" } & RangeTask);

/**
 * What a task counted, mergeable with the results of the other ranges. First-pass results carry the
 * CRC-32 of the bytes they read when the tensor's data asks for a checksum (a stored zip member,
 * `TensorData.checksum`): the accumulator combines the parts.
 */
export type AccumulateResult =
  | { kind: "codes"; table: Float64Array; crc?: CrcPart }
  | { kind: "scan"; state: FloatScanState; crc?: CrcPart }
  | { kind: "grids"; counts: Float64Array[] }
  | { kind: "cuts"; above: Float64Array }
  | { kind: "refine"; counts: Float64Array }
  | { kind: "scan-and-bin"; state: FloatScanState; grids: GridCounts[]; crc?: CrcPart }
  | { kind: "quant-count"; keys: Uint32Array; values: Float64Array; counts: Float64Array }
  | InitResult;

/** Buffers a result owns, for transfer (zero-copy) between threads. */
export function transferables(result: AccumulateResult): ArrayBuffer[] {
  const buffers: ArrayBufferLike[] = [];
  if ("table" in result) buffers.push(result.table.buffer);
  if (result.kind === "refine" || result.kind === "quant-count") buffers.push(result.counts.buffer);
  if (result.kind === "grids") for (const counts of result.counts) buffers.push(counts.buffer);
  if (result.kind === "scan-and-bin") for (const grid of result.grids) buffers.push(grid.counts.buffer);
  if ("above" in result) buffers.push(result.above.buffer);
  if ("keys" in result) buffers.push(result.keys.buffer, result.values.buffer);
  if ("bytes" in result && result.bytes) buffers.push(result.bytes.buffer);
  if ("blockSquares" in result && result.blockSquares) buffers.push(result.blockSquares.buffer);
  if ("negative" in result && result.negative) buffers.push(result.negative.buffer);
  if ("state" in result) {
    if (result.state.buckets) buffers.push(result.state.buckets.buffer);
    if (result.state.distinctKeys) buffers.push(result.state.distinctKeys.buffer);
    if (result.state.distinct64) buffers.push(result.state.distinct64.buffer);
    if (result.state.binades) buffers.push(result.state.binades.buffer);
  }
  return [...new Set(buffers)].filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
}

