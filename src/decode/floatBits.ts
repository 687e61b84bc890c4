/**
 * Bit-exact decoding of the narrow float formats that checkpoints store (IEEE binary16, bfloat16 and
 * the OCP / ONNX 8-bit floats) into JavaScript numbers. Each 8- and 16-bit format has at most 65,536
 * values, so the analysis decodes a *table* of all bit patterns once and counts patterns in the hot
 * loop (see stats/codeTable.ts); these functions are never called per element.
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
