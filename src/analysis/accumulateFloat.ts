/**
 * The float path of accumulation (see accumulate.ts), shared by plain float tensors and quantised
 * tensors decoded to floats (accumulateQuantized.ts): ranges of whole units, pass 1 (scan), merge,
 * pass 2 (above or bin), or one scan-and-bin task for a tensor that fits in one chunk.
 */
import { createCodec } from "../decode/encodings.js";
import { DEFAULT_CHUNK_BYTES } from "../io/chunks.js";
import { tensorBytes } from "../io/tensorChunks.js";
import type { TensorData } from "../io/tensorData.js";
import type { Executor } from "../parallel/executor.js";
import type { AccumulateResult, AccumulateTask } from "../parallel/tasks.js";
import { anySplitOccupied, binValues, binsFromSplits, bucketSplits } from "../stats/binning.js";
import { distinctCapFor } from "../stats/distinctSet.js";
import { FloatScan } from "../stats/floatScan.js";
import type { LayerStatistics } from "../stats/valueSummary.js";

/** Work unit for one task: large enough to amortise messaging, small enough to balance cores. */
export const DEFAULT_RANGE_BYTES = 32 * 1024 * 1024;

export interface AccumulateOptions {
  bins: number;
  chunkBytes?: number;
  rangeBytes?: number;
  onBytes?: (bytes: number) => void;
  /** Where tasks run; default: inline on this thread. */
  executor?: Executor;
}

/** Split [0, total) into ranges of about `rangeBytes`, cut at multiples of `unitBytes`. */
export function splitRanges(total: number, unitBytes: number, rangeBytes: number): { start: number; end: number }[] {
  const step = Math.max(unitBytes, rangeBytes - (rangeBytes % unitBytes));
  const ranges: { start: number; end: number }[] = [];
  for (let start = 0; start < total; start += step) ranges.push({ start, end: Math.min(total, start + step) });
  return ranges;
}

/**
 * The float path over `ranges` of a tensor: scan (pass 1), merge, then above/bin (pass 2); or, when
 * `oneChunk` (the whole tensor decodes into one chunk), a single scan-and-bin task.
 */
export async function accumulateFloatRanges(
  data: TensorData,
  executor: Executor,
  ranges: { start: number; end: number }[],
  oneChunk: boolean,
  chunkBytes: number,
  options: AccumulateOptions,
): Promise<LayerStatistics> {
  const onBytes = options.onBytes;
  const distinctCap = distinctCapFor(options.bins);
  const total = ranges.length > 0 ? ranges[ranges.length - 1]!.end : 0;
  if (oneChunk) {
    const result = await executor.run({ kind: "scan-and-bin", data, start: 0, end: total, chunkBytes, bins: options.bins, distinctCap }, onBytes);
    if (result.kind !== "scan-and-bin") throw new Error(`unexpected ${result.kind} result`);
    return { ...FloatScan.fromState(result.state).summary(), counts: result.counts };
  }

  let scan: FloatScan | undefined;
  const foldScan = (result: AccumulateResult): void => {
    if (result.kind !== "scan") throw new Error(`unexpected ${result.kind} result`);
    const part = FloatScan.fromState(result.state);
    if (scan) scan.merge(part);
    else scan = part;
  };
  // The first range goes alone: if it already holds more distinct values than the cap, the tensor
  // does too, and the other ranges need not fill sets of their own (a few % of pass 1). Other
  // tensors keep the workers busy meanwhile.
  const [first, ...rest] = ranges;
  foldScan(await executor.run({ kind: "scan", data, ...first!, chunkBytes, distinctCap }, onBytes));
  const restCap = scan!.summary().distinctExact ? distinctCap : 0;
  await Promise.all(rest.map((range) => executor.run({ kind: "scan", data, ...range, chunkBytes, distinctCap: restCap }, onBytes).then(foldScan)));
  const summary = scan!.summary();
  const counts = summary.maxAbs > 0 ? await secondPass(data, scan!.float32Buckets(), summary.maxAbs, executor, { ...options, chunkBytes, ranges }) : new Float64Array(options.bins);
  return { ...summary, counts };
}

/**
 * Pass 2 over F32/F64 values once max|w| is known: the bin counts. F32 values were counted per
 * bucket in pass 1 (`buckets`): whole buckets are binned from those counts, and only the values
 * above the edge that splits a bucket are counted — nothing at all when no occupied bucket is split.
 * Other floats (F64, B > 128) bin every value.
 */
export async function secondPass(
  data: TensorData,
  buckets: Float64Array | null,
  maxAbs: number,
  executor: Executor,
  options: AccumulateOptions & { ranges?: { start: number; end: number }[] },
): Promise<Float64Array> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const ranges = options.ranges ?? splitRanges(tensorBytes(data), createCodec(data.encoding).unitBytes, options.rangeBytes ?? DEFAULT_RANGE_BYTES);
  const runAll = async (make: (range: { start: number; end: number }) => AccumulateTask, fold: (result: AccumulateResult) => void): Promise<void> => {
    await Promise.all(ranges.map((range) => executor.run(make(range), options.onBytes).then(fold)));
  };
  const splits = buckets ? bucketSplits(options.bins, maxAbs) : undefined;
  if (buckets && splits) {
    const above = new Float64Array(splits.thresholds.length);
    if (anySplitOccupied(buckets, splits)) {
      await runAll(
        (range) => ({ kind: "above", data, ...range, chunkBytes, splits }),
        (result) => {
          if (result.kind !== "above") throw new Error(`unexpected ${result.kind} result`);
          for (let i = 0; i < above.length; i++) above[i]! += result.above[i]!;
        },
      );
    }
    return binsFromSplits(buckets, above, splits, options.bins);
  }
  const counts = new Float64Array(options.bins);
  await runAll(
    (range) => ({ kind: "bin", data, ...range, chunkBytes, bins: options.bins, maxAbs }),
    (result) => {
      if (result.kind !== "bin") throw new Error(`unexpected ${result.kind} result`);
      for (let i = 0; i < counts.length; i++) counts[i]! += result.counts[i]!;
    },
  );
  return counts;
}

/**
 * The same statistics for values already in memory as float64 (e.g. per-unit means): one exact
 * pass for max|w|, zeros, distinct values and log-moments (FloatScan's F64 path), one for the bins.
 */
export function accumulateValues(values: Float64Array, bins: number): LayerStatistics {
  const scan = new FloatScan(distinctCapFor(bins));
  scan.addFloat64(values);
  const summary = scan.summary();
  const counts = new Float64Array(bins);
  if (summary.maxAbs > 0) binValues(values, counts, summary.maxAbs);
  return { ...summary, counts };
}
