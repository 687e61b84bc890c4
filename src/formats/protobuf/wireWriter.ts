/**
 * The few protobuf wire-format encoders a rewrite needs (protobuf.dev/programming-guides/encoding):
 * varints, tags and length-delimited fields. Messages are built as lists of pieces — bytes made here
 * or spans copied from the original file — so a rewrite never holds a large payload in memory.
 */
import { WIRE_BYTES } from "./wireStream.js";

/** Base-128 varint of a non-negative integer below 2^53. */
export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint ${value} out of range`);
  const bytes: number[] = [];
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0);
  return Uint8Array.from(bytes);
}

export function encodeTag(field: number, wireType: number): Uint8Array {
  return encodeVarint(field * 8 + wireType);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A length-delimited field (a message, bytes or a string) from its payload. */
export function bytesField(field: number, payload: Uint8Array): Uint8Array {
  return concatBytes([encodeTag(field, WIRE_BYTES), encodeVarint(payload.length), payload]);
}

export function stringField(field: number, text: string): Uint8Array {
  return bytesField(field, new TextEncoder().encode(text));
}
