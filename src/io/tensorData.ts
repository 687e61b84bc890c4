/**
 * Where a tensor's bytes are: byte ranges of named sources, optionally a deflate stream, and the
 * encoding that turns them into values. Plain data, so a tensor can be handed to a worker thread as a
 * message; readers (src/formats) produce it, the streaming layer (io/tensorChunks.ts) reads it.
 */
import type { Encoding } from "./encoding.js";

/** A contiguous byte range of one source (a local path, or a URL for remote sources). */
export interface ByteRange {
  source: string;
  offset: number;
  length: number;
}

/**
 * The ranges hold a raw deflate stream (a zip member's data) instead of the tensor's bytes: the
 * tensor's bytes are [start, start + bytes) of what it inflates to. A deflate stream decodes only
 * from its start, so such a tensor is streamed in one pass and never split into parallel ranges.
 * `inflatedBytes` (the zip entry's declared size) bounds the inflation: a stream that inflates to
 * more (a zip bomb with a lying header) or less is an error, never read further.
 */
export interface DeflateCompression {
  method: "deflate-raw";
  inflatedBytes: number;
  start: number;
  bytes: number;
  /** For error messages: the archive and the member inside it. */
  file: string;
  member: string;
  /** The zip entry's CRC-32 of the inflated content, checked whenever the stream is inflated to its end. */
  crc32?: number;
}

/**
 * A stored zip member whose content is [prefix][the tensor's bytes], the tensor reaching the member's
 * end: the CRC-32 of the prefix (computed by the reader, which read it as a header) combined with the
 * CRC-32 of the tensor's bytes (computed as they stream by, in the first pass) must equal the entry's.
 */
export interface MemberChecksum {
  crc32: number;
  prefixBytes: number;
  prefixCrc32: number;
  file: string;
  member: string;
}

/** Where a tensor's bytes live and how to read them: the ranges are concatenated in order. */
export interface TensorData {
  ranges: ByteRange[];
  encoding: Encoding;
  /** Number of elements the ranges decode to (= product of shape). */
  elements: number;
  /** Set when the ranges are compressed (see DeflateCompression). */
  compression?: DeflateCompression;
  /** Set when the bytes end a stored zip member whose CRC-32 is to be checked (see MemberChecksum). */
  checksum?: MemberChecksum;
}
