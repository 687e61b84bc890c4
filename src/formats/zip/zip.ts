/**
 * Zip archives read through positioned reads (PKWARE APPNOTE.TXT 6.3: end of central directory
 * record §4.3.16, zip64 end record and locator §4.3.14–15, central directory headers §4.3.12, local
 * file headers §4.3.7, zip64 extended information extra field §4.5.3). Only the end record, the
 * central directory and the local header of a member are read; member data is described as byte
 * ranges (stored members) or as a deflate stream with its declared size (`TensorData.compression`),
 * so NumPy .npz, PyTorch .pt/.bin and .keras archives of any size stream like plain files.
 *
 * Every length read from the archive is bounded before anything is allocated; a member whose data
 * would lie outside the file, overlap the central directory or the next member, whose local header
 * names another member, or whose name repeats is an InputError (as Python's zipfile refuses them).
 * CRC-32s are checked as the data streams by: a member read whole (pickles, small JSON), a deflated
 * member inflated to its end (io/inflate.ts), a stored member whose tail a tensor covers
 * (`TensorData.checksum`, combined from the parallel reads: parallel/tasks.ts, analysis/accumulate.ts).
 */
import { InputError } from "../../errors.js";
import { type ByteSource, type SourcePool, readU64 } from "../../io/byteSource.js";
import { assertMemberCrc, crc32 } from "../../io/crc32.js";
import { inflateToBuffer } from "../../io/inflate.js";
import type { ByteRange, DeflateCompression, MemberChecksum, TensorData } from "../../io/tensorData.js";
import { checkTensorCount } from "../bounds.js";

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_RECORD = 0x06054b50;
const ZIP64_END_RECORD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const END_RECORD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;

/** A central directory larger than this is refused (≈ 1 million members with short names). */
export const MAX_CENTRAL_DIRECTORY_BYTES = 64 * 1024 * 1024;

export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate; anything else is not readable here. */
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  /** The CRC-32 the central directory declares for the content. */
  crc32: number;
  /** Where the next member's local header (or the central directory) starts: this member's data ends before. */
  limit: number;
}

export interface ZipArchive {
  file: string;
  fileSize: number;
  entries: ZipEntry[];
  byName: Map<string, ZipEntry>;
}

/** True when the first bytes are a local file header (or the end record of an empty archive). */
export function looksLikeZip(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  const signature = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0, true);
  return signature === LOCAL_HEADER || signature === END_RECORD;
}

const u64 = (view: DataView, at: number): number | undefined => readU64(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), at);

async function readAt(source: ByteSource, position: number, length: number): Promise<DataView> {
  const bytes = new Uint8Array(length);
  await source.readExact(bytes, position);
  return new DataView(bytes.buffer);
}

/** Locate and parse the end record (zip64 when present): where the central directory is. */
async function readEndRecord(source: ByteSource): Promise<{ entries: number; directoryOffset: number; directoryBytes: number }> {
  const file = source.name;
  if (source.size < END_RECORD_BYTES) throw new InputError("truncated", file, `is ${source.size} bytes, too short for a zip archive's end record`);
  const tailLength = Math.min(source.size, END_RECORD_BYTES + MAX_COMMENT_BYTES);
  const tailStart = source.size - tailLength;
  const tail = await readAt(source, tailStart, tailLength);
  let at = -1;
  // The record is followed only by its comment: search backwards for a signature whose comment fits.
  for (let i = tailLength - END_RECORD_BYTES; i >= 0; i--) {
    if (tail.getUint32(i, true) === END_RECORD && i + END_RECORD_BYTES + tail.getUint16(i + 20, true) <= tailLength) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new InputError("truncated", file, "has no zip end-of-central-directory record (truncated, or not a zip archive)");
  const disk = tail.getUint16(at + 4, true);
  const directoryDisk = tail.getUint16(at + 6, true);
  let entries = tail.getUint16(at + 10, true);
  let directoryBytes = tail.getUint32(at + 12, true);
  let directoryOffset = tail.getUint32(at + 16, true);
  const endOffset = tailStart + at;
  const locatorAt = at - 20;
  if (locatorAt >= 0 && tail.getUint32(locatorAt, true) === ZIP64_LOCATOR) {
    const recordOffset = u64(tail, locatorAt + 8);
    if (recordOffset === undefined || recordOffset + 56 > endOffset) throw new InputError("malformed", file, "zip64 end record locator points outside the archive", undefined, tailStart + locatorAt);
    const record = await readAt(source, recordOffset, 56);
    if (record.getUint32(0, true) !== ZIP64_END_RECORD) throw new InputError("malformed", file, "zip64 end record signature missing", undefined, recordOffset);
    const total = u64(record, 32);
    const bytes = u64(record, 40);
    const offset = u64(record, 48);
    if (total === undefined || bytes === undefined || offset === undefined) throw new InputError("overflow", file, "zip64 end record sizes exceed 2^53", undefined, recordOffset);
    if (record.getUint32(16, true) !== 0 || record.getUint32(20, true) !== 0) throw new InputError("malformed", file, "multi-disk (spanned) zip archives are not supported");
    entries = total;
    directoryBytes = bytes;
    directoryOffset = offset;
  } else if (disk !== 0 || directoryDisk !== 0) {
    throw new InputError("malformed", file, "multi-disk (spanned) zip archives are not supported");
  }
  if (directoryBytes > MAX_CENTRAL_DIRECTORY_BYTES) throw new InputError("limit", file, `zip central directory of ${directoryBytes} bytes exceeds the ${MAX_CENTRAL_DIRECTORY_BYTES}-byte limit`);
  if (directoryOffset + directoryBytes > endOffset) {
    throw new InputError("truncated", file, `zip central directory [${directoryOffset}, ${directoryOffset + directoryBytes}) runs past its end record at byte ${endOffset} (truncated?)`);
  }
  checkTensorCount(file, entries, "zip members");
  if (entries * 46 > directoryBytes) throw new InputError("malformed", file, `zip end record declares ${entries} entries but the central directory has only ${directoryBytes} bytes`);
  return { entries, directoryOffset, directoryBytes };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");

/** Read the central directory: every member's name, method, sizes and local header offset. */
export async function readZipArchive(source: ByteSource): Promise<ZipArchive> {
  const file = source.name;
  const { entries: count, directoryOffset, directoryBytes } = await readEndRecord(source);
  const directory = await readAt(source, directoryOffset, directoryBytes);
  const bytes = new Uint8Array(directory.buffer);
  const entries: ZipEntry[] = [];
  const byName = new Map<string, ZipEntry>();
  let at = 0;
  for (let index = 0; index < count; index++) {
    const where = directoryOffset + at;
    if (at + 46 > directoryBytes || directory.getUint32(at, true) !== CENTRAL_HEADER) throw new InputError("malformed", file, `zip central directory entry ${index} is missing or damaged`, undefined, where);
    const flags = directory.getUint16(at + 8, true);
    const method = directory.getUint16(at + 10, true);
    const declaredCrc = directory.getUint32(at + 16, true);
    let compressedSize = directory.getUint32(at + 20, true);
    let size = directory.getUint32(at + 24, true);
    const nameLength = directory.getUint16(at + 28, true);
    const extraLength = directory.getUint16(at + 30, true);
    const commentLength = directory.getUint16(at + 32, true);
    const startDisk = directory.getUint16(at + 34, true);
    let localHeaderOffset = directory.getUint32(at + 42, true);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > directoryBytes) throw new InputError("malformed", file, `zip central directory entry ${index} runs past the directory`, undefined, where);
    const nameBytes = bytes.subarray(at + 46, at + 46 + nameLength);
    let name: string;
    try {
      // Bit 11: the name is UTF-8; otherwise IBM 437, read as Latin-1 (identical for ASCII names).
      name = flags & 0x800 ? utf8.decode(nameBytes) : latin1.decode(nameBytes);
    } catch {
      throw new InputError("malformed", file, `zip member name of entry ${index} is not valid UTF-8`, undefined, where);
    }
    // Zip64 extended information: the 64-bit values of the fields saturated at 0xFFFFFFFF, in order.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = directory.getUint16(extra, true);
      const length = directory.getUint16(extra + 2, true);
      if (extra + 4 + length > extraEnd) break;
      if (id === 0x0001) {
        let field = extra + 4;
        const next = (): number => {
          if (field + 8 > extra + 4 + length) throw new InputError("malformed", file, `zip64 extra field of member ${JSON.stringify(name)} is too short`, undefined, where);
          const value = u64(directory, field);
          field += 8;
          if (value === undefined) throw new InputError("overflow", file, `zip64 size of member ${JSON.stringify(name)} exceeds 2^53`, undefined, where);
          return value;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
      }
      extra += 4 + length;
    }
    if (startDisk !== 0 && startDisk !== 0xffff) throw new InputError("malformed", file, "multi-disk (spanned) zip archives are not supported");
    if (localHeaderOffset + 30 + compressedSize > directoryOffset) {
      throw new InputError("malformed", file, `zip member ${JSON.stringify(name)} (${compressedSize} bytes at byte ${localHeaderOffset}) overlaps the central directory or lies past it`, undefined, where);
    }
    if (byName.has(name)) throw new InputError("malformed", file, `zip archive holds member ${JSON.stringify(name)} twice`, undefined, where);
    const entry: ZipEntry = { name, method, flags, compressedSize, size, localHeaderOffset, crc32: declaredCrc, limit: directoryOffset };
    entries.push(entry);
    byName.set(name, entry);
    at = end;
  }
  // Each member's data must end before the next member begins: two entries with one local header,
  // or one whose data runs into the next member, would read another member's bytes.
  const byOffset = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 0; i < byOffset.length; i++) {
    const entry = byOffset[i]!;
    const next = byOffset[i + 1];
    if (next && next.localHeaderOffset === entry.localHeaderOffset) {
      throw new InputError("malformed", file, `zip members ${JSON.stringify(entry.name)} and ${JSON.stringify(next.name)} point at the same local header: refused (overlapping entries)`, undefined, entry.localHeaderOffset);
    }
    if (next) entry.limit = next.localHeaderOffset;
  }
  return { file, fileSize: source.size, entries, byName };
}

/** Why a member's data cannot be read here, or undefined when it can. */
export function unreadableReason(entry: ZipEntry): string | undefined {
  if (entry.flags & 0x1) return "encrypted zip member";
  if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATE) return `zip compression method ${entry.method} is not supported (only stored and deflate)`;
  if (entry.method === METHOD_STORED && entry.compressedSize !== entry.size) return `stored zip member declares ${entry.size} bytes but holds ${entry.compressedSize}`;
  return undefined;
}

/** Where a member's data starts: after its local header, whose name and extra lengths may differ from the central ones. */
export async function memberDataOffset(source: ByteSource, entry: ZipEntry): Promise<number> {
  const at = entry.localHeaderOffset;
  if (at + 30 > source.size) throw new InputError("truncated", source.name, `zip member ${JSON.stringify(entry.name)}: local header at byte ${at} is past the end of the file`, undefined, at);
  const header = await readAt(source, at, 30);
  if (header.getUint32(0, true) !== LOCAL_HEADER) throw new InputError("malformed", source.name, `zip member ${JSON.stringify(entry.name)} has no local header`, undefined, at);
  const nameLength = header.getUint16(26, true);
  const start = at + 30 + nameLength + header.getUint16(28, true);
  if (at + 30 + nameLength > source.size) throw new InputError("truncated", source.name, `zip member ${JSON.stringify(entry.name)}: local header runs past the end of the file`, undefined, at);
  // The local header must name the same member as the central directory (Python's zipfile: "File
  // name in directory … and header … differ"): a tool reading one or the other must see one archive.
  const nameBytes = new Uint8Array(nameLength);
  await source.readExact(nameBytes, at + 30);
  let localName: string;
  try {
    localName = header.getUint16(6, true) & 0x800 ? utf8.decode(nameBytes) : latin1.decode(nameBytes);
  } catch {
    localName = latin1.decode(nameBytes);
  }
  if (localName !== entry.name) {
    throw new InputError("malformed", source.name, `zip member ${JSON.stringify(entry.name)}: its local header names it ${JSON.stringify(localName)} (the central directory and the local header disagree)`, undefined, at);
  }
  if (start + entry.compressedSize > source.size) {
    throw new InputError("truncated", source.name, `zip member ${JSON.stringify(entry.name)} needs bytes ${start}..${start + entry.compressedSize} but the file has ${source.size}`, undefined, start);
  }
  if (start + entry.compressedSize > entry.limit) {
    throw new InputError("malformed", source.name, `zip member ${JSON.stringify(entry.name)} (bytes ${start}..${start + entry.compressedSize}) runs into the next member at byte ${entry.limit}: refused (overlapping entries)`, undefined, start);
  }
  return start;
}

/**
 * A readable member: its data as byte ranges (stored) or a deflate stream to inflate (deflate), and
 * the `compression` that describes [start, start + bytes) of its content for a TensorData.
 */
export interface ZipMember {
  entry: ZipEntry;
  /** The member's stored bytes in the archive (compressed when `entry.method` is deflate). */
  range: ByteRange;
}

export async function openMember(source: ByteSource, entry: ZipEntry): Promise<ZipMember> {
  const reason = unreadableReason(entry);
  if (reason) throw new InputError("malformed", source.name, `${reason}: ${JSON.stringify(entry.name)}`);
  const offset = await memberDataOffset(source, entry);
  return { entry, range: { source: source.name, offset, length: entry.compressedSize } };
}

/** The ranges and compression for bytes [start, start + bytes) of a member's content. */
export function memberSpan(member: ZipMember, start: number, bytes: number): { ranges: ByteRange[]; compression?: DeflateCompression } {
  if (start + bytes > member.entry.size) throw new RangeError(`span [${start}, ${start + bytes}) is past the member's ${member.entry.size} bytes`);
  if (member.entry.method === METHOD_STORED) return { ranges: [{ ...member.range, offset: member.range.offset + start, length: bytes }] };
  return { ranges: [member.range], compression: { method: "deflate-raw", inflatedBytes: member.entry.size, start, bytes, file: member.range.source, member: member.entry.name, crc32: member.entry.crc32 } };
}

/** Content bytes [start, start + length) of a member, in memory. The caller bounds `length`. */
export async function readMemberBytes(pool: SourcePool, member: ZipMember, start: number, length: number): Promise<Uint8Array> {
  const span = memberSpan(member, start, length);
  if (!span.compression) {
    const out = new Uint8Array(length);
    await (await pool.get(member.range.source)).readExact(out, span.ranges[0]!.offset);
    if (start === 0 && length === member.entry.size) checkMemberCrc(member, crc32(out));
    return out;
  }
  return inflateToBuffer({ ranges: span.ranges, compression: span.compression, from: start, to: start + length }, pool);
}

/** Throw when a member's content does not have the CRC-32 its entry declares. */
export function checkMemberCrc(member: ZipMember, computed: number): void {
  assertMemberCrc(member.range.source, member.entry.name, member.entry.crc32, computed);
}

/** Give a tensor's data read from a stored member the checksum its reads will verify, where possible. */
export async function attachMemberChecksum(pool: SourcePool, member: ZipMember, data: TensorData | undefined): Promise<void> {
  if (!data || data.compression || data.ranges.length !== 1) return;
  const range = data.ranges[0]!;
  if (range.source !== member.range.source) return;
  const checksum = await memberChecksum(pool, member, range.offset - member.range.offset, range.length);
  if (checksum) data.checksum = checksum;
}

/** Prefixes up to this size are read again to check a stored member's CRC-32 (headers, not storages). */
const MAX_CHECKSUM_PREFIX_BYTES = 1024 * 1024;

/**
 * What lets the tensor reads check a stored member's CRC-32: when a tensor's bytes are the member's
 * content [start, size), the CRC of [0, start) now. Undefined when the span stops before the end,
 * or starts far in (a view into a larger storage: reading the rest would be another pass), or the
 * member is deflated (the inflater checks those).
 */
export async function memberChecksum(pool: SourcePool, member: ZipMember, start: number, bytes: number): Promise<MemberChecksum | undefined> {
  if (member.entry.method !== METHOD_STORED || start + bytes !== member.entry.size || start > MAX_CHECKSUM_PREFIX_BYTES) return undefined;
  const prefix = start > 0 ? await readMemberBytes(pool, member, 0, start) : new Uint8Array(0);
  return { crc32: member.entry.crc32, prefixBytes: start, prefixCrc32: crc32(prefix), file: member.range.source, member: member.entry.name };
}

/**
 * Zip-bomb guard for deflate members that are streamed: at most this many inflated bytes per
 * compressed byte, beyond a free allowance. Deflate's ceiling is ≈ 1032:1; float weights compress
 * about 1.1:1 and even all-zero layers of real models stay far below the limit's free allowance.
 */
export const MAX_INFLATE_RATIO = 100;
export const INFLATE_FREE_BYTES = 64 * 1024 * 1024;

/** Throw when a deflate member declares more inflated bytes than the bomb guard allows. */
export function checkInflateRatio(file: string, entry: ZipEntry): void {
  if (entry.method !== METHOD_DEFLATE) return;
  if (entry.size > INFLATE_FREE_BYTES + MAX_INFLATE_RATIO * entry.compressedSize) {
    throw new InputError(
      "limit",
      file,
      `zip member ${JSON.stringify(entry.name)} declares ${entry.size} bytes from ${entry.compressedSize} compressed (more than ${MAX_INFLATE_RATIO}:1 beyond ${INFLATE_FREE_BYTES} bytes): refused as a possible zip bomb`,
    );
  }
}
