/**
 * The float path of accumulation (see accumulate.ts), shared by plain float tensors and quantised
 * tensors decoded to floats (accumulateQuantized.ts): ranges of whole units, pass 1 (scan: counts,
 * max|w|, the top order statistics, F32 buckets), merge, the exact quantile under
 * `--normalize quantile:Q` (refine passes), then pass 2 over every grid of layerHistograms.ts
 * (`cuts` or `grids`); or one scan-and-bin task for a tensor that fits in one chunk.
 */
import { type CrcPart, assertMemberCrc, combineParts, crc32Combine } from "../io/crc32.js";
import { createCodec } from "../decode/encodings.js";
import { DEFAULT_CHUNK_BYTES } from "../io/chunks.js";
import { tensorBytes } from "../io/tensorChunks.js";
import type { TensorData } from "../io/tensorData.js";
import type { Executor } from "../parallel/executor.js";
import type { AccumulateResult, AccumulateTask } from "../parallel/tasks.js";
import { anyCutOccupied, bucketCuts, gridsFromCuts } from "../stats/bucketCuts.js";
import { distinctCapFor } from "../stats/distinctSet.js";
import { FloatScan } from "../stats/floatScan.js";
import { type GridCounts, type GridSpec, type LayerNormaliser, type LayerStatistics, layerGrids, quantileRank } from "../stats/layerHistograms.js";
import { DIGIT_VALUES, pickDigit, valueOfDigits } from "../stats/quantileDigits.js";
import { statisticsFromScan } from "../stats/valueStatistics.js";

/** Work unit for one task: large enough to amortise messaging, small enough to balance cores. */
export const DEFAULT_RANGE_BYTES = 32 * 1024 * 1024;

/** How `accumulateTensor` reads and counts one tensor. */
export interface AccumulateOptions {
  bins: number;
  chunkBytes?: number;
  rangeBytes?: number;
  /** Called with the bytes of each chunk as it is read (progress). */
  onBytes?: (bytes: number) => void;
  /** Where tasks run; default: inline on this thread. */
  executor?: Executor;
  /** What x is divided by (default: the maximum). */
  normaliser?: LayerNormaliser;
  /** Stop when aborted: running tasks stop at their next chunk, queued ones never start. */
  signal?: AbortSignal;
}

type Range = { start: number; end: number };

/** Split [0, total) into ranges of about `rangeBytes`, cut at multiples of `unitBytes`. */
export function splitRanges(total: number, unitBytes: number, rangeBytes: number): Range[] {
  const step = Math.max(unitBytes, rangeBytes - (rangeBytes % unitBytes));
  const ranges: Range[] = [];
  for (let start = 0; start < total; start += step) ranges.push({ start, end: Math.min(total, start + step) });
  return ranges;
}

/** Run one task per range on the executor and fold each result in as it arrives (bounded memory). */
function rangeRunner(executor: Executor, ranges: readonly Range[], onBytes: ((bytes: number) => void) | undefined, signal: AbortSignal | undefined) {
  return async (make: (range: Range) => AccumulateTask, fold: (result: AccumulateResult) => void): Promise<void> => {
    await Promise.all(ranges.map((range) => executor.run(make(range), onBytes, signal).then(fold)));
  };
}

/**
 * The float path over `ranges` of a tensor: scan (pass 1), merge, the normaliser, then every grid
 * (pass 2); or, when `oneChunk` (the whole tensor decodes into one chunk), a single scan-and-bin task.
 */
export async function accumulateFloatRanges(data: TensorData, executor: Executor, ranges: Range[], oneChunk: boolean, chunkBytes: number, options: AccumulateOptions): Promise<LayerStatistics> {
  const onBytes = options.onBytes;
  const distinctCap = distinctCapFor(options.bins);
  const normaliser = options.normaliser ?? { kind: "max" };
  const total = ranges.length > 0 ? ranges[ranges.length - 1]!.end : 0;
  // CRC-32 parts of a stored zip member's bytes, from the first pass (see TensorData.checksum).
  const crcParts: CrcPart[] = [];
  if (oneChunk) {
    const result = await executor.run({ kind: "scan-and-bin", data, start: 0, end: total, chunkBytes, bins: options.bins, distinctCap, normaliser }, onBytes, options.signal);
    if (result.kind !== "scan-and-bin") throw new Error(`unexpected ${result.kind} result`);
    if (result.crc) crcParts.push(result.crc);
    verifyChecksum(data, crcParts, total);
    return statisticsFromScan(FloatScan.fromState(result.state), result.grids);
  }

  let scan: FloatScan | undefined;
  const foldScan = (result: AccumulateResult): void => {
    if (result.kind !== "scan") throw new Error(`unexpected ${result.kind} result`);
    if (result.crc) crcParts.push(result.crc);
    const part = FloatScan.fromState(result.state);
    if (scan) scan.merge(part);
    else scan = part;
  };
  // The first range goes alone: if it already holds more distinct values than the cap, the tensor
  // does too, and the other ranges need not fill sets of their own (a few % of pass 1). Other
  // tensors keep the workers busy meanwhile.
  const [first, ...rest] = ranges;
  foldScan(await executor.run({ kind: "scan", data, ...first!, chunkBytes, distinctCap }, onBytes, options.signal));
  const restCap = scan!.summary().distinctExact ? distinctCap : 0;
  await Promise.all(rest.map((range) => executor.run({ kind: "scan", data, ...range, chunkBytes, distinctCap: restCap }, onBytes, options.signal).then(foldScan)));
  verifyChecksum(data, crcParts, total);
  const summary = scan!.summary();
  const buckets = scan!.float32Buckets();
  const pass2 = { ...options, chunkBytes, ranges };
  const scale = normaliser.kind === "quantile" && summary.finite > 0 ? await exactQuantile(data, buckets, summary.finite, normaliser.q, executor, pass2) : summary.maxAbs;
  const specs = layerGrids(options.bins, scale, summary.top, normaliser.kind === "max");
  const grids = scale > 0 ? await secondPass(data, buckets, specs, summary.top, executor, pass2) : emptyGrids(specs);
  return statisticsFromScan(scan!, grids);
}

export function emptyGrids(specs: readonly GridSpec[]): GridCounts[] {
  return specs.map((grid) => ({ ...grid, counts: new Float64Array(grid.bins) }));
}

/**
 * The exact Q-quantile of the finite |w| (`--normalize quantile:Q`): one 16-bit digit of its bit
 * pattern per pass (quantileDigits.ts; `refine` tasks); F32's first digit is the bucket of pass 1.
 */
async function exactQuantile(data: TensorData, buckets: Float64Array | null, finite: number, q: number, executor: Executor, options: AccumulateOptions & { ranges: Range[]; chunkBytes: number }): Promise<number> {
  const runAll = rangeRunner(executor, options.ranges, options.onBytes, options.signal);
  let rank = quantileRank(q, finite);
  const digits: number[] = [];
  const width = buckets ? 2 : 4;
  while (digits.length < width) {
    const counts = new Float64Array(DIGIT_VALUES);
    if (digits.length === 0 && buckets) counts.set(buckets.subarray(0, 0x7f80));
    else {
      const prefix = [...digits];
      await runAll(
        (range) => ({ kind: "refine", data, ...range, chunkBytes: options.chunkBytes, prefix }),
        (result) => {
          if (result.kind !== "refine") throw new Error(`unexpected ${result.kind} result`);
          for (let i = 0; i < counts.length; i++) counts[i]! += result.counts[i]!;
        },
      );
    }
    const { digit, below } = pickDigit(counts, rank);
    digits.push(digit);
    rank -= below;
  }
  return valueOfDigits(digits);
}

/**
 * Pass 2 over F32/F64 values once the grids' scales are known (layerGrids: (S, B), (S, 2B),
 * (S, ⌊B/2⌋), (top₂, B)): every grid's counts. F32 values were counted per bucket in pass 1
 * (`buckets`): pass 2 only counts the values above the cuts that the grids' edges make in buckets
 * (bucketCuts.ts), and nothing at all when no occupied bucket is cut; values above a grid's scale
 * are taken out through the top order statistics `top` (descending, every value above the smallest
 * scale among them). Other floats (F64, B > 128) bin every value into every grid.
 */
export async function secondPass(
  data: TensorData,
  buckets: Float64Array | null,
  specs: readonly GridSpec[],
  top: readonly number[],
  executor: Executor,
  options: AccumulateOptions & { ranges?: Range[] },
): Promise<GridCounts[]> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const ranges = options.ranges ?? splitRanges(tensorBytes(data), createCodec(data.encoding).unitBytes, options.rangeBytes ?? DEFAULT_RANGE_BYTES);
  const runAll = rangeRunner(executor, ranges, options.onBytes, options.signal);
  const cuts = buckets ? bucketCuts(specs, buckets, top) : undefined;
  if (buckets && cuts) {
    const above = new Float64Array(cuts.cuts.length);
    if (anyCutOccupied(buckets, cuts)) {
      await runAll(
        (range) => ({ kind: "cuts", data, ...range, chunkBytes, cuts }),
        (result) => {
          if (result.kind !== "cuts") throw new Error(`unexpected ${result.kind} result`);
          for (let i = 0; i < above.length; i++) above[i]! += result.above[i]!;
        },
      );
    }
    return gridsFromCuts(buckets, above, cuts, specs, top);
  }
  const grids = emptyGrids(specs);
  await runAll(
    (range) => ({ kind: "grids", data, ...range, chunkBytes, grids: [...specs] }),
    (result) => {
      if (result.kind !== "grids") throw new Error(`unexpected ${result.kind} result`);
      grids.forEach((grid, g) => {
        const part = result.counts[g]!;
        for (let i = 0; i < grid.counts.length; i++) grid.counts[i]! += part[i]!;
      });
    },
  );
  return grids;
}

/** Check a stored zip member's CRC-32 from the first pass's parts (a no-op for other data). */
export function verifyChecksum(data: TensorData, parts: readonly CrcPart[], total: number): void {
  const checksum = data.checksum;
  if (!checksum || data.compression) return;
  const tensorCrc = combineParts(parts, 0, total);
  if (tensorCrc === undefined) throw new Error(`CRC-32 parts of ${checksum.member} do not cover its ${total} bytes`);
  assertMemberCrc(checksum.file, checksum.member, checksum.crc32, crc32Combine(checksum.prefixCrc32, tensorCrc, total));
}
