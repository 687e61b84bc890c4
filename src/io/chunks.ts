/**
 * Streams a tensor's bytes in chunks of whole units through two reused buffers: while the caller
 * processes one chunk, the next is already being read (fs reads run on libuv's thread pool, so I/O
 * overlaps the accumulation even on the main thread). Memory is 2 × chunk size whatever the tensor.
 *
 * A tensor's bytes are the concatenation of its ranges (TF.js tensors can cross shard files); a chunk
 * may span ranges, each piece read into its place in the buffer.
 */
import type { ByteRange } from "./tensorData.js";
import type { ReadIntent, SourcePool } from "./byteSource.js";
import { throwIfInputAborted } from "./inputSignal.js";

export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;

export interface ChunkOptions {
  /** Upper bound on a chunk, rounded down to whole units. */
  chunkBytes?: number;
  unitBytes: number;
  /** Sub-range of the concatenated stream, in bytes (multiples of unitBytes); default: all of it. */
  start?: number;
  end?: number;
  /** Called with the bytes of each chunk once it has been read (progress reporting). */
  onBytes?: (bytes: number) => void;
  /** Two caller-owned read buffers of at least `chunkBytes` each (e.g. in WebAssembly memory). */
  buffers?: [Uint8Array, Uint8Array];
  /** Passed to every read: whether these bytes will be read again (see ByteSource). */
  intent?: ReadIntent;
  /** Stop before the next read once this is aborted (the reason is thrown). */
  signal?: AbortSignal;
}

export function totalBytes(ranges: readonly ByteRange[]): number {
  return ranges.reduce((sum, range) => sum + range.length, 0);
}

/**
 * Fill `target` with the bytes at [from, from + target.length) of the concatenated ranges: one
 * positioned read per range the span touches, all in flight at once.
 */
export async function readSpan(ranges: readonly ByteRange[], pool: SourcePool, from: number, target: Uint8Array, intent?: ReadIntent): Promise<void> {
  const length = target.length;
  const reads: Promise<void>[] = [];
  let rangeStart = 0;
  for (const range of ranges) {
    const rangeEnd = rangeStart + range.length;
    const lo = Math.max(from, rangeStart);
    const hi = Math.min(from + length, rangeEnd);
    if (lo < hi) {
      const piece = target.subarray(lo - from, hi - from);
      const position = range.offset + (lo - rangeStart);
      reads.push(pool.get(range.source).then((source) => source.readExact(piece, position, intent)));
    }
    rangeStart = rangeEnd;
    if (rangeStart >= from + length) break;
  }
  await Promise.all(reads);
}

/**
 * Yield views of whole-unit chunks. A yielded view is valid only until the next iteration: the buffer
 * is reused.
 */
export async function* readChunks(ranges: readonly ByteRange[], pool: SourcePool, options: ChunkOptions): AsyncGenerator<Uint8Array> {
  const unit = options.unitBytes;
  const start = options.start ?? 0;
  const end = options.end ?? totalBytes(ranges);
  if (end <= start) return;
  const requested = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const chunk = Math.max(unit, requested - (requested % unit));
  const size = Math.min(chunk, end - start);
  const given = options.buffers;
  const buffers = given && given[0].length >= size && given[1].length >= size ? [given[0].subarray(0, size), given[1].subarray(0, size)] : [new Uint8Array(size), new Uint8Array(size)];
  let turn = 0;

  const fill = async (target: Uint8Array, from: number, length: number): Promise<Uint8Array> => {
    const view = target.subarray(0, length);
    await readSpan(ranges, pool, from, view, options.intent);
    return view;
  };

  let position = start;
  options.signal?.throwIfAborted();
  let pending = fill(buffers[turn]!, position, Math.min(size, end - position));
  while (position < end) {
    const length = Math.min(size, end - position);
    const current = await pending;
    // An input out of time (--timeout) stops here, between chunks.
    throwIfInputAborted();
    position += length;
    turn ^= 1;
    options.signal?.throwIfAborted();
    if (position < end) {
      pending = fill(buffers[turn]!, position, Math.min(size, end - position));
      // Surface a read error when it is awaited, not as an unhandled rejection meanwhile.
      pending.catch(() => undefined);
    }
    options.onBytes?.(length);
    yield current;
  }
}
