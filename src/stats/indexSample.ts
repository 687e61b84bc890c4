/**
 * A seeded uniform sample of k distinct indices from [0, n), returned sorted: Floyd's algorithm
 * (Bentley & Floyd, "A sample of brilliance", CACM 30(9), 1987), k random draws and O(k) memory
 * whatever n is. With k ≥ n every index is returned. The same (n, k, seed) always gives the same
 * indices, which is what tracking one weight across checkpoints needs.
 */
import { mulberry32 } from "./seededRandom.js";

/** k distinct indices of [0, n), sorted, drawn by Floyd's algorithm from `seed`. */
export function sampleIndices(n: number, k: number, seed: number): Float64Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`population size must be a non-negative integer (got ${n})`);
  if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`sample size must be a non-negative integer (got ${k})`);
  if (k >= n) return Float64Array.from({ length: n }, (_, i) => i);
  const random = mulberry32(seed);
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    // Two draws make a 64-bit fraction, so tensors beyond 2^32 elements are sampled uniformly too.
    const t = Math.floor((random() + random() / 4294967296) * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return Float64Array.from(chosen).sort();
}
