/**
 * Reader → values at chosen flat indices, without reading the whole tensor where the encoding allows.
 *
 * An encoding is *element-addressable* when every element is its own unit (plain floats, ≤ 16-bit
 * codes, per-tensor affine quantisation): element i sits at bytes [i·u, (i+1)·u) of the tensor's
 * concatenated ranges. The sorted indices are then grouped into small windows — a new window starts
 * when the next element is more than `gapBytes` (a page) past the current one or would make the window
 * longer than `windowBytes` — and each window is one positioned read, decoded by the encoding's codec.
 * K indices in a large tensor cost about K page reads instead of the whole tensor; indices close
 * together share a read. Encodings whose units hold several elements (block quantisation) fall back to
 * streaming the tensor once and picking the elements as their chunks pass.
 */
import { InputError } from "../errors.js";
import { createCodec, type Codec } from "../decode/encodings.js";
import type { TensorData } from "../io/tensorData.js";
import type { SourcePool } from "../io/byteSource.js";
import { DEFAULT_CHUNK_BYTES, readSpan } from "../io/chunks.js";
import { isSequentialData, readTensorChunks } from "../io/tensorChunks.js";

/** How `readElements` groups its reads. */
export interface ReadElementsOptions {
  /** Elements at most this many bytes apart share one read (default 4096, a page). */
  gapBytes?: number;
  /** Upper bound on one windowed read (default 64 KiB). */
  windowBytes?: number;
  /** Windowed reads in flight at once (default 8). */
  concurrency?: number;
  /** Chunk size when the encoding is not element-addressable and the tensor is streamed. */
  chunkBytes?: number;
  /** Called with the number of bytes of each read. */
  onBytes?: (bytes: number) => void;
  /**
   * `stream` reads the whole tensor once even when the encoding is element-addressable: the better
   * choice when most elements are wanted, or when each read is a costly round trip (remote sources).
   */
  strategy?: "windows" | "stream";
}

export const DEFAULT_GAP_BYTES = 4096;
export const DEFAULT_WINDOW_BYTES = 64 * 1024;

/** Bytes per element when every element is its own unit, else undefined. */
export function elementBytes(codec: Codec): number | undefined {
  if (codec.type === "codes") return codec.unitBytes;
  return codec.unitElements === 1 ? codec.unitBytes : undefined;
}

interface Window {
  /** Positions (into the sorted order) of the first and one-past-last element the window serves. */
  first: number;
  last: number;
  /** First element index the window's bytes start at. */
  startElement: number;
  elements: number;
}

/** Group sorted element indices into windows of nearby elements (see the module comment). */
export function planWindows(sorted: ArrayLike<number>, bytesPerElement: number, gapBytes: number, windowBytes: number): Window[] {
  const windows: Window[] = [];
  const maxElements = Math.max(1, Math.floor(windowBytes / bytesPerElement));
  const maxGap = Math.max(0, Math.floor(gapBytes / bytesPerElement));
  let position = 0;
  while (position < sorted.length) {
    const startElement = sorted[position]!;
    let end = position + 1;
    while (end < sorted.length) {
      const next = sorted[end]!;
      if (next - sorted[end - 1]! - 1 > maxGap || next - startElement + 1 > maxElements) break;
      end++;
    }
    windows.push({ first: position, last: end, startElement, elements: sorted[end - 1]! - startElement + 1 });
    position = end;
  }
  return windows;
}

function decodeInto(codec: Codec, bytes: Uint8Array, startElement: number, sorted: ArrayLike<number>, from: number, to: number, out: Float64Array): void {
  if (codec.type === "codes") {
    const codes = codec.codes(bytes);
    for (let j = from; j < to; j++) out[j] = codec.levels[codes[sorted[j]! - startElement]!]!;
    return;
  }
  const values = codec.decode(bytes, startElement);
  for (let j = from; j < to; j++) out[j] = values[sorted[j]! - startElement]!;
}

/**
 * The values of `data` at the given flat indices (any order, distinct or not), as float64 in the
 * order of `indices`.
 */
export async function readElements(data: TensorData, pool: SourcePool, indices: ArrayLike<number>, options: ReadElementsOptions = {}): Promise<Float64Array> {
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (!Number.isInteger(index) || index < 0 || index >= data.elements) throw new RangeError(`element index ${index} is outside the tensor (0..${data.elements - 1})`);
  }
  if (data.encoding.kind === "quantized") {
    throw new InputError("unsupported-dtype", data.ranges[0]?.source ?? "", `${data.encoding.scheme} quantised storage: tracking single elements of quantised checkpoints is not supported`);
  }
  const order = Array.from({ length: indices.length }, (_, i) => i).sort((a, b) => indices[a]! - indices[b]!);
  const sorted = Float64Array.from(order, (i) => indices[i]!);
  const values = new Float64Array(sorted.length);
  if (sorted.length > 0) {
    const codec = createCodec(data.encoding);
    const size = elementBytes(codec);
    if (size !== undefined && options.strategy !== "stream" && !isSequentialData(data)) await readWindows(codec, size, data, pool, sorted, values, options);
    else await readStreaming(codec, data, pool, sorted, values, options);
  }
  const out = new Float64Array(indices.length);
  for (let j = 0; j < order.length; j++) out[order[j]!] = values[j]!;
  return out;
}

async function readWindows(codec: Codec, size: number, data: TensorData, pool: SourcePool, sorted: Float64Array, out: Float64Array, options: ReadElementsOptions): Promise<void> {
  const windows = planWindows(sorted, size, options.gapBytes ?? DEFAULT_GAP_BYTES, options.windowBytes ?? DEFAULT_WINDOW_BYTES);
  const concurrency = Math.max(1, options.concurrency ?? 8);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < windows.length) {
      const window = windows[next++]!;
      const bytes = new Uint8Array(window.elements * size);
      await readSpan(data.ranges, pool, window.startElement * size, bytes);
      options.onBytes?.(bytes.length);
      decodeInto(codec, bytes, window.startElement, sorted, window.first, window.last, out);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, windows.length) }, worker));
}

async function readStreaming(codec: Codec, data: TensorData, pool: SourcePool, sorted: Float64Array, out: Float64Array, options: ReadElementsOptions): Promise<void> {
  let element = 0;
  let j = 0;
  const chunks = readTensorChunks(data, pool, { unitBytes: codec.unitBytes, chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES, ...(options.onBytes ? { onBytes: options.onBytes } : {}) });
  for await (const chunk of chunks) {
    if (codec.type === "codes") {
      // Not reached today (every codes codec is element-addressable); kept so the fallback is total.
      const codes = codec.codes(chunk);
      const end = element + codes.length;
      for (; j < sorted.length && sorted[j]! < end; j++) out[j] = codec.levels[codes[sorted[j]! - element]!]!;
      element = end;
    } else {
      const values = codec.decode(chunk, element);
      const end = element + values.length;
      for (; j < sorted.length && sorted[j]! < end; j++) out[j] = values[sorted[j]! - element]!;
      element = end;
    }
    if (j >= sorted.length) break;
  }
}
