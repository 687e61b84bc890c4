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
 *
 * Speed (the bootstrap, the surrogate null and the goodness-of-fit test repeat this scan hundreds of
 * times): branch and bound, with the same result as evaluating every candidate in full. The
 * empirical and fitted CDFs compared at the edges of a finer log grid give a lower bound on each
 * candidate's D (D is a supremum over all x); candidates are then evaluated exactly in increasing
 * order of that bound, and the scan stops once the bound exceeds the best exact D found. Ties keep
 * the candidate that comes first in the plain scan order (lo ascending, hi descending).
 */
import { ksDistance, lowerBound } from "./ksDistance.js";
import { fitPowerLaw, powerLawExponent, PowerLawLogCdf, varianceLog, type PowerLawFit } from "./powerLaw.js";
import { plainSample, type SortedSampleView, type ThinScratch } from "./sortedSample.js";

export { thinSorted } from "./sortedSample.js";

/** Constraints on the power-law range chosen by the KS minimum. */
export interface PowerLawRangeOptions {
  binsPerDecade: number;
  minLo: number;
  minDecades: number;
  minSamples: number;
  maxScanSamples: number;
  /** Compute the KS distance of the final refit on every sample (default true; a replicate skips it). */
  withKs?: boolean;
}

export const DEFAULT_POWER_LAW_RANGE: Omit<PowerLawRangeOptions, "minLo"> = {
  binsPerDecade: 10,
  minDecades: 1,
  minSamples: 50,
  maxScanSamples: 100_000,
};

/** The scan's arrays, reused from call to call (no result refers to them). */
const scratch: ThinScratch & { prefix: Float64Array } = { values: new Float64Array(0), logs: new Float64Array(0), prefix: new Float64Array(0) };

/** Edges per decade of the grid the lower bounds are evaluated on. */
const BOUND_GRID_PER_DECADE = 100;

export interface PowerLawRangeFit extends PowerLawFit {
  /** D of the winning range on the scan sample (equal to `ks` when the sample was not thinned). */
  scanKs: number;
  /** The range spans the shortest admissible width: no candidate between minDecades and one grid step more. */
  atMinimumSpan: boolean;
}

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

interface Candidate {
  order: number;
  lo: number;
  hi: number;
  /** Scan positions: first value ≥ lo, first value > hi; and the indices of the bounds. */
  from: number;
  to: number;
  a: number;
  b: number;
  gamma: number;
  cdf: PowerLawLogCdf;
  bound: number;
}

/** Positions in a sorted sample of a set of check points: values < e and values ≤ e. */
interface CheckPoints {
  lnX: Float64Array;
  below: Int32Array;
  atOrBelow: Int32Array;
}

function checkPoints(points: ArrayLike<number>, scan: Float64Array): CheckPoints {
  const n = points.length;
  const out = { lnX: new Float64Array(n), below: new Int32Array(n), atOrBelow: new Int32Array(n) };
  for (let j = 0; j < n; j++) {
    out.lnX[j] = Math.log(points[j]!);
    out.below[j] = lowerBound(scan, points[j]!);
    out.atOrBelow[j] = lowerBound(scan, points[j]!, true);
  }
  return out;
}

/**
 * max over check points j in [first, last) of |F_n(e_j) − F(e_j)| and |F_n(e_j−) − F(e_j)|: a lower
 * bound on the candidate's KS distance (D is the supremum over every x).
 */
function lowerBoundOfKs(points: CheckPoints, first: number, last: number, c: Candidate): number {
  const m = c.to - c.from;
  let bound = 0;
  for (let j = first; j < last; j++) {
    const f = c.cdf.at(points.lnX[j]!);
    const left = Math.abs((points.below[j]! - c.from) / m - f);
    const right = Math.abs((points.atOrBelow[j]! - c.from) / m - f);
    if (left > bound) bound = left;
    if (right > bound) bound = right;
  }
  return bound;
}

/**
 * The KS-minimum range and its fit, or undefined when no candidate range meets the constraints.
 * `sample` is the sorted values (`logs`, when given, holds ln of each: saves the logarithms in
 * resampling loops) or a view of a sorted sample (sortedSample.ts: e.g. a weighted bootstrap
 * resample, for which the refit's KS distance is not computed).
 */
export function selectPowerLawRange(sample: Float64Array | SortedSampleView, options: PowerLawRangeOptions, logs?: Float64Array): PowerLawRangeFit | undefined {
  const view = sample instanceof Float64Array ? plainSample(sample, logs) : sample;
  if (view.size < 2) return undefined;
  const min = view.min;
  const max = view.max;
  if (!(min > 0)) throw new RangeError("power-law range selection needs positive values");
  const bounds = candidateBounds(min, max, options.binsPerDecade);
  const { values: scan, logs: lnScan } = view.thin(options.maxScanSamples, scratch);
  if (scratch.prefix.length < scan.length + 1) scratch.prefix = new Float64Array(scan.length + 1);
  const prefix = scratch.prefix;
  for (let i = 0; i < scan.length; i++) prefix[i + 1] = prefix[i]! + lnScan[i]!;
  const widthRatio = 10 ** options.minDecades * (1 - 1e-12);
  const fullFrom = bounds.map((b) => view.count(b, false));
  const fullTo = bounds.map((b) => view.count(b, true));
  const coarse = checkPoints(bounds, scan);

  const candidates: Candidate[] = [];
  for (let a = 0; a < bounds.length; a++) {
    const lo = bounds[a]!;
    if (lo < options.minLo) continue;
    for (let b = bounds.length - 1; b > a; b--) {
      const hi = bounds[b]!;
      if (hi < lo * widthRatio) break;
      if (fullTo[b]! - fullFrom[a]! < options.minSamples) break;
      const from = coarse.below[a]!;
      const to = coarse.atOrBelow[b]!;
      const m = to - from;
      if (m < 2) continue;
      const gamma = powerLawExponent((prefix[to]! - prefix[from]!) / m - Math.log(lo), lo, hi);
      const c: Candidate = { order: candidates.length, lo, hi, from, to, a, b, gamma, cdf: new PowerLawLogCdf(gamma, lo, hi), bound: 0 };
      // The bounds strictly inside (lo, hi) are the coarse check points.
      c.bound = lowerBoundOfKs(coarse, a + 1, b, c);
      candidates.push(c);
    }
  }
  if (candidates.length === 0) return undefined;
  candidates.sort((x, y) => x.bound - y.bound || x.order - y.order);

  const firstEdge = Math.floor(Math.log10(min) * BOUND_GRID_PER_DECADE);
  const lastEdge = Math.ceil(Math.log10(max) * BOUND_GRID_PER_DECADE);
  const grid = new Float64Array(lastEdge - firstEdge + 1);
  for (let j = 0; j < grid.length; j++) grid[j] = 10 ** ((firstEdge + j) / BOUND_GRID_PER_DECADE);
  const fine = checkPoints(grid, scan);

  let best: Candidate | undefined;
  let bestKs = Infinity;
  for (const c of candidates) {
    if (c.bound > bestKs) break;
    if (lowerBoundOfKs(fine, lowerBound(grid, c.lo, true), lowerBound(grid, c.hi), c) > bestKs) continue;
    // The exact D on the scan values, in ln x (the CDF is a function of ln x), stopping past the best.
    const ks = ksDistance(lnScan, (lnX) => c.cdf.at(lnX), c.from, c.to, bestKs);
    if (ks < bestKs || (ks === bestKs && best !== undefined && c.order < best.order)) {
      best = c;
      bestKs = ks;
    }
  }
  if (!best) return undefined;
  const fit = refit(view, best.lo, best.hi, options.withKs ?? true);
  const shortest = 10 ** (options.minDecades + 1 / options.binsPerDecade) * (1 - 1e-12);
  return { ...fit, scanKs: bestKs, atMinimumSpan: best.hi < best.lo * shortest };
}

/**
 * γ on [lo, hi] from every value of the sample: fitPowerLaw on plain values (with the KS distance
 * when asked), else from the count and the sum of logarithms in the range (KS NaN).
 */
function refit(view: SortedSampleView, lo: number, hi: number, withKs: boolean): PowerLawFit {
  if (view.plain) {
    const { values, logs } = view.plain;
    return fitPowerLaw(values, lo, hi, lowerBound(values, lo), lowerBound(values, hi, true), withKs, logs);
  }
  const { n, sum } = view.logSum(lo, hi);
  const gamma = powerLawExponent(sum / n - Math.log(lo), lo, hi);
  return { gamma, gammaSe: 1 / Math.sqrt(n * varianceLog(gamma, Math.log(hi / lo))), lo, hi, n, ks: NaN };
}

/** Fit on a given range (`--range lo:hi`); undefined when fewer than 2 samples fall in it. */
export function fitPowerLawOnRange(sample: Float64Array | SortedSampleView, lo: number, hi: number, logs?: Float64Array): PowerLawFit | undefined {
  const view = sample instanceof Float64Array ? plainSample(sample, logs) : sample;
  return view.logSum(lo, hi).n >= 2 ? refit(view, lo, hi, true) : undefined;
}
