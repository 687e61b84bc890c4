/**
 * Repeated storage and bit-identical tensors (METHOD §7.5): a model is summarised over distinct
 * tensors, so the same weights stored twice (silero_vad: every weight in both branches of an `If`)
 * or referenced many times (a torch.save storage shared by many records) count once.
 *
 * - Aliases, before reading: records with the same data descriptor (`TensorData`: the same byte
 *   ranges of the same sources, encoding and compression) are the same values; only the first is
 *   read and analysed.
 * - Bit-identical copies, after reading, exactly and cheaply: two tensors can only be identical if
 *   their exact accumulated statistics agree (dtype, element count, every grid's counts, the top
 *   order statistics, the fine table, the log-moments), compared through a 64-bit digest of them;
 *   only then are their first 64 KiB digested, and where those agree too their stored bytes are
 *   compared in full. Distinct tensors almost never share their statistics, so this costs nothing
 *   in practice (tensors that do — synthetic copies of one value pool — cost 64 KiB each), and a
 *   digest collision can only cause a comparison, never a false duplicate.
 */
import type { TensorData } from "../io/tensorData.js";
import type { SourcePool } from "../io/byteSource.js";
import { readTensorChunks } from "../io/tensorChunks.js";
import type { LayerStatistics } from "../stats/layerHistograms.js";

/** Identity of a tensor's storage: equal keys read the same bytes the same way. */
export function storageKey(data: TensorData): string {
  return JSON.stringify(data);
}

/** Two FNV-1a-style 32-bit hashes (different offsets) over the 32-bit words (and trailing bytes) of the parts. */
function digest(parts: readonly (ArrayBufferView | string)[]): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  const feed = (word: number): void => {
    h1 = Math.imul(h1 ^ word, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ word, 0x01000193) >>> 0;
    h2 = ((h2 << 5) | (h2 >>> 27)) >>> 0;
  };
  for (const part of parts) {
    if (typeof part === "string") for (let i = 0; i < part.length; i++) feed(part.charCodeAt(i) & 0xff);
    else {
      // Whole 32-bit words where the view allows, then the remaining bytes.
      const words = part.byteOffset % 4 === 0 ? new Uint32Array(part.buffer, part.byteOffset, part.byteLength >>> 2) : new Uint32Array(0);
      for (let i = 0; i < words.length; i++) feed(words[i]!);
      const bytes = new Uint8Array(part.buffer, part.byteOffset + 4 * words.length, part.byteLength - 4 * words.length);
      for (let i = 0; i < bytes.length; i++) feed(bytes[i]!);
    }
  }
  return `${h1.toString(16)}:${h2.toString(16)}`;
}

/** A digest of everything the accumulation computed exactly about a tensor's values. */
export function statisticsDigest(dtype: string, params: number, stats: LayerStatistics): string {
  const scalars = Float64Array.from([params, stats.finite, stats.zeros, stats.nan, stats.infinite, stats.maxAbs, stats.distinct, stats.logCount, stats.logSum, stats.logSumSq, ...stats.top]);
  const parts: (ArrayBufferView | string)[] = [dtype, scalars, ...stats.grids.map((grid) => grid.counts)];
  if (stats.fine) parts.push(stats.fine.counts);
  return digest(parts);
}

/** Bytes of a tensor's start that tell most different tensors apart before a full comparison. */
export const PREFIX_BYTES = 64 * 1024;

/** A digest of the first PREFIX_BYTES stored bytes (or all, when fewer). */
export async function prefixDigest(data: TensorData, pool: SourcePool, unitBytes: number): Promise<string> {
  const total = Math.min(PREFIX_BYTES - (PREFIX_BYTES % unitBytes), data.compression ? data.compression.bytes : data.ranges.reduce((sum, range) => sum + range.length, 0));
  const parts: Uint8Array[] = [];
  for await (const chunk of readTensorChunks(data, pool, { unitBytes, chunkBytes: Math.max(unitBytes, total), start: 0, end: total, intent: "once" })) parts.push(chunk.slice());
  return `${JSON.stringify(data.encoding)}|${digest(parts)}`;
}

/** True when the two tensors' stored bytes are equal (read in full, in chunks). */
export async function sameBytes(a: TensorData, b: TensorData, pool: SourcePool, unitBytes: number): Promise<boolean> {
  if (JSON.stringify(a.encoding) !== JSON.stringify(b.encoding) || a.elements !== b.elements) return false;
  const left = readTensorChunks(a, pool, { unitBytes, chunkBytes: 1 << 22, intent: "once" });
  const right = readTensorChunks(b, pool, { unitBytes, chunkBytes: 1 << 22, intent: "once" });
  let pending = new Uint8Array(0);
  for await (const chunk of left) {
    let offset = 0;
    const copy = chunk.slice();
    while (offset < copy.length) {
      if (pending.length === 0) {
        const next = await right.next();
        if (next.done) return false;
        pending = next.value.slice();
      }
      const n = Math.min(pending.length, copy.length - offset);
      for (let i = 0; i < n; i++) if (copy[offset + i] !== pending[i]) return false;
      offset += n;
      pending = pending.subarray(n);
    }
  }
  if (pending.length > 0) return false;
  return (await right.next()).done === true;
}
