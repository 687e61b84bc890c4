/**
 * Accumulation tasks over checkpoint-quantised tensors (src/decode/quant/): the task first reads the
 * side tensors its byte range needs (scales, zero points), then either counts keys (`quant-count`,
 * one pass, exact) or decodes the codes to float32 values for the float tasks (scan, refine, cuts,
 * grids, scan-and-bin), written straight into WebAssembly kernel memory so the float kernels read them in
 * place. Code chunks are cut so that their decoded values fill one kernel chunk.
 */
import type { FloatCodec } from "../decode/codec.js";
import type { QuantizedEncoding } from "../io/quantizedEncoding.js";
import type { SourcePool } from "../io/byteSource.js";
import { readTensorChunks } from "../io/tensorChunks.js";
import { prepareQuantDecoder } from "../decode/quant/index.js";
import { keyedCountsFromTable } from "../stats/keyedCounts.js";
import { acquireKernels } from "../stats/kernels.js";
import { kernelBins, readIntent, runFloatTask } from "./floatTasks.js";
import type { AccumulateResult, HistogramTask } from "./taskTypes.js";

/** Bytes of codes per chunk whose decoded float32 values take `decodedBytes`. */
export function codeChunkBytes(decodedBytes: number, unitBytes: number, unitElements: number): number {
  return Math.max(unitBytes, Math.floor(decodedBytes / (4 * unitElements)) * unitBytes);
}

/** Run a task over quantised storage: count its codes by key, or decode them for the float passes. */
export async function runQuantizedTask(task: HistogramTask, pool: SourcePool, onBytes?: (bytes: number) => void, signal?: AbortSignal): Promise<AccumulateResult> {
  const encoding = task.data.encoding as QuantizedEncoding;
  const decoder = await prepareQuantDecoder(encoding, pool, task.start, task.end);
  const { unitBytes, unitElements } = decoder;
  if (task.kind === "quant-count") {
    const count = decoder.count;
    if (!count) throw new Error(`${encoding.scheme} storage is not counted by keys`);
    const table = new Uint32Array(decoder.keyEnd - decoder.keyStart);
    let unit = task.start / unitBytes;
    // The kernels' chunk buffers are reused by every task on this thread (no allocation per task).
    const kernels = acquireKernels(task.chunkBytes, 0);
    try {
      const chunks = readTensorChunks(task.data, pool, { unitBytes, chunkBytes: task.chunkBytes, start: task.start, end: task.end, intent: "once", ...(onBytes ? { onBytes } : {}), ...(kernels ? { buffers: kernels.buffers() } : {}), ...(signal ? { signal } : {}) });
      for await (const chunk of chunks) {
        count(chunk, unit, table, kernels);
        unit += chunk.length / unitBytes;
      }
    } finally {
      kernels?.release();
    }
    return { kind: "quant-count", ...keyedCountsFromTable(table, decoder.keyStart, decoder.value, decoder.keySegments) };
  }
  if (task.kind === "codes") throw new Error("codes task on quantised storage");
  const kernels = acquireKernels(task.chunkBytes, kernelBins(task));
  try {
    const target = kernels ? new Float32Array(kernels.buffers()[0].buffer, kernels.buffers()[0].byteOffset, task.chunkBytes >>> 2) : new Float32Array(task.chunkBytes >>> 2);
    const codec: FloatCodec = {
      type: "floats",
      unitBytes,
      unitElements,
      decode: (bytes, firstElement) => target.subarray(0, decoder.decode(bytes, firstElement / unitElements, target)),
    };
    const intent = readIntent(task);
    const chunks = (report: boolean): AsyncGenerator<Uint8Array> =>
      readTensorChunks(task.data, pool, {
        unitBytes,
        chunkBytes: codeChunkBytes(task.chunkBytes, unitBytes, unitElements),
        start: task.start,
        end: task.end,
        intent,
        ...(report && onBytes ? { onBytes } : {}),
        ...(signal ? { signal } : {}),
      });
    return await runFloatTask(task, codec, chunks, (task.start / unitBytes) * unitElements, kernels);
  } finally {
    kernels?.release();
  }
}
