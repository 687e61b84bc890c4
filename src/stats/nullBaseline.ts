/**
 * The null baseline (METHOD §5): the R² the paper's lognormal fit gets on a layer of N Gaussian
 * weights N(0, s²) — what an untrained layer of the same size scores under the same procedure.
 *
 * Computed from expected bin probabilities, not from a sample: deterministic, O(B), the same on
 * every platform, and free of per-element work. The steps mirror the histogram of a real layer:
 * 1. max|w|: the median of the maximum of N half-normal values, M = s·z with
 *    P(max ≤ M) = (1 − 2Q(z))^N = ½, i.e. 2Q(z) = 1 − 2^(−1/N) (Q the standard normal upper tail).
 * 2. counts: the maximum itself in the last bin, the other N − 1 values spread by the half-normal
 *    truncated to [0, M]: n_i = (N − 1) π_i, π_i = P(z·i/B < Z < z·(i+1)/B) / P(0 < Z < z).
 * 3. the size-weighted histogram and the lognormal fit of METHOD §2–3, and its R².
 * x = |w|/max removes s, so the result depends on N and B only (under `--normalize none` too: the
 * bins then scale with max|w| and the fitted R² is the same). These are the expected counts, so the
 * value carries no sampling noise; a sampled Gaussian layer of ~10⁴ weights, whose tail bins hold a
 * handful of counts, scores somewhat lower.
 */
import { binCentres, sizeWeightedHistogram } from "./binning.js";
import { fitLognormal } from "./lognormal.js";
import { logNormalInterval, logNormalUpperTail } from "./normalTail.js";

/** z with 2Q(z) = 1 − 2^(−1/N): the median maximum of N standard half-normal values. */
export function medianHalfNormalMaximum(n: number): number {
  const target = Math.log(-Math.expm1(-Math.LN2 / n) / 2);
  let lo = 0;
  let hi = 64;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (logNormalUpperTail(mid) > target) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Expected bin counts of N half-normal values binned on [0, their median maximum]. */
export function gaussianNullCounts(n: number, bins: number): Float64Array {
  const z = medianHalfNormalMaximum(n);
  const logTotal = logNormalInterval(0, z);
  const counts = new Float64Array(bins);
  for (let i = 0; i < bins; i++) counts[i] = (n - 1) * Math.exp(logNormalInterval((z * i) / bins, (z * (i + 1)) / bins) - logTotal);
  counts[bins - 1]! += 1;
  return counts;
}

const cache = new Map<string, number>();

/** R² of the lognormal fit on the expected histogram of a Gaussian layer of n weights, B bins. */
export function gaussianNullR2(n: number, bins: number): number {
  if (!(n >= 1)) return NaN;
  const key = `${n}:${bins}`;
  let r2 = cache.get(key);
  if (r2 === undefined) {
    const centres = binCentres(bins);
    r2 = fitLognormal(centres, sizeWeightedHistogram(gaussianNullCounts(n, bins), centres)).r2;
    if (cache.size > 10_000) cache.clear();
    cache.set(key, r2);
  }
  return r2;
}
