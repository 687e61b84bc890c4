/**
 * Units of accumulation work: a byte range of one tensor and what to compute over it. Tasks and
 * results are plain data, so the same `runAccumulateTask` runs inline on the main thread or on a
 * worker thread (parallel/pool.ts), and partial results merge exactly (stats/: mergeable
 * accumulators).
 *
 * - `codes`: count ≤ 16-bit codes (one pass is the whole job).
 * - `scan`: pass 1 over floats (max|w|, counts, log-moments, distinct).
 * - `grids`: pass 2 over floats, every value into the bins of each grid (stats/layerHistograms.ts).
 * - `cuts`: pass 2 over F32 counted per bucket in pass 1: counts above each bucket's cuts (stats/bucketCuts.ts).
 * - `refine`: the exact quantile of |w| (`--normalize quantile:Q`), one 16-bit digit of its bit pattern per pass.
 * - `scan-and-bin`: a tensor that fits in one chunk: read once, both passes in memory.
 */
import { createCodec, type CodeCodec, type FloatCodec } from "../decode/encodings.js";
import type { TensorData } from "../io/tensorData.js";
import type { SourcePool } from "../io/byteSource.js";
import { readTensorChunks } from "../io/tensorChunks.js";
import { binValues as binAny } from "../stats/binning.js";
import { type BucketCuts, countAboveCuts } from "../stats/bucketCuts.js";
import { DIGIT_VALUES, countNextDigit } from "../stats/quantileDigits.js";
import { countCodes16, countCodes8, foldCounts, newCodeTable } from "../stats/codeTable.js";
import { FloatScan, type FloatScanState } from "../stats/floatScan.js";
import { acquireKernels, type Kernels } from "../stats/kernels.js";
import { type GridCounts, type GridSpec, type LayerNormaliser, layerGrids, quantileRank } from "../stats/layerHistograms.js";

interface RangeTask {
  data: TensorData;
  /** Byte range of the tensor's concatenated ranges, in whole units. */
  start: number;
  end: number;
  chunkBytes: number;
}

export type AccumulateTask =
  | ({ kind: "codes" } & RangeTask)
  | ({ kind: "scan"; distinctCap: number } & RangeTask)
  /** Pass 2 over floats: every value into the bins of each grid (`grids`), or, for F32 counted per
   * bucket in pass 1, only the counts at or above each bucket's cuts (`cuts`, see bucketCuts.ts). */
  | ({ kind: "grids"; grids: GridSpec[] } & RangeTask)
  | ({ kind: "cuts"; cuts: BucketCuts } & RangeTask)
  /** Count the next 16-bit digit of |pattern| over the values whose leading digits are `prefix` (quantileDigits.ts). */
  | ({ kind: "refine"; prefix: number[] } & RangeTask)
  | ({ kind: "scan-and-bin"; bins: number; distinctCap: number; normaliser: LayerNormaliser } & RangeTask);

export type AccumulateResult =
  | { kind: "codes"; table: Float64Array }
  | { kind: "scan"; state: FloatScanState }
  | { kind: "grids"; counts: Float64Array[] }
  | { kind: "cuts"; above: Float64Array }
  | { kind: "refine"; counts: Float64Array }
  | { kind: "scan-and-bin"; state: FloatScanState; grids: GridCounts[] };

/** Buffers a result owns, for transfer (zero-copy) between threads. */
export function transferables(result: AccumulateResult): ArrayBuffer[] {
  const buffers: ArrayBufferLike[] = [];
  if ("table" in result) buffers.push(result.table.buffer);
  if (result.kind === "refine") buffers.push(result.counts.buffer);
  if (result.kind === "grids") for (const counts of result.counts) buffers.push(counts.buffer);
  if (result.kind === "scan-and-bin") for (const grid of result.grids) buffers.push(grid.counts.buffer);
  if ("above" in result) buffers.push(result.above.buffer);
  if ("state" in result) {
    if (result.state.buckets) buffers.push(result.state.buckets.buffer);
    if (result.state.distinctKeys) buffers.push(result.state.distinctKeys.buffer);
    if (result.state.distinct64) buffers.push(result.state.distinct64.buffer);
    if (result.state.binades) buffers.push(result.state.binades.buffer);
  }
  return [...new Set(buffers)].filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
}

export async function runAccumulateTask(task: AccumulateTask, pool: SourcePool, onBytes?: (bytes: number) => void): Promise<AccumulateResult> {
  const kernels = acquireKernels(task.chunkBytes, task.kind === "grids" ? Math.max(...task.grids.map((grid) => grid.bins)) : task.kind === "scan-and-bin" ? 2 * task.bins : 0);
  try {
    return await runWith(task, pool, kernels, onBytes);
  } finally {
    kernels?.release();
  }
}

async function runWith(task: AccumulateTask, pool: SourcePool, kernels: Kernels | undefined, onBytes?: (bytes: number) => void): Promise<AccumulateResult> {
  const codec = createCodec(task.data.encoding);
  // Chunks are read straight into kernel memory, where the WebAssembly loops count them in place.
  // A scan's bytes are read again by the bin pass: remote sources keep them in between.
  const intent = task.kind === "scan" || task.kind === "refine" ? "again" : task.kind === "grids" || task.kind === "cuts" ? "last" : "once";
  const chunks = (report: boolean): AsyncGenerator<Uint8Array> =>
    readTensorChunks(task.data, pool, {
      unitBytes: codec.unitBytes,
      chunkBytes: task.chunkBytes,
      start: task.start,
      end: task.end,
      intent,
      ...(report && onBytes ? { onBytes } : {}),
      ...(kernels ? { buffers: kernels.buffers() } : {}),
    });
  if (codec.type === "codes") {
    if (task.kind !== "codes") throw new Error(`task ${task.kind} on a code-table encoding`);
    return { kind: "codes", table: await countRange(codec, chunks(true), kernels) };
  }
  const firstElement = (task.start / codec.unitBytes) * codec.unitElements;
  switch (task.kind) {
    case "scan": {
      const scan = new FloatScan(task.distinctCap);
      await forEachDecoded(codec, chunks(true), firstElement, (values) => scanValues(scan, values, kernels));
      kernels?.flush();
      return { kind: "scan", state: scan.toState() };
    }
    case "grids": {
      const counts = task.grids.map((grid) => new Float64Array(grid.bins));
      await forEachDecoded(codec, chunks(false), firstElement, (values) => task.grids.forEach((grid, g) => binValues(values, counts[g]!, grid.scale, kernels)));
      return { kind: "grids", counts };
    }
    case "cuts": {
      const above = new Float64Array(task.cuts.cuts.length);
      await forEachDecoded(codec, chunks(false), firstElement, (values) => {
        if (!(values instanceof Float32Array)) throw new Error("cuts task on non-F32 values");
        if (kernels?.holds(values)) kernels.countAboveCuts(values, task.cuts, above);
        else countAboveCuts(values, task.cuts, above);
      });
      kernels?.flush();
      return { kind: "cuts", above };
    }
    case "refine": {
      const counts = new Float64Array(DIGIT_VALUES);
      await forEachDecoded(codec, chunks(false), firstElement, (values) => countNextDigit(values, task.prefix, counts));
      return { kind: "refine", counts };
    }
    case "scan-and-bin": {
      const scan = new FloatScan(task.distinctCap);
      const decoded: (Float32Array | Float64Array)[] = [];
      let chunkCount = 0;
      await forEachDecoded(codec, chunks(true), firstElement, (values) => {
        scanValues(scan, values, kernels);
        // The caller sends one chunk's worth; a copy is needed only if the range spans chunks
        // (the read buffers are reused).
        decoded.push(chunkCount++ === 0 ? values : values.slice());
      });
      if (decoded.length > 1) decoded[0] = decoded[0]!.slice();
      kernels?.flush();
      const summary = scan.summary();
      const state = scan.toState();
      const scale = task.normaliser.kind === "quantile" ? exactQuantileOf(decoded, task.normaliser.q) : summary.maxAbs;
      const grids = layerGrids(task.bins, scale, summary.top, task.normaliser.kind === "max").map((grid) => ({ ...grid, counts: new Float64Array(grid.bins) }));
      if (scale > 0) for (const values of decoded) for (const grid of grids) binValues(values, grid.counts, grid.scale, kernels);
      return { kind: "scan-and-bin", state, grids };
    }
    case "codes":
      throw new Error("codes task on a float encoding");
  }
}

async function countRange(codec: CodeCodec, chunks: AsyncGenerator<Uint8Array>, kernels: Kernels | undefined): Promise<Float64Array> {
  const total = newCodeTable(codec.bits);
  let partial: Uint32Array | undefined;
  for await (const chunk of chunks) {
    const codes = codec.codes(chunk);
    if (kernels?.holds(codes)) {
      if (codes instanceof Uint16Array) kernels.count16(codes, total);
      else kernels.count8(codes, total);
      continue;
    }
    partial ??= new Uint32Array(total.length);
    if (codes instanceof Uint16Array) countCodes16(codes, partial);
    else countCodes8(codes, partial);
    // A chunk holds < 2^32 codes, so the Uint32 partial never overflows before it is folded.
    foldCounts(total, partial);
  }
  kernels?.flush();
  return total;
}

async function forEachDecoded(codec: FloatCodec, chunks: AsyncGenerator<Uint8Array>, firstElement: number, visit: (values: Float32Array | Float64Array) => void): Promise<void> {
  let element = firstElement;
  for await (const chunk of chunks) {
    const values = codec.decode(chunk, element);
    element += values.length;
    visit(values);
  }
}

function scanValues(scan: FloatScan, values: Float32Array | Float64Array, kernels: Kernels | undefined): void {
  if (values instanceof Float32Array) scan.addFloat32Bits(new Uint32Array(values.buffer, values.byteOffset, values.length), kernels);
  else scan.addFloat64(values);
}

/** The exact Q-quantile of the finite |w| of a tensor held in memory (stats/layerHistograms.ts quantileRank). */
function exactQuantileOf(parts: readonly (Float32Array | Float64Array)[], q: number): number {
  const magnitudes: number[] = [];
  for (const values of parts) for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) magnitudes.push(Math.abs(values[i]!));
  if (magnitudes.length === 0) return 0;
  const sorted = Float64Array.from(magnitudes).sort();
  return sorted[quantileRank(q, sorted.length) - 1]!;
}

function binValues(values: Float32Array | Float64Array, counts: Float64Array, maxAbs: number, kernels: Kernels | undefined): void {
  if (values instanceof Float32Array && kernels?.holds(values)) kernels.bin32(values, counts, maxAbs);
  else binAny(values, counts, maxAbs);
}
