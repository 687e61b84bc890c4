/**
 * The maximum-likelihood lognormal of the values (METHOD §4), `mle_mu`/`mle_sigma`, over the values
 * above a floor: |w| ≥ 2^(⌊log₂ max|w|⌋ − 20), i.e. 2⁻²¹ … 2⁻²⁰ (≈ 5e-7 … 1e-6) of the maximum.
 * Below it lie values no 16-bit float can hold relative to the max, which drove the mean of ln|w|
 * (one layer: −32.5 from F32, −2.30 from its F16 copy); with the floor the estimate no longer depends
 * on the storage dtype. A floor at a power of two keeps the sums exact: it falls on a binade
 * boundary, which every table the accumulators keep (F32 buckets, F64 binades, code tables)
 * respects. The values below it are counted (`mle_below_floor`).
 */
import { BINADES, BINADE_OFFSET } from "./floatScan.js";
import type { LayerStatistics } from "./layerHistograms.js";

export const MLE_FLOOR_BINADES = 20;

export interface FlooredLogMoments {
  /** The floor in units of |w|. */
  floor: number;
  count: number;
  mean: number;
  sd: number;
  /** Nonzero finite values below the floor (left out). */
  below: number;
}

export function flooredLogMoments(stats: LayerStatistics): FlooredLogMoments {
  const exponent = Math.floor(Math.log2(stats.maxAbs)) - MLE_FLOOR_BINADES;
  const floor = 2 ** exponent;
  let count = 0;
  let sum = 0;
  let squares = 0;
  const fine = stats.fine;
  if (stats.binades) {
    const from = Math.max(0, exponent + BINADE_OFFSET);
    for (let b = from; b < BINADES; b++) {
      count += stats.binades[3 * b]!;
      sum += stats.binades[3 * b + 1]!;
      squares += stats.binades[3 * b + 2]!;
    }
  } else if (fine?.kind === "exact") {
    for (let i = 0; i < fine.values.length; i++) {
      const a = fine.values[i]!;
      if (!(a >= floor)) continue;
      const log = Math.log(a);
      count += fine.counts[i]!;
      sum += fine.counts[i]! * log;
      squares += fine.counts[i]! * log * log;
    }
  } else if (fine?.kind === "intervals") {
    // F32 buckets: each interval contributes the exact mean of ln and ln² over it (floatScan.ts).
    const f1 = (x: number): number => (x === 0 ? 0 : x * Math.log(x) - x);
    const f2 = (x: number): number => {
      if (x === 0) return 0;
      const l = Math.log(x);
      return x * l * l - 2 * x * l + 2 * x;
    };
    for (let i = 0; i < fine.counts.length; i++) {
      const lo = fine.lo[i]!;
      const hi = fine.hi[i]!;
      if (!(lo >= floor) || !(hi > lo)) continue;
      const c = fine.counts[i]!;
      count += c;
      sum += (c * (f1(hi) - f1(lo))) / (hi - lo);
      squares += (c * (f2(hi) - f2(lo))) / (hi - lo);
    }
  } else {
    count = stats.logCount;
    sum = stats.logSum;
    squares = stats.logSumSq;
  }
  const mean = count > 0 ? sum / count : NaN;
  const sd = count > 0 ? Math.sqrt(Math.max(0, squares / count - mean * mean)) : NaN;
  return { floor, count, mean, sd, below: Math.max(0, stats.finite - stats.zeros - count) };
}
