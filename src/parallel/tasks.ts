/**
 * Units of accumulation work: a byte range of one tensor and what to compute over it. Tasks and
 * results are plain data, so the same `runAccumulateTask` runs inline on the main thread or on a
 * worker thread (parallel/pool.ts), and partial results merge exactly (stats/: mergeable
 * accumulators).
 *
 * - `codes`: count ≤ 16-bit codes (one pass is the whole job).
 * - `scan`: pass 1 over floats (max|w|, counts, log-moments, distinct).
 * - `bin`: pass 2 over floats, given the layer's max|w|.
 * - `scan-and-bin`: a tensor that fits in one chunk: read once, both passes in memory.
 */
import { createCodec, type CodeCodec, type FloatCodec } from "../decode/encodings.js";
import type { TensorData } from "../io/tensorData.js";
import type { SourcePool } from "../io/byteSource.js";
import { type CrcPart, crc32 } from "../io/crc32.js";
import { readTensorChunks } from "../io/tensorChunks.js";
import { type BucketSplits, binValues as binAny, countAbove32 } from "../stats/binning.js";
import { countCodes16, countCodes8, foldCounts, newCodeTable } from "../stats/codeTable.js";
import { FloatScan, type FloatScanState } from "../stats/floatScan.js";
import { acquireKernels, type Kernels } from "../stats/kernels.js";

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
  /** Pass 2 over floats: every value into bins (`bin`), or, for F32 counted per bucket in pass 1,
   * only the count of values at or above each bucket's split (`above`, see binning.ts). */
  | ({ kind: "bin"; bins: number; maxAbs: number } & RangeTask)
  | ({ kind: "above"; splits: BucketSplits } & RangeTask)
  | ({ kind: "scan-and-bin"; bins: number; distinctCap: number } & RangeTask);

/**
 * First-pass results carry the CRC-32 of the bytes they read when the tensor's data asks for a
 * checksum (a stored zip member, `TensorData.checksum`): the parts are combined by the accumulator.
 */
export type AccumulateResult =
  | { kind: "codes"; table: Float64Array; crc?: CrcPart }
  | { kind: "scan"; state: FloatScanState; crc?: CrcPart }
  | { kind: "bin"; counts: Float64Array }
  | { kind: "above"; above: Float64Array }
  | { kind: "scan-and-bin"; state: FloatScanState; counts: Float64Array; crc?: CrcPart };

/** Buffers a result owns, for transfer (zero-copy) between threads. */
export function transferables(result: AccumulateResult): ArrayBuffer[] {
  const buffers: ArrayBufferLike[] = [];
  if ("table" in result) buffers.push(result.table.buffer);
  if ("counts" in result) buffers.push(result.counts.buffer);
  if ("above" in result) buffers.push(result.above.buffer);
  if ("state" in result) {
    if (result.state.buckets) buffers.push(result.state.buckets.buffer);
    if (result.state.distinctKeys) buffers.push(result.state.distinctKeys.buffer);
    if (result.state.distinct64) buffers.push(result.state.distinct64.buffer);
  }
  return [...new Set(buffers)].filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
}

export async function runAccumulateTask(task: AccumulateTask, pool: SourcePool, onBytes?: (bytes: number) => void): Promise<AccumulateResult> {
  const kernels = acquireKernels(task.chunkBytes, "bins" in task ? task.bins : 0);
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
  const intent = task.kind === "scan" ? "again" : task.kind === "bin" || task.kind === "above" ? "last" : "once";
  // The CRC of a stored zip member is taken in the first pass, on the raw bytes as they pass by.
  const checksum = task.data.checksum !== undefined && task.data.compression === undefined && task.kind !== "bin" && task.kind !== "above";
  const crc: CrcPart = { start: task.start, end: task.end, crc: 0 };
  const withCrc = checksum ? { crc } : {};
  async function* tapCrc(chunks: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
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
    });
    return checksum ? tapCrc(read) : read;
  };
  if (codec.type === "codes") {
    if (task.kind !== "codes") throw new Error(`task ${task.kind} on a code-table encoding`);
    const table = await countRange(codec, chunks(true), kernels);
    return { kind: "codes", table, ...withCrc };
  }
  const firstElement = (task.start / codec.unitBytes) * codec.unitElements;
  switch (task.kind) {
    case "scan": {
      const scan = new FloatScan(task.distinctCap);
      await forEachDecoded(codec, chunks(true), firstElement, (values) => scanValues(scan, values, kernels));
      kernels?.flush();
      return { kind: "scan", state: scan.toState(), ...withCrc };
    }
    case "bin": {
      const counts = new Float64Array(task.bins);
      await forEachDecoded(codec, chunks(false), firstElement, (values) => binValues(values, counts, task.maxAbs, kernels));
      return { kind: "bin", counts };
    }
    case "above": {
      const above = new Float64Array(task.splits.thresholds.length);
      await forEachDecoded(codec, chunks(false), firstElement, (values) => {
        if (!(values instanceof Float32Array)) throw new Error("above task on non-F32 values");
        if (kernels?.holds(values)) kernels.countAbove32(values, task.splits, above);
        else countAbove32(values, task.splits, above);
      });
      kernels?.flush();
      return { kind: "above", above };
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
      const maxAbs = scan.summary().maxAbs;
      const state = scan.toState();
      const counts = new Float64Array(task.bins);
      if (maxAbs > 0) for (const values of decoded) binValues(values, counts, maxAbs, kernels);
      return { kind: "scan-and-bin", state, counts, ...withCrc };
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

function binValues(values: Float32Array | Float64Array, counts: Float64Array, maxAbs: number, kernels: Kernels | undefined): void {
  if (values instanceof Float32Array && kernels?.holds(values)) kernels.bin32(values, counts, maxAbs);
  else binAny(values, counts, maxAbs);
}
