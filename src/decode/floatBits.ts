/**
 * Bit-exact decoding of the narrow float formats that checkpoints store (IEEE binary16, bfloat16 and
 * the OCP / ONNX 8-bit floats) into JavaScript numbers. Each 8- and 16-bit format has at most 65,536
 * values, so the analysis decodes a *table* of all bit patterns once and counts patterns in the hot
 * loop (see stats/codeTable.ts); these functions are never called per element.
 *
 * And the way back for the formats `jaynes init` writes: the binary16 and bfloat16 pattern nearest to
 * a double (round to nearest, ties to even — correctly, not through a second rounding), and whole
 * arrays encoded as F64/F32/F16/BF16 bytes.
 *
 * References: IEEE 754-2008 §3.6 (binary16); Google Brain bfloat16 (the top half of binary32);
 * OCP 8-bit Floating Point Specification (OFP8) rev. 1.0 (E4M3 "FN": no infinities, S.1111.111 = NaN;
 * E5M2: IEEE-like); ONNX Float8 "FNUZ" variants (onnx/docs/Float8.md: no negative zero, 0x80 = NaN,
 * exponent bias one larger).
 */

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** binary32 value of a 32-bit pattern. */
export function float32FromBits(bits: number): number {
  u32Scratch[0] = bits >>> 0;
  return f32Scratch[0]!;
}

/** 32-bit pattern of the binary32 nearest to `value` (round to nearest even, as Math.fround). */
export function float32Bits(value: number): number {
  f32Scratch[0] = value;
  return u32Scratch[0]!;
}

/** IEEE binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits. */
export function float16FromBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** bfloat16: the upper 16 bits of a binary32. */
export function bfloat16FromBits(bits: number): number {
  return float32FromBits((bits & 0xffff) << 16);
}

/**
 * Generic small float with `e` exponent bits and `m` mantissa bits, covering the 8-bit variants:
 * - `infinities`: the all-ones exponent encodes ±Inf (m = 0) and NaN (m ≠ 0), IEEE style (E5M2);
 * - otherwise only the pattern given by `nanPattern` (masked by `nanMask`) is NaN (E4M3FN: S.1111.111),
 *   and `fnuz` formats have no negative zero: 0x80 is the only NaN.
 */
function smallFloatFromBits(
  bits: number,
  exponentBits: number,
  mantissaBits: number,
  bias: number,
  kind: "ieee" | "fn" | "fnuz",
): number {
  const total = 1 + exponentBits + mantissaBits;
  const signBit = 1 << (total - 1);
  const exponentMax = (1 << exponentBits) - 1;
  const mantissaMax = (1 << mantissaBits) - 1;
  if (kind === "fnuz" && bits === signBit) return NaN;
  const sign = bits & signBit ? -1 : 1;
  const exponent = (bits >>> mantissaBits) & exponentMax;
  const mantissa = bits & mantissaMax;
  if (kind === "ieee" && exponent === exponentMax) return mantissa === 0 ? sign * Infinity : NaN;
  if (kind === "fn" && exponent === exponentMax && mantissa === mantissaMax) return NaN;
  const scale = 2 ** mantissaBits;
  if (exponent === 0) return sign * (mantissa / scale) * 2 ** (1 - bias);
  return sign * (1 + mantissa / scale) * 2 ** (exponent - bias);
}

/** OCP E4M3 ("float8_e4m3fn" in PyTorch/safetensors): bias 7, max 448, no Inf, S.1111.111 = NaN. */
export const float8E4M3FromBits = (bits: number): number => smallFloatFromBits(bits & 0xff, 4, 3, 7, "fn");
/** OCP E5M2: bias 15, IEEE-style Inf/NaN. */
export const float8E5M2FromBits = (bits: number): number => smallFloatFromBits(bits & 0xff, 5, 2, 15, "ieee");
/** ONNX FLOAT8E4M3FNUZ: bias 8, no Inf, no −0, 0x80 = NaN. */
export const float8E4M3FnuzFromBits = (bits: number): number => smallFloatFromBits(bits & 0xff, 4, 3, 8, "fnuz");
/** ONNX FLOAT8E5M2FNUZ: bias 16, no Inf, no −0, 0x80 = NaN. */
export const float8E5M2FnuzFromBits = (bits: number): number => smallFloatFromBits(bits & 0xff, 5, 2, 16, "fnuz");

/** The value of every bit pattern of a `bits`-wide format, indexed by pattern. */
export function decodeTable(bits: 8 | 16, decode: (pattern: number) => number): Float64Array {
  const size = 1 << bits;
  const table = new Float64Array(size);
  for (let pattern = 0; pattern < size; pattern++) table[pattern] = decode(pattern);
  return table;
}

/**
 * On a tie after rounding to binary32: whether to round the narrow format up (away from zero).
 * `single` = fround(value) sits exactly on a midpoint of the narrow format; if value was not already
 * there, it lies on the side fround came from, which decides; a true tie goes to the even pattern.
 */
function breakTie(value: number, single: number, pattern: number): boolean {
  if (value === single) return (pattern & 1) === 1;
  return Math.abs(value) > Math.abs(single);
}

/**
 * The binary16 pattern nearest to `value` (ties to even), from any double: rounded to binary32 first,
 * which is exact enough because every binary16 midpoint is a binary32 value, with ties re-decided
 * from the double. Overflow gives ±Inf, NaN a quiet NaN.
 */
export function float16Bits(value: number): number {
  const single = Math.fround(value);
  const x = float32Bits(single);
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 112; // binary16 biased exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e < -10) return sign; // below half the smallest subnormal (2^-25)
  // Normal: keep 10 of 23 mantissa bits. Subnormal: the value in units of 2^-24 is the full
  // significand shifted right by 14 − e.
  const shift = e > 0 ? 13 : 14 - e;
  const full = e > 0 ? mantissa : mantissa | 0x800000;
  let half = e > 0 ? (e << 10) | (mantissa >>> 13) : full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const midpoint = 1 << (shift - 1);
  if (rest > midpoint || (rest === midpoint && breakTie(value, single, half))) half++; // a carry moves into the exponent, up to Inf
  return sign | half;
}

/** The bfloat16 pattern nearest to `value` (ties to even), from any double; NaN stays a quiet NaN. */
export function bfloat16Bits(value: number): number {
  if (value !== value) return 0x7fc0;
  f32Scratch[0] = value; // rounded to binary32 on the way in
  const x = u32Scratch[0]!;
  let upper = x >>> 16;
  const lower = x & 0xffff;
  if (lower > 0x8000 || (lower === 0x8000 && breakTie(value, f32Scratch[0]!, upper))) upper++;
  return upper & 0xffff;
}

/** The float dtypes `jaynes init` writes, and their sizes in bytes. */
export type WritableFloatDType = "F64" | "F32" | "F16" | "BF16";
export const WRITABLE_FLOAT_BYTES: Record<WritableFloatDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

/**
 * Store `values` as `dtype` elements into `target` from element `at` on: a typed array of the dtype's
 * width (Float64Array, Float32Array — rounded to nearest even by the assignment — or Uint16Array
 * for the 16-bit patterns).
 */
export function storeFloats(values: ArrayLike<number>, count: number, dtype: WritableFloatDType, target: Float64Array | Float32Array | Uint16Array, at: number): void {
  switch (dtype) {
    case "F64":
    case "F32":
      for (let i = 0; i < count; i++) target[at + i] = values[i]!;
      return;
    case "F16":
      for (let i = 0; i < count; i++) target[at + i] = float16Bits(values[i]!);
      return;
    case "BF16":
      for (let i = 0; i < count; i++) target[at + i] = bfloat16Bits(values[i]!);
      return;
  }
}

/** A typed array of `count` elements of `dtype` (see storeFloats), in `buffer` when it is large enough. */
export function floatArrayFor(dtype: WritableFloatDType, count: number, buffer?: ArrayBuffer): Float64Array | Float32Array | Uint16Array {
  const reuse = buffer !== undefined && buffer.byteLength >= count * WRITABLE_FLOAT_BYTES[dtype];
  if (dtype === "F64") return reuse ? new Float64Array(buffer, 0, count) : new Float64Array(count);
  if (dtype === "F32") return reuse ? new Float32Array(buffer, 0, count) : new Float32Array(count);
  return reuse ? new Uint16Array(buffer, 0, count) : new Uint16Array(count);
}
