/**
 * A tiny protobuf wire-format writer for test fixtures (protobuf.dev/programming-guides/encoding):
 * a message is the concatenation of its fields, each a tag (field << 3 | wire type) and a payload.
 */

import { concat } from "./safetensorsWriter.js";

export const concatBytes = (parts: readonly Uint8Array[]): Uint8Array => concat([...parts]);

/** Base-128 varint of a non-negative integer (≤ 2^53) or a bigint (two's complement for negatives). */
export function varint(value: number | bigint): Uint8Array {
  let v = typeof value === "bigint" ? BigInt.asUintN(64, value) : BigInt(value);
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return Uint8Array.from(bytes);
}

export const tag = (field: number, wireType: number): Uint8Array => varint(field * 8 + wireType);

/** Field builders: each returns the encoded field. */
export const pb = {
  varint: (field: number, value: number | bigint): Uint8Array => concatBytes([tag(field, 0), varint(value)]),
  bytes: (field: number, payload: Uint8Array): Uint8Array => concatBytes([tag(field, 2), varint(payload.length), payload]),
  string: (field: number, text: string): Uint8Array => pb.bytes(field, new TextEncoder().encode(text)),
  message: (field: number, fields: readonly Uint8Array[]): Uint8Array => pb.bytes(field, concatBytes(fields)),
  fixed32: (field: number, value: number): Uint8Array => {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setFloat32(0, value, true);
    return concatBytes([tag(field, 5), out]);
  },
  /** Packed repeated varints. */
  packedVarints: (field: number, values: readonly (number | bigint)[]): Uint8Array => pb.bytes(field, concatBytes(values.map(varint))),
};
