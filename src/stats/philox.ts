/**
 * Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror & Shaw, "Parallel random numbers:
 * as easy as 1, 2, 3" (SC'11; the Random123 library, also PyTorch's CUDA generator). Its output is a
 * pure function of a 128-bit counter and a 64-bit key — 10 rounds of a Feistel-like network of
 * 32×32→64-bit multiplies — so any element of a stream can be computed on its own: chunks and shards
 * of a tensor are drawn in parallel, in any order, with the same bytes. Integer arithmetic only (the
 * high half of each product from exact 16-bit splits), so every platform computes the same words.
 * Checked against Random123's known-answer vectors.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/**
 * High 32 bits of the 64-bit product a·m (a, m < 2^32), exactly, from the four 16×16-bit partial
 * products (each < 2^32, so exact in doubles and in unsigned shifts).
 */
function mulHigh(a: number, m: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const ml = m & 0xffff;
  const mh = m >>> 16;
  const lh = al * mh;
  const hl = ah * ml;
  const cross = ((al * ml) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * mh + (lh >>> 16) + (hl >>> 16) + (cross >>> 16)) >>> 0;
}

/**
 * The four output words for counter (c0, c1, c2, c3) and key (k0, k1), written to `out`. All inputs
 * are unsigned 32-bit integers.
 */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = c2 >>> 0;
  let x3 = c3 >>> 0;
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  for (let round = 0; round < 10; round++) {
    const hi0 = mulHigh(x0, M0);
    const lo0 = Math.imul(x0, M0) >>> 0;
    const hi1 = mulHigh(x2, M1);
    const lo1 = Math.imul(x2, M1) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ key1) >>> 0;
    x3 = lo0;
    key0 = (key0 + W0) >>> 0;
    key1 = (key1 + W1) >>> 0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

/**
 * A uniform double in (0, 1) from the top 26 bits of each of two words: the centre of one of 2^52
 * equal cells, so never 0 or 1 (from 2^-53 to 1 − 2^-53), exactly computed. The low 6 bits of each
 * word are free for other uses (a sign).
 */
export function uniform52(a: number, b: number): number {
  return ((a >>> 6) * 67108864 + (b >>> 6) + 0.5) / 4503599627370496;
}
