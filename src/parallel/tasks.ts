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
 * - `quant-count`: count the keys of checkpoint-quantised codes (quantTasks.ts); quantised tensors
 *   on the float path take `scan`/`refine`/`cuts`/`grids` with their codes decoded there too.
 * - `draw`, `moments`: the work of `jaynes init` (initTasks.ts), run by the same executors.
 */
import { createCodec, type CodeCodec } from "../decode/encodings.js";
import type { SourcePool } from "../io/byteSource.js";
import { type CrcPart, crc32 } from "../io/crc32.js";
import { readTensorChunks } from "../io/tensorChunks.js";
import { countCodes16, countCodes8, foldCounts, newCodeTable } from "../stats/codeTable.js";
import { acquireKernels, type Kernels } from "../stats/kernels.js";
import { kernelBins, readIntent, runFloatTask } from "./floatTasks.js";
import { runQuantizedTask } from "./quantTasks.js";
import type { AccumulateResult, AccumulateTask, HistogramTask } from "./taskTypes.js";
import { runInitTask } from "./initTasks.js";

export { type AccumulateResult, type AccumulateTask, type HistogramTask, transferables } from "./taskTypes.js";

/** Buffers a task hands over to the thread that runs it (zero-copy, reused by the caller afterwards). */
export function taskTransferables(task: AccumulateTask): ArrayBuffer[] {
  if (task.kind !== "draw") return [];
  const buffers: ArrayBufferLike[] = [];
  if (task.output) buffers.push(task.output);
  if (task.negative) buffers.push(task.negative.buffer);
  return [...new Set(buffers)].filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
}

/** Run one task on this thread, reading through `pool`; `signal` stops it at its next chunk. */
export async function runAccumulateTask(task: AccumulateTask, pool: SourcePool, onBytes?: (bytes: number) => void, signal?: AbortSignal): Promise<AccumulateResult> {
  if (task.kind === "draw" || task.kind === "moments") return runInitTask(task, pool, onBytes);
  if (task.data.encoding.kind === "quantized") return runQuantizedTask(task, pool, onBytes, signal);
  const kernels = acquireKernels(task.chunkBytes, kernelBins(task));
  try {
    return await runWith(task, pool, kernels, onBytes, signal);
  } finally {
    kernels?.release();
  }
}

async function runWith(task: HistogramTask, pool: SourcePool, kernels: Kernels | undefined, onBytes?: (bytes: number) => void, signal?: AbortSignal): Promise<AccumulateResult> {
  const codec = createCodec(task.data.encoding);
  // Chunks are read straight into kernel memory, where the WebAssembly loops count them in place.
  // A scan's bytes are read again by the bin pass: remote sources keep them in between.
  const intent = readIntent(task);
  // The CRC-32 of a stored zip member is taken in the first pass, on the raw bytes as they pass by
  // (TensorData.checksum; the accumulator combines the ranges' parts).
  const checksum = task.data.checksum !== undefined && task.data.compression === undefined && (task.kind === "codes" || task.kind === "scan" || task.kind === "scan-and-bin");
  const crc: CrcPart = { start: task.start, end: task.end, crc: 0 };
  async function* tapCrc(read: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of read) {
      crc.crc = crc32(chunk, crc.crc);
      yield chunk;
    }
  }
  const chunks = (report: boolean): AsyncGenerator<Uint8Array> => {
    const read = readTensorChunks(task.data, pool, {
      unitBytes: codec.unitBytes,
      chunkBytes: task.chunkBytes,
      start: task.start,
      end: task.end,
      intent,
      ...(report && onBytes ? { onBytes } : {}),
      ...(kernels ? { buffers: kernels.buffers() } : {}),
      ...(signal ? { signal } : {}),
    });
    return checksum ? tapCrc(read) : read;
  };
  let result: AccumulateResult;
  if (codec.type === "codes") {
    if (task.kind !== "codes") throw new Error(`task ${task.kind} on a code-table encoding`);
    result = { kind: "codes", table: await countRange(codec, chunks(true), kernels) };
  } else {
    result = await runFloatTask(task, codec, chunks, (task.start / codec.unitBytes) * codec.unitElements, kernels);
  }
  if (checksum && (result.kind === "codes" || result.kind === "scan" || result.kind === "scan-and-bin")) result.crc = crc;
  return result;
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

