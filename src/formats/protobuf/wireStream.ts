/**
 * Streaming reader of the protobuf wire format (protobuf.dev/programming-guides/encoding) through a
 * bounded window: a message is a sequence of (tag, payload) with tag = field number << 3 | wire
 * type; wire types 0 varint, 1 fixed64, 2 length-delimited (varint length + bytes), 5 fixed32
 * (3/4, groups, are deprecated). Callers walk the messages they know and skip the rest by length,
 * so a payload they do not need — above all a tensor's bytes — is never read: its file offset and
 * length are recorded instead. Memory is one window whatever the file size.
 *
 * Every defect (truncated varint, a length past the end of its message, a wire type not allowed for
 * a field) is an InputError naming the file and the byte offset.
 */
import { InputError, type InputErrorCode } from "../../errors.js";
import type { ByteSource } from "../../io/byteSource.js";

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** A varint has at most 10 bytes (64 bits in groups of 7). */
const MAX_VARINT_BYTES = 10;
export const DEFAULT_WINDOW_BYTES = 256 * 1024;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export interface FieldHeader {
  field: number;
  wireType: number;
  /** File offset of the tag. */
  at: number;
}

/** A length-delimited payload: its file offset and length (the end is start + length). */
export interface Span {
  start: number;
  end: number;
}

export class WireStream {
  /** File offset of the next byte to read. */
  position = 0;
  private readonly window: Uint8Array;
  private windowStart = 0;
  private windowEnd = 0;

  constructor(
    readonly source: ByteSource,
    windowBytes = DEFAULT_WINDOW_BYTES,
  ) {
    this.window = new Uint8Array(Math.max(64, windowBytes));
  }

  get size(): number {
    return this.source.size;
  }

  get file(): string {
    return this.source.name;
  }

  fail(code: InputErrorCode, detail: string, at = this.position): never {
    throw new InputError(code, this.file, detail, undefined, at);
  }

  /** Make [position, position + count) readable from the window (count ≤ window size, clipped at `end`). */
  private async ensure(count: number, end: number): Promise<void> {
    const want = Math.min(count, end - this.position);
    if (this.position >= this.windowStart && this.position + want <= this.windowEnd) return;
    const length = Math.min(this.window.length, this.size - this.position);
    await this.source.readExact(this.window.subarray(0, length), this.position);
    this.windowStart = this.position;
    this.windowEnd = this.position + length;
  }

  /**
   * A varint as a number: exact below 2^53; larger values (negative int64s are 10-byte varints)
   * come back as approximations ≥ 2^53, which callers reject where they matter.
   */
  async varint(end: number, what: string): Promise<number> {
    const at = this.position;
    await this.ensure(MAX_VARINT_BYTES, end);
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (this.position >= end) this.fail("malformed", `truncated varint (${what}): the ${this.position >= this.size ? "file" : "enclosing message"} ends inside it`, at);
      const byte = this.window[this.position - this.windowStart]!;
      this.position++;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
      scale *= 128;
    }
    return this.fail("malformed", `varint (${what}) longer than ${MAX_VARINT_BYTES} bytes`, at);
  }

  /** The next field's tag, at `position` < end. */
  async tag(end: number): Promise<FieldHeader> {
    const at = this.position;
    const tag = await this.varint(end, "field tag");
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (field === 0 || field > 0x1fffffff) this.fail("malformed", `invalid field number ${field} in a tag`, at);
    if (wireType === 3 || wireType === 4) this.fail("malformed", `field ${field} uses wire type ${wireType} (groups), which this format never uses`, at);
    if (wireType > 5) this.fail("malformed", `field ${field} has invalid wire type ${wireType}`, at);
    return { field, wireType, at };
  }

  /** Check that a known field has the wire type its declaration implies. */
  expectWireType(header: FieldHeader, allowed: readonly number[], name: string): void {
    if (!allowed.includes(header.wireType)) {
      this.fail("malformed", `field ${name} (${header.field}) has wire type ${header.wireType}, expected ${allowed.join(" or ")}`, header.at);
    }
  }

  /** A known length-delimited field (a message): check its wire type, return its payload's span. */
  async message(header: FieldHeader, end: number, name: string): Promise<Span> {
    this.expectWireType(header, [WIRE_BYTES], name);
    return this.span(end, name);
  }

  /** A known string field: check its wire type and read it (bounded, see `string`). */
  async stringField(header: FieldHeader, end: number, name: string, maxBytes?: number): Promise<string> {
    return this.string(await this.message(header, end, name), name, maxBytes);
  }

  /** Read a length prefix and return the payload's span, leaving `position` at its start. */
  async span(end: number, what: string): Promise<Span> {
    const at = this.position;
    const length = await this.varint(end, `length of ${what}`);
    const start = this.position;
    if (start + length > end) {
      this.fail("malformed", `length ${Number.isSafeInteger(length) ? length : "≥ 2^53"} of ${what} runs past the end of the ${end === this.size ? "file" : "enclosing message"} (${end - start} bytes left)`, at);
    }
    return { start, end: start + length };
  }

  /** Skip the payload of a field whose tag was just read. */
  async skip(header: FieldHeader, end: number): Promise<void> {
    switch (header.wireType) {
      case WIRE_VARINT:
        await this.varint(end, `field ${header.field}`);
        return;
      case WIRE_FIXED64:
        this.advance(8, end, header);
        return;
      case WIRE_FIXED32:
        this.advance(4, end, header);
        return;
      case WIRE_BYTES:
        this.position = (await this.span(end, `field ${header.field}`)).end;
        return;
    }
  }

  /** Move past a fixed-size payload. */
  advance(bytes: number, end: number, header: FieldHeader): void {
    if (this.position + bytes > end) this.fail("malformed", `field ${header.field} needs ${bytes} bytes but the enclosing message ends first`, header.at);
    this.position += bytes;
  }

  /** A UTF-8 string payload, refused beyond `maxBytes` (names and keys, never tensor data). */
  async string(span: Span, what: string, maxBytes = 1 << 20): Promise<string> {
    const length = span.end - span.start;
    if (length > maxBytes) this.fail("limit", `${what} is ${length} bytes long (limit ${maxBytes})`, span.start);
    let bytes: Uint8Array;
    this.position = span.start;
    if (length <= this.window.length) {
      // Names are short and many (one per tensor): read them from the window, not one read each.
      await this.ensure(length, span.end);
      bytes = this.window.subarray(this.position - this.windowStart, this.position - this.windowStart + length);
    } else {
      bytes = new Uint8Array(length);
      await this.source.readExact(bytes, span.start);
    }
    this.position = span.end;
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fail("malformed", `${what} is not valid UTF-8`, span.start);
    }
  }

  /** Varints of a packed repeated field (or one unpacked element), appended to `into`. */
  async varints(header: FieldHeader, end: number, into: number[], what: string, maxCount: number): Promise<void> {
    if (header.wireType === WIRE_VARINT) {
      if (into.length >= maxCount) this.fail("limit", `${what} has more than ${maxCount} entries`, header.at);
      into.push(await this.varint(end, what));
      return;
    }
    const span = await this.span(end, what);
    while (this.position < span.end) {
      if (into.length >= maxCount) this.fail("limit", `${what} has more than ${maxCount} entries`, this.position);
      into.push(await this.varint(span.end, what));
    }
  }
}
