/**
 * A tensor's bytes as whole-unit chunks, whatever its storage: plain ranges are streamed by
 * `readChunks` (positioned reads with read-ahead); a compressed tensor (`TensorData.compression`) is
 * inflated on the fly and cut into the same whole-unit chunks. Offsets (`start`, `end`) are in the
 * tensor's own bytes — the inflated ones for a compressed tensor — so callers never see the difference.
 */
import type { TensorData } from "./tensorData.js";
import type { SourcePool } from "./byteSource.js";
import { type ChunkOptions, DEFAULT_CHUNK_BYTES, readChunks, totalBytes } from "./chunks.js";
import { inflateSpan } from "./inflate.js";

/** Where a tensor's bytes are: all the streaming layer needs of a TensorData. */
export type StoredBytes = Pick<TensorData, "ranges" | "compression">;

/** Bytes of the tensor's own (decoded-from) stream: the inflated bytes when it is compressed. */
export function tensorBytes(data: StoredBytes): number {
  return data.compression ? data.compression.bytes : totalBytes(data.ranges);
}

/** Whether the stream must be read from its start in one pass (a compressed tensor is). */
export function isSequentialData(data: StoredBytes): boolean {
  return data.compression !== undefined;
}

export function readTensorChunks(data: StoredBytes, pool: SourcePool, options: ChunkOptions): AsyncGenerator<Uint8Array> {
  return data.compression ? readInflatedChunks(data, pool, options) : readChunks(data.ranges, pool, options);
}

async function* readInflatedChunks(data: StoredBytes, pool: SourcePool, options: ChunkOptions): AsyncGenerator<Uint8Array> {
  const compression = data.compression!;
  const unit = options.unitBytes;
  const start = options.start ?? 0;
  const end = options.end ?? compression.bytes;
  if (end <= start) return;
  const requested = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const size = Math.min(Math.max(unit, requested - (requested % unit)), end - start);
  const given = options.buffers?.[0];
  const buffer = given && given.length >= size ? given.subarray(0, size) : new Uint8Array(size);
  let filled = 0;
  const pieces = inflateSpan(
    { ranges: data.ranges, compression, from: compression.start + start, to: compression.start + end, ...(options.intent ? { intent: options.intent } : {}) },
    pool,
  );
  for await (let piece of pieces) {
    options.signal?.throwIfAborted();
    while (piece.length > 0) {
      const take = Math.min(piece.length, size - filled);
      buffer.set(piece.subarray(0, take), filled);
      filled += take;
      piece = piece.subarray(take);
      if (filled === size) {
        options.onBytes?.(filled);
        yield buffer;
        filled = 0;
      }
    }
  }
  if (filled > 0) {
    options.onBytes?.(filled);
    yield buffer.subarray(0, filled);
  }
}
