/**
 * Streaming inflate of a raw deflate stream (RFC 1951, the data of a zip member with method 8) read
 * through positioned reads: compressed chunks go through node:zlib's InflateRaw with stream
 * back-pressure, so memory stays at a few chunks however large the member is — nothing is ever
 * inflated whole into memory.
 *
 * The declared inflated size is the bound (zip-bomb guard): inflation stops as soon as the wanted
 * bytes are out, and a stream that inflates past its declared size — detected when the caller reads
 * to the end — or ends before it is an InputError, never a hang or an unbounded allocation.
 */
import { Readable, pipeline } from "node:stream";
import { createInflateRaw } from "node:zlib";
import { InputError } from "../errors.js";
import type { ByteRange, DeflateCompression } from "./tensorData.js";
import type { ReadIntent, SourcePool } from "./byteSource.js";
import { readChunks } from "./chunks.js";
import { assertMemberCrc, crc32 } from "./crc32.js";

/** Compressed bytes read per positioned read. */
const COMPRESSED_CHUNK_BYTES = 1024 * 1024;
/** Inflated bytes zlib produces per output piece (its internal window stays 32 KiB). */
const INFLATE_CHUNK_BYTES = 256 * 1024;

export interface InflateSpan {
  /** Compressed bytes: the concatenation of these ranges is one raw deflate stream. */
  ranges: readonly ByteRange[];
  compression: Pick<DeflateCompression, "inflatedBytes" | "file" | "member"> & { crc32?: number | undefined };
  /** Wanted span of the inflated stream. */
  from: number;
  to: number;
  intent?: ReadIntent;
}

/**
 * Yield the inflated bytes [from, to) in pieces (views valid until the next iteration). Bytes before
 * `from` are inflated and dropped: a deflate stream cannot be entered in the middle.
 */
export async function* inflateSpan(span: InflateSpan, pool: SourcePool): AsyncGenerator<Uint8Array> {
  const { inflatedBytes, file, member } = span.compression;
  if (span.to > inflatedBytes) throw new RangeError(`span ends at ${span.to}, past the ${inflatedBytes} inflated bytes`);
  if (span.to <= span.from) return;
  const compressed = readChunks(span.ranges, pool, { unitBytes: 1, chunkBytes: COMPRESSED_CHUNK_BYTES, ...(span.intent ? { intent: span.intent } : {}) });
  // readChunks reuses its buffers; zlib may still hold a chunk when the next is read, so copy.
  const copies = async function* (): AsyncGenerator<Buffer> {
    for await (const chunk of compressed) yield Buffer.from(chunk);
  };
  const inflater = createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES });
  // Errors reach the consumer through the inflater's iterator; the callback only silences them.
  pipeline(Readable.from(copies(), { objectMode: false }), inflater, () => undefined);
  // Reading to the end of the stream checks that nothing follows the declared size, and the CRC-32.
  const toEnd = span.to === inflatedBytes;
  const checkCrc = toEnd && span.compression.crc32 !== undefined;
  let crc = 0;
  let position = 0;
  try {
    for await (const piece of inflater as AsyncIterable<Buffer>) {
      const pieceEnd = position + piece.length;
      if (pieceEnd > inflatedBytes) {
        throw new InputError("limit", file, `member ${JSON.stringify(member)} inflates to more than the ${inflatedBytes} bytes its zip entry declares (zip bomb?)`);
      }
      if (checkCrc) crc = crc32(piece, crc);
      const lo = Math.max(position, span.from);
      const hi = Math.min(pieceEnd, span.to);
      if (lo < hi) yield piece.subarray(lo - position, hi - position);
      position = pieceEnd;
      if (position >= span.to && !toEnd) return;
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError("malformed", file, `member ${JSON.stringify(member)}: deflate data is corrupt (${reason})`);
  } finally {
    inflater.destroy();
  }
  if (position < inflatedBytes) {
    throw new InputError("truncated", file, `member ${JSON.stringify(member)} inflates to ${position} bytes but its zip entry declares ${inflatedBytes}`);
  }
  if (checkCrc) assertMemberCrc(file, member, span.compression.crc32!, crc);
}

/** The inflated bytes [from, to) in one buffer (for headers and small members: the caller bounds the size). */
export async function inflateToBuffer(span: InflateSpan, pool: SourcePool): Promise<Uint8Array> {
  const out = new Uint8Array(span.to - span.from);
  let filled = 0;
  for await (const piece of inflateSpan(span, pool)) {
    out.set(piece, filled);
    filled += piece.length;
  }
  return out;
}
