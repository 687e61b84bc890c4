/**
 * Reader → accumulator: reduce one tensor to LayerStatistics by cutting its bytes into ranges
 * (whole units, `rangeBytes` each) and running accumulation tasks on an executor — inline or on
 * worker threads — then merging the partial results (exact: stats/ accumulators are mergeable).
 * - ≤ 16-bit codes: one pass of `codes` tasks.
 * - floats (accumulateFloat.ts): `scan` tasks (pass 1), merge → max|w| and the top order statistics,
 *   then pass 2 over every grid (`cuts` or `grids` tasks). A tensor that fits in one chunk is read
 *   once (`scan-and-bin`).
 * - checkpoint-quantised layers: accumulateQuantized.ts.
 */
import { createCodec } from "../decode/encodings.js";
import type { TensorData } from "../io/tensorData.js";
import type { SourcePool } from "../io/byteSource.js";
import { DEFAULT_CHUNK_BYTES } from "../io/chunks.js";
import type { CrcPart } from "../io/crc32.js";
import { isSequentialData, tensorBytes } from "../io/tensorChunks.js";
import { type Executor, InlineExecutor } from "../parallel/executor.js";
import type { AccumulateResult, AccumulateTask } from "../parallel/tasks.js";
import { mergeCodeTables, statisticsFromCodeTable } from "../stats/codeTable.js";
import type { LayerStatistics } from "../stats/layerHistograms.js";
import { type AccumulateOptions, DEFAULT_RANGE_BYTES, accumulateFloatRanges, splitRanges, verifyChecksum } from "./accumulateFloat.js";
import { accumulateQuantized } from "./accumulateQuantized.js";

export { type AccumulateOptions, DEFAULT_RANGE_BYTES, accumulateFloatRanges, secondPass, splitRanges } from "./accumulateFloat.js";

/**
 * Reduce one tensor to its LayerStatistics (METHOD §2.3–2.4): its byte ranges are counted by tasks on
 * `options.executor` (inline, or worker threads) and the partial results merged exactly. `sourcesOrUndefined`
 * is the pool the inline executor reads through (a new one when undefined).
 */
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
  if (data.encoding.kind === "quantized") return accumulateQuantized(data, executor, options);
  const codec = createCodec(data.encoding);
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const total = tensorBytes(data);
  // A sequential codec (varints) or stream (deflate) decodes only from the start, in one pass: never split.
  const sequential = (codec.type === "codes" && codec.sequential) || isSequentialData(data);
  const ranges = sequential ? [{ start: 0, end: total }] : splitRanges(total, codec.unitBytes, options.rangeBytes ?? DEFAULT_RANGE_BYTES);
  const onBytes = options.onBytes;
  /** Run one task per range and fold each result in as it arrives (bounded memory). */
  const runAll = async (make: (range: { start: number; end: number }) => AccumulateTask, fold: (result: AccumulateResult) => void): Promise<void> => {
    await Promise.all(ranges.map((range) => executor.run(make(range), onBytes, options.signal).then(fold)));
  };

  if (codec.type === "codes") {
    let table: Float64Array | undefined;
    const crcParts: CrcPart[] = [];
    await runAll(
      (range) => ({ kind: "codes", data, ...range, chunkBytes }),
      (result) => {
        if (result.kind !== "codes") throw new Error(`unexpected ${result.kind} result`);
        if (result.crc) crcParts.push(result.crc);
        if (table) mergeCodeTables(table, result.table);
        else table = result.table;
      },
    );
    verifyChecksum(data, crcParts, total);
    return statisticsFromCodeTable(codec.levels, table!, options.bins, options.normaliser);
  }

  return accumulateFloatRanges(data, executor, ranges, total <= chunkBytes, chunkBytes, options);
}

