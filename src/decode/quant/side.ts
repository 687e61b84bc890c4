/**
 * Reading the side tensors a quantised tensor's decoder consumes (scales, zero points, group
 * indices): a slice of elements [from, to) of the tensor as stored, read with one positioned read per
 * range, and decoded to numbers. Side tensors are small next to the codes (1/16 to 1/256 of them), so a
 * task reads the slice its codes need and keeps it while it counts.
 */
import { InputError } from "../../errors.js";
import type { SourcePool } from "../../io/byteSource.js";
import { readSpan } from "../../io/chunks.js";
import { FLOAT_DTYPE_BYTES } from "../encodings.js";
import type { SideTensor } from "../../io/quantizedEncoding.js";
import { bfloat16FromBits, float16FromBits, float8E4M3FromBits, float8E5M2FromBits } from "../floatBits.js";

/** Bytes per element of the dtypes side tensors come in. */
export const SIDE_DTYPE_BYTES: Readonly<Record<string, number>> = {
  ...FLOAT_DTYPE_BYTES,
  F8_E8M0: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  I32: 4,
  U32: 4,
  I64: 8,
};

export function sideElements(side: SideTensor): number {
  return side.shape.reduce((product, dim) => product * dim, 1);
}

/** The raw bytes of elements [from, to) of a side tensor. */
export async function readSideBytes(pool: SourcePool, side: SideTensor, from = 0, to = sideElements(side)): Promise<Uint8Array> {
  const size = SIDE_DTYPE_BYTES[side.dtype];
  if (size === undefined) throw new RangeError(`side tensor dtype ${side.dtype} is not readable`);
  const bytes = new Uint8Array((to - from) * size);
  await readSpan(side.ranges, pool, from * size, bytes);
  return bytes;
}

/** The value of element i of raw side bytes, as a number (floats decoded bit-exactly; integers as integers). */
export function sideValueReader(dtype: string, bytes: Uint8Array): (index: number) => number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case "F64":
      return (i) => view.getFloat64(8 * i, true);
    case "F32":
      return (i) => view.getFloat32(4 * i, true);
    case "F16":
    case "BF16": {
      const decode = scale16Decoder(dtype);
      return (i) => decode(view.getUint16(2 * i, true));
    }
    case "F8_E4M3":
      return (i) => float8E4M3FromBits(bytes[i]!);
    case "F8_E5M2":
      return (i) => float8E5M2FromBits(bytes[i]!);
    case "U8":
    case "F8_E8M0":
      return (i) => bytes[i]!;
    case "I8":
      return (i) => view.getInt8(i);
    case "I16":
      return (i) => view.getInt16(2 * i, true);
    case "U16":
      return (i) => view.getUint16(2 * i, true);
    case "I32":
      return (i) => view.getInt32(4 * i, true);
    case "U32":
      return (i) => view.getUint32(4 * i, true);
    case "I64":
      return (i) => Number(view.getBigInt64(8 * i, true));
    default:
      throw new RangeError(`side tensor dtype ${dtype} is not readable`);
  }
}

/** Elements [from, to) of a side tensor as float64 numbers. */
export async function readSideValues(pool: SourcePool, side: SideTensor, from = 0, to = sideElements(side)): Promise<Float64Array> {
  const bytes = await readSideBytes(pool, side, from, to);
  const value = sideValueReader(side.dtype, bytes);
  const out = new Float64Array(to - from);
  for (let i = 0; i < out.length; i++) out[i] = value(i);
  return out;
}

/** 16-bit float bit patterns of elements [from, to) of an F16/BF16 side tensor. */
export async function readSideBits16(pool: SourcePool, side: SideTensor, from = 0, to = sideElements(side)): Promise<Uint16Array> {
  const bytes = await readSideBytes(pool, side, from, to);
  const out = new Uint16Array(to - from);
  for (let i = 0; i < out.length; i++) out[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
  return out;
}

const tables16 = new Map<string, Float64Array>();
/** The value of a 16-bit scale pattern of `dtype` (F16 or BF16), through a table of all 65,536 patterns. */
export function scale16Decoder(dtype: string): (bits: number) => number {
  let table = tables16.get(dtype);
  if (!table) {
    const decode = dtype === "BF16" ? bfloat16FromBits : float16FromBits;
    table = new Float64Array(65536);
    for (let bits = 0; bits < 65536; bits++) table[bits] = decode(bits);
    tables16.set(dtype, table);
  }
  const values = table;
  return (bits) => values[bits]!;
}

/** A single F32 (or other float) scalar side tensor, checked to be finite. */
export async function readSideScalar(pool: SourcePool, side: SideTensor, file: string, tensor: string): Promise<number> {
  const [value] = await readSideValues(pool, side, 0, 1);
  if (value === undefined || !Number.isFinite(value)) throw new InputError("malformed", file, `${side.name} holds ${value}, not a finite scale`, tensor);
  return value;
}
