/**
 * Reader → accumulator: reduce one tensor to LayerStatistics by cutting its bytes into ranges
 * (whole units, `rangeBytes` each) and running accumulation tasks on an executor — inline or on
 * worker threads — then merging the partial results (exact: stats/ accumulators are mergeable).
 * - ≤ 16-bit codes: one pass of `codes` tasks.
 * - floats: `scan` tasks (pass 1), merge → max|w|, then `bin` tasks (pass 2). A tensor that fits in one
 *   chunk is read once (`scan-and-bin`).
 */
import { createCodec } from "../decode/encodings.js";
import type { TensorData } from "../io/tensorData.js";
import type { SourcePool } from "../io/byteSource.js";
import { DEFAULT_CHUNK_BYTES } from "../io/chunks.js";
import { isSequentialData, tensorBytes } from "../io/tensorChunks.js";
import { type Executor, InlineExecutor } from "../parallel/executor.js";
import type { AccumulateResult, AccumulateTask } from "../parallel/tasks.js";
import { mergeCodeTables, statisticsFromCodeTable } from "../stats/codeTable.js";
import { anyCutOccupied, bucketCuts, gridsFromCuts } from "../stats/bucketCuts.js";
import { distinctCapFor } from "../stats/distinctSet.js";
import { FloatScan } from "../stats/floatScan.js";
import { type GridCounts, type LayerNormaliser, type LayerStatistics, fineFromBuckets, layerGrids, quantileRank } from "../stats/layerHistograms.js";
import { DIGIT_VALUES, pickDigit, valueOfDigits } from "../stats/quantileDigits.js";

/** Work unit for one task: large enough to amortise messaging, small enough to balance cores. */
export const DEFAULT_RANGE_BYTES = 32 * 1024 * 1024;

export interface AccumulateOptions {
  bins: number;
  chunkBytes?: number;
  rangeBytes?: number;
  onBytes?: (bytes: number) => void;
  /** Where tasks run; default: inline on this thread. */
  executor?: Executor;
  /** What x is divided by (default: the maximum). */
  normaliser?: LayerNormaliser;
}

/** Split [0, total) into ranges of about `rangeBytes`, cut at multiples of `unitBytes`. */
export function splitRanges(total: number, unitBytes: number, rangeBytes: number): { start: number; end: number }[] {
  const step = Math.max(unitBytes, rangeBytes - (rangeBytes % unitBytes));
  const ranges: { start: number; end: number }[] = [];
  for (let start = 0; start < total; start += step) ranges.push({ start, end: Math.min(total, start + step) });
  return ranges;
}

export async function accumulateTensor(data: TensorData, sourcesOrUndefined: SourcePool | undefined, options: AccumulateOptions): Promise<LayerStatistics> {
  const ownExecutor = options.executor === undefined;
  const executor: Executor = options.executor ?? new InlineExecutor(sourcesOrUndefined);
  try {
    return await accumulateWith(data, executor, options);
  } finally {
    if (ownExecutor) await executor.close();
  }
}

async function accumulateWith(data: TensorData, executor: Executor, options: AccumulateOptions): Promise<LayerStatistics> {
  const codec = createCodec(data.encoding);
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const total = tensorBytes(data);
  // A sequential codec (varints) or stream (deflate) decodes only from the start, in one pass: never split.
  const sequential = (codec.type === "codes" && codec.sequential) || isSequentialData(data);
  const ranges = sequential ? [{ start: 0, end: total }] : splitRanges(total, codec.unitBytes, options.rangeBytes ?? DEFAULT_RANGE_BYTES);
  const onBytes = options.onBytes;
  const distinctCap = distinctCapFor(options.bins);
  /** Run one task per range and fold each result in as it arrives (bounded memory). */
  const runAll = async (make: (range: { start: number; end: number }) => AccumulateTask, fold: (result: AccumulateResult) => void): Promise<void> => {
    await Promise.all(ranges.map((range) => executor.run(make(range), onBytes).then(fold)));
  };

  const normaliser = options.normaliser ?? { kind: "max" };
  if (codec.type === "codes") {
    let table: Float64Array | undefined;
    await runAll(
      (range) => ({ kind: "codes", data, ...range, chunkBytes }),
      (result) => {
        if (result.kind !== "codes") throw new Error(`unexpected ${result.kind} result`);
        if (table) mergeCodeTables(table, result.table);
        else table = result.table;
      },
    );
    return statisticsFromCodeTable(codec.levels, table!, options.bins, normaliser);
  }

  if (total <= chunkBytes) {
    const result = await executor.run({ kind: "scan-and-bin", data, start: 0, end: total, chunkBytes, bins: options.bins, distinctCap, normaliser }, onBytes);
    if (result.kind !== "scan-and-bin") throw new Error(`unexpected ${result.kind} result`);
    const grids = result.grids;
    return { ...FloatScan.fromState(result.state).summary(), counts: grids[0]!.counts, grids, fine: result.state.buckets ? fineFromBuckets(result.state.buckets) : null, ...(result.state.binades ? { binades: result.state.binades } : {}) };
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
  const buckets = scan!.float32Buckets();
  let scale = summary.maxAbs;
  if (normaliser.kind === "quantile" && summary.finite > 0) {
    // The exact quantile, one 16-bit digit of its pattern per pass (quantileDigits.ts); F32's
    // first digit is the bucket of pass 1.
    let rank = quantileRank(normaliser.q, summary.finite);
    const digits: number[] = [];
    const width = buckets ? 2 : 4;
    while (digits.length < width) {
      let counts: Float64Array;
      if (digits.length === 0 && buckets) {
        counts = new Float64Array(DIGIT_VALUES);
        counts.set(buckets.subarray(0, 0x7f80));
      } else {
        counts = new Float64Array(DIGIT_VALUES);
        const prefix = [...digits];
        await runAll(
          (range) => ({ kind: "refine", data, ...range, chunkBytes, prefix }),
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
    scale = valueOfDigits(digits);
  }
  const specs = layerGrids(options.bins, scale, summary.top, normaliser.kind === "max");
  let grids: GridCounts[] = specs.map((grid) => ({ ...grid, counts: new Float64Array(grid.bins) }));
  if (scale > 0) {
    // F32 values were counted per bucket in pass 1: pass 2 only counts values above the cuts that
    // the grids' edges make in buckets (bucketCuts.ts) — or is skipped when no occupied bucket is
    // cut. Other floats (F64, B > 128) bin every value of every grid in pass 2.
    const cuts = buckets ? bucketCuts(specs, buckets, summary.top) : undefined;
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
      grids = gridsFromCuts(buckets, above, cuts, specs, summary.top);
    } else {
      await runAll(
        (range) => ({ kind: "grids", data, ...range, chunkBytes, grids: specs }),
        (result) => {
          if (result.kind !== "grids") throw new Error(`unexpected ${result.kind} result`);
          grids.forEach((grid, g) => {
            const part = result.counts[g]!;
            for (let i = 0; i < grid.counts.length; i++) grid.counts[i]! += part[i]!;
          });
        },
      );
    }
  }
  const binades = scan!.float64Binades();
  return { ...summary, counts: grids[0]!.counts, grids, fine: buckets ? fineFromBuckets(buckets) : null, ...(binades ? { binades } : {}) };
}
