/**
 * A flatbuffers `ByteBuffer` over a file that is never loaded whole: bytes are fetched on demand
 * in fixed-size pages (synchronous positioned reads, since the flatbuffers accessors are
 * synchronous) and kept in a small LRU cache. A TFLite file is mostly constant-tensor bytes inside
 * `Buffer.data` vectors; the reader touches only the tables and each vector's length prefix, so
 * memory stays at the cache size whatever the model size.
 *
 * The flatbuffers runtime does no bounds checking (a bad offset reads `undefined` as 0); every read
 * here is checked against the file and an offset outside it is an InputError naming the byte.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { ByteBuffer } from "flatbuffers";
import { InputError } from "../../errors.js";
import { describeIoError } from "../../io/byteSource.js";
import { assertRegularFileSync, checkOpenedRegular, noteInputFile } from "../../io/regularFile.js";

const PAGE_BYTES = 16 * 1024;
const MAX_PAGES = 256;
/** flatbuffers offsets are signed 32-bit: nothing beyond 2 GiB is reachable through them. */
const MAX_FLATBUFFER_BYTES = 2 ** 31 - 1;

export class PagedByteBuffer extends ByteBuffer {
  private readonly pages = new Map<number, Uint8Array>();
  private readonly extent: number;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });

  private constructor(
    private readonly fd: number,
    readonly file: string,
    readonly fileSize: number,
  ) {
    super(new Uint8Array(0));
    this.extent = Math.min(fileSize, MAX_FLATBUFFER_BYTES);
  }

  static open(path: string): PagedByteBuffer {
    assertRegularFileSync(path);
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      throw new InputError("io", path, describeIoError(error));
    }
    try {
      const stat = fstatSync(fd);
      checkOpenedRegular(path, stat);
      noteInputFile(path);
      return new PagedByteBuffer(fd, path, stat.size);
    } catch (error) {
      closeSync(fd);
      if (error instanceof InputError) throw error;
      throw new InputError("io", path, describeIoError(error));
    }
  }

  close(): void {
    this.pages.clear();
    closeSync(this.fd);
  }

  fail(detail: string, offset: number): never {
    throw new InputError("malformed", this.file, detail, undefined, offset);
  }

  override capacity(): number {
    return this.extent;
  }

  /** Throw unless [offset, offset + length) lies inside the flatbuffer. */
  check(offset: number, length: number, what = "flatbuffer offset"): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.extent) {
      this.fail(`${what} ${offset}${length > 1 ? `..${offset + length}` : ""} lies outside the file (${this.extent} bytes)`, Number.isSafeInteger(offset) && offset >= 0 ? offset : 0);
    }
  }

  private page(index: number): Uint8Array {
    let page = this.pages.get(index);
    if (page) {
      // Re-insert: Map iteration order is the LRU order.
      this.pages.delete(index);
      this.pages.set(index, page);
      return page;
    }
    const start = index * PAGE_BYTES;
    page = new Uint8Array(Math.min(PAGE_BYTES, this.extent - start));
    let filled = 0;
    while (filled < page.length) {
      let read: number;
      try {
        read = readSync(this.fd, page, filled, page.length - filled, start + filled);
      } catch (error) {
        throw new InputError("io", this.file, describeIoError(error), undefined, start + filled);
      }
      if (read === 0) throw new InputError("truncated", this.file, "file ended early (was it truncated while reading?)", undefined, start + filled);
      filled += read;
    }
    if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
    this.pages.set(index, page);
    return page;
  }

  private byte(offset: number): number {
    const index = Math.floor(offset / PAGE_BYTES);
    return this.page(index)[offset - index * PAGE_BYTES]!;
  }

  override readUint8(offset: number): number {
    this.check(offset, 1);
    return this.byte(offset);
  }

  override readUint16(offset: number): number {
    this.check(offset, 2);
    return this.byte(offset) | (this.byte(offset + 1) << 8);
  }

  override readInt32(offset: number): number {
    this.check(offset, 4);
    return this.byte(offset) | (this.byte(offset + 1) << 8) | (this.byte(offset + 2) << 16) | (this.byte(offset + 3) << 24);
  }

  /**
   * The position of a table's field (0 when absent), with the table and its vtable checked as the
   * flatbuffers verifier does: the vtable inside the file, its size even and ≥ 4, the table's size
   * covering the field. Without this a zeroed or bent offset reads other bytes as a table.
   */
  override __offset(table: number, slot: number): number {
    this.check(table, 4, "table");
    const vtable = table - this.readInt32(table);
    this.check(vtable, 4, "vtable");
    const vtableBytes = this.readUint16(vtable);
    const tableBytes = this.readUint16(vtable + 2);
    if (vtableBytes < 4 || vtableBytes % 2 !== 0) this.fail(`vtable size ${vtableBytes} is not an even number ≥ 4`, vtable);
    if (tableBytes < 4) this.fail(`table size ${tableBytes} is smaller than its vtable offset`, vtable);
    this.check(vtable, vtableBytes, "vtable");
    this.check(table, tableBytes, "table");
    if (slot >= vtableBytes) return 0;
    const at = this.readUint16(vtable + slot);
    if (at !== 0 && at + 1 > tableBytes) this.fail(`field at ${at} lies outside its ${tableBytes}-byte table`, table);
    return at;
  }

  /** Copy of [offset, offset + length) (strings only: bounded by the caller). */
  readBytes(offset: number, length: number): Uint8Array {
    this.check(offset, length);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.byte(offset + i);
    return out;
  }

  override __string(offset: number): string {
    const start = offset + this.readInt32(offset);
    const length = this.readInt32(start);
    if (length < 0 || length > 1 << 20) this.fail(`string length ${length} is out of range`, start);
    try {
      return this.decoder.decode(this.readBytes(start + 4, length));
    } catch (error) {
      if (error instanceof InputError) throw error;
      return this.fail("string is not valid UTF-8", start + 4);
    }
  }
}
