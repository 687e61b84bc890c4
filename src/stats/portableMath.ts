/**
 * exp and log computed with IEEE-754 double addition, subtraction, multiplication and division only,
 * so they return the same bits on every platform and JavaScript engine. `Math.exp`/`Math.log` are
 * "implementation-approximated" (ECMA-262 §21.3.2): engines may differ, and a C library compiled
 * with fused multiply-adds differs between CPUs. Anything that must give the same bytes everywhere
 * (`jaynes init`'s draws) uses these.
 *
 * Both are transcriptions of Sun's fdlibm 5.3 (`e_exp.c`, `e_log.c`, K.C. Ng, 1993; error < 1 ulp),
 * the algorithm V8 itself ports, so on V8 they agree with Math.exp/Math.log bit for bit (tested).
 * Bit fields are read and written through a shared Float64Array/Uint32Array pair (little-endian
 * word order, as on every platform Node runs on).
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LOW = 0;
const HIGH = 1;

function highWord(x: number): number {
  f64[0] = x;
  return u32[HIGH]! | 0;
}

function withHighWord(x: number, high: number): number {
  f64[0] = x;
  u32[HIGH] = high >>> 0;
  return f64[0]!;
}

const LN2_HI = 6.93147180369123816490e-1; // 0x3fe62e42 fee00000
const LN2_LO = 1.90821492927058770002e-10; // 0x3dea39ef 35793c76
const INV_LN2 = 1.44269504088896338700;
const EXP_OVERFLOW = 7.09782712893383973096e2;
const EXP_UNDERFLOW = -7.45133219101941108420e2;
const TWO_M1000 = 9.33263618503218878990e-302; // 2^-1000
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.65339022054652515390e-6;
const P5 = 4.13813679705723846039e-8;

/** The double whose high word is `high` and low word 0. */
function fromHighWord(high: number): number {
  u32[LOW] = 0;
  u32[HIGH] = high >>> 0;
  return f64[0]!;
}

// fdlibm branches on the high word of |x|; for a double, "high word > h" is "|x| ≥ the double with
// high word h + 1", so these thresholds take the same branches with plain comparisons.
const EXP_LARGE = fromHighWord(0x40862e42); // |x| ≥ 709.78
const EXP_HALF_LN2 = fromHighWord(0x3fd62e43); // |x| > ½ ln2
const EXP_ONE_AND_HALF_LN2 = fromHighWord(0x3ff0a2b2); // |x| < 1.5 ln2
const EXP_TINY = fromHighWord(0x3e300000); // |x| < 2^-28
/** 2^k for k = −1074 … 1023, by k + 1074 (scaling by it is exact where the result is normal). */
const POWERS_OF_TWO = Float64Array.from({ length: 2098 }, (_, i) => 2 ** (i - 1074));

/**
 * e^x. Argument reduction x = k·ln2 + r, |r| ≤ ½ln2, with ln2 split in two so k·ln2_hi is exact;
 * e^r from a Remez rational approximation of degree 5; then scaled by 2^k.
 */
export function portableExp(x: number): number {
  const ax = Math.abs(x);
  if (!(ax < EXP_LARGE)) {
    if (Number.isNaN(x)) return x;
    if (x > EXP_OVERFLOW) return Infinity;
    if (x < EXP_UNDERFLOW) return 0;
  }
  const negative = x < 0; // −0 takes the |x| < 2^-28 branch, where the sign does not matter
  let hi = 0;
  let lo = 0;
  let k = 0;
  if (ax >= EXP_HALF_LN2) {
    if (ax < EXP_ONE_AND_HALF_LN2) {
      // e^1 is special-cased, as V8 does: the reduction gets its last bit wrong
      if (x === 1) return Math.E;
      hi = negative ? x + LN2_HI : x - LN2_HI;
      lo = negative ? -LN2_LO : LN2_LO;
      k = negative ? -1 : 1;
    } else {
      k = Math.trunc(INV_LN2 * x + (negative ? -0.5 : 0.5));
      hi = x - k * LN2_HI;
      lo = k * LN2_LO;
    }
    x = hi - lo;
  } else if (ax < EXP_TINY) {
    // e^x = 1 + x to within half an ulp
    return 1 + x;
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((x * c) / (c - 2) - x);
  const y = 1 - (lo - (x * c) / (2 - c) - hi);
  if (k >= -1021) return k === 1024 ? y * 2 * POWERS_OF_TWO[1023 + 1074]! : y * POWERS_OF_TWO[k + 1074]!;
  return y * POWERS_OF_TWO[k + 1000 + 1074]! * TWO_M1000;
}

const TWO54 = 1.80143985094819840000e16;
const LG1 = 6.666666666666735130e-1;
const LG2 = 3.999999999940941908e-1;
const LG3 = 2.857142874366239149e-1;
const LG4 = 2.222219843214978396e-1;
const LG5 = 1.818357216161805012e-1;
const LG6 = 1.531383769920937332e-1;
const LG7 = 1.479819860511658591e-1;

/**
 * ln x. x = 2^k (1 + f) with √2/2 < 1 + f < √2; ln(1 + f) = 2s + s·R(s²) with s = f/(2 + f) and R a
 * Remez polynomial of degree 14 in s; then k·ln2 added in two parts.
 */
export function portableLog(x: number): number {
  f64[0] = x;
  let hx = u32[HIGH]! | 0;
  const lx = u32[LOW]!;
  let k = 0;
  if (hx < 0x00100000) {
    // x < 2^-1022: zero, negative or subnormal
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54;
    hx = highWord(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  x = withHighWord(x, hx | (i ^ 0x3ff00000)); // normalise x or x/2
  k += i >> 20;
  const f = x - 1;
  if ((0x000fffff & (2 + hx)) < 3) {
    // −2^-20 ≤ f < 2^-20
    if (f === 0) return k === 0 ? 0 : k * LN2_HI + k * LN2_LO;
    const r = f * f * (0.5 - 0.33333333333333333 * f);
    return k === 0 ? f - r : k * LN2_HI - (r - k * LN2_LO - f);
  }
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const j = (hx - 0x6147a) | (0x6b851 - hx);
  const r = t2 + t1;
  if (j > 0) {
    const hfsq = 0.5 * f * f;
    return k === 0 ? f - (hfsq - s * (hfsq + r)) : k * LN2_HI - (hfsq - (s * (hfsq + r) + k * LN2_LO) - f);
  }
  return k === 0 ? f - s * (f - r) : k * LN2_HI - (s * (f - r) - k * LN2_LO - f);
}
