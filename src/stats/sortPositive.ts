/**
 * Sorting positive finite doubles in expected O(n), with the permutation: the pooled steps of all
 * tracked weights (127,000 values for 1,000 weights × 127 steps) are sorted once per row with the
 * weight each came from, which a comparison sort of indices does several times slower. The high 32 bits of a positive IEEE-754 double (exponent and the top 20
 * mantissa bits) grow with the value, roughly like its logarithm; values are distributed into n
 * buckets by those bits (a counting sort, stable), and each bucket is finished by insertion sort
 * (buckets are small for any sample spread over a range of scales, and ties cost nothing; a bucket
 * that needs too many moves is sorted by comparison instead, so the worst case stays O(n log n)).
 */

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HIGH_WORD = littleEndian ? 1 : 0;
/** Moves per element an insertion sort may spend before the bucket is sorted by comparison. */
const CROWDED = 16;

/**
 * Insertion sort of sorted[from, to) carrying `index` along; gives up (returning false, the range
 * partly sorted) after `budget` moves. Equal values cost no moves, so ties are linear.
 */
function insertionSort(sorted: Float64Array, index: Int32Array, from: number, to: number, budget: number): boolean {
  let moves = 0;
  for (let j = from + 1; j < to; j++) {
    const v = sorted[j]!;
    const id = index[j]!;
    let m = j - 1;
    while (m >= from && sorted[m]! > v) {
      sorted[m + 1] = sorted[m]!;
      index[m + 1] = index[m]!;
      m--;
    }
    sorted[m + 1] = v;
    index[m + 1] = id;
    moves += j - 1 - m;
    if (moves > budget) return false;
  }
  return true;
}

/**
 * The permutation that sorts `values` ascending (values[index[0]] ≤ values[index[1]] ≤ …) and the
 * sorted values. Every value must be positive and finite.
 */
export function sortPositiveWithIndex(values: Float64Array): { sorted: Float64Array; index: Int32Array } {
  const n = values.length;
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!(v > 0 && v < Infinity)) throw new RangeError(`sortPositive needs positive finite values (got ${v})`);
    const w = words[2 * i + HIGH_WORD]!;
    if (w < lo) lo = w;
    if (w > hi) hi = w;
  }
  const buckets = Math.max(1, n);
  const scale = hi > lo ? (buckets - 1) / (hi - lo) : 0;
  const key = new Int32Array(n);
  const start = new Int32Array(buckets + 1);
  for (let i = 0; i < n; i++) {
    const k = Math.floor((words[2 * i + HIGH_WORD]! - lo) * scale);
    key[i] = k;
    start[k + 1]!++;
  }
  for (let k = 0; k < buckets; k++) start[k + 1]! += start[k]!;
  const fill = start.slice(0, buckets);
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[fill[key[i]!]!++] = i;
  const sorted = new Float64Array(n);
  for (let j = 0; j < n; j++) sorted[j] = values[index[j]!]!;
  for (let k = 0; k < buckets; k++) {
    const from = start[k]!;
    const to = start[k + 1]!;
    if (to - from > 1 && !insertionSort(sorted, index, from, to, CROWDED * (to - from))) {
      const part = Array.from(index.subarray(from, to)).sort((a, b) => values[a]! - values[b]! || a - b);
      for (let j = 0; j < part.length; j++) {
        index[from + j] = part[j]!;
        sorted[from + j] = values[part[j]!]!;
      }
    }
  }
  return { sorted, index };
}
