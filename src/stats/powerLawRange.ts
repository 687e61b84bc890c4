/**
 * Choosing the range [lo, hi] of a power law by the KS minimum (Clauset, Shalizi & Newman, SIAM
 * Review 51:661, 2009, §3.3): for every candidate range, fit γ by maximum likelihood on the samples
 * inside it and measure the KS distance D between those samples and the fit; the range with the
 * smallest D wins. CSN scan the lower bound with the tail open; here both bounds are scanned, because
 * the fluctuations of trained weights end in a Gaussian tail rather than running to infinity. Without
 * constraints a two-bound scan would prefer any short, nearly straight stretch, so a candidate range
 * must
 *   - start at or above `minLo` (the caller passes the peak of the distribution of ln x: the power law
 *     is the intermediate range between that peak and the tail),
 *   - span at least `minDecades` decades, and
 *   - hold at least `minSamples` samples.
 * Candidate bounds are the edges of a log grid (`binsPerDecade` per decade) inside the data, plus the
 * smallest and largest value. The scan runs on at most `maxScanSamples` evenly spaced order
 * statistics (which change the empirical CDF by at most 1/maxScanSamples); the chosen range is then
 * refitted on every sample.
 */
import { ksDistance, lowerBound } from "./ksDistance.js";
import { fitPowerLaw, powerLawCdf, powerLawExponent, type PowerLawFit } from "./powerLaw.js";

/** Constraints on the power-law range chosen by the KS minimum. */
export interface PowerLawRangeOptions {
  binsPerDecade: number;
  minLo: number;
  minDecades: number;
  minSamples: number;
  maxScanSamples: number;
}

export const DEFAULT_POWER_LAW_RANGE: Omit<PowerLawRangeOptions, "minLo"> = {
  binsPerDecade: 10,
  minDecades: 1,
  minSamples: 50,
  maxScanSamples: 100_000,
};

/** Candidate bounds: grid edges strictly inside (min, max), plus min and max. */
export function candidateBounds(min: number, max: number, binsPerDecade: number): number[] {
  const bounds = [min];
  for (let k = Math.ceil(Math.log10(min) * binsPerDecade); k / binsPerDecade <= Math.log10(max); k++) {
    const edge = 10 ** (k / binsPerDecade);
    if (edge > min && edge < max) bounds.push(edge);
  }
  if (max > min) bounds.push(max);
  return bounds;
}

/** Evenly spaced order statistics of a sorted sample (the sample itself when it is small enough). */
function thin(sorted: Float64Array, limit: number): Float64Array {
  if (sorted.length <= limit) return sorted;
  return Float64Array.from({ length: limit }, (_, i) => sorted[Math.floor(((i + 0.5) * sorted.length) / limit)]!);
}

/** The KS-minimum range and its fit, or undefined when no candidate range meets the constraints. */
export function selectPowerLawRange(sorted: Float64Array, options: PowerLawRangeOptions): PowerLawFit | undefined {
  if (sorted.length < 2) return undefined;
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  if (!(min > 0)) throw new RangeError("power-law range selection needs positive values");
  const bounds = candidateBounds(min, max, options.binsPerDecade);
  const scan = thin(sorted, options.maxScanSamples);
  const prefix = new Float64Array(scan.length + 1);
  for (let i = 0; i < scan.length; i++) prefix[i + 1] = prefix[i]! + Math.log(scan[i]!);
  const widthRatio = 10 ** options.minDecades * (1 - 1e-12);

  let best: { lo: number; hi: number; ks: number } | undefined;
  for (let a = 0; a < bounds.length; a++) {
    const lo = bounds[a]!;
    if (lo < options.minLo) continue;
    const fullFrom = lowerBound(sorted, lo);
    const scanFrom = lowerBound(scan, lo);
    for (let b = bounds.length - 1; b > a; b--) {
      const hi = bounds[b]!;
      if (hi < lo * widthRatio) break;
      if (lowerBound(sorted, hi, true) - fullFrom < options.minSamples) break;
      const scanTo = lowerBound(scan, hi, true);
      const m = scanTo - scanFrom;
      if (m < 2) continue;
      const gamma = powerLawExponent((prefix[scanTo]! - prefix[scanFrom]!) / m - Math.log(lo), lo, hi);
      const ks = ksDistance(scan, (x) => powerLawCdf(x, gamma, lo, hi), scanFrom, scanTo, best?.ks);
      if (best === undefined || ks < best.ks) best = { lo, hi, ks };
    }
  }
  if (!best) return undefined;
  return fitPowerLaw(sorted, best.lo, best.hi, lowerBound(sorted, best.lo), lowerBound(sorted, best.hi, true));
}

/** Fit on a given range (`--range lo:hi`); undefined when fewer than 2 samples fall in it. */
export function fitPowerLawOnRange(sorted: Float64Array, lo: number, hi: number): PowerLawFit | undefined {
  const from = lowerBound(sorted, lo);
  const to = lowerBound(sorted, hi, true);
  return to - from >= 2 ? fitPowerLaw(sorted, lo, hi, from, to) : undefined;
}
