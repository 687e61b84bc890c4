/**
 * Null layers (METHOD §7.1): what the paper's procedure (METHOD §2–3) gives on a layer of N
 * untrained weights — Gaussian N(0, s²) (|w| half-normal) or Laplace with scale b (|w|
 * exponential) — of the same size, binned the same way.
 *
 * Computed from expected bin probabilities, not from a sample: deterministic, O(B), the same on
 * every platform, and free of per-element work. The steps mirror the histogram of a real layer:
 * 1. the normaliser: under `--normalize max` (and `none`, see below) the median of the maximum of N
 *    values, M = s·z with P(max ≤ M) = F(z)^N = ½, i.e. F(z) = 2^(−1/N) (F the CDF of |w|/s:
 *    2Φ(z) − 1 for the half-normal, 1 − e^(−z) for the exponential); under `quantile:Q` the
 *    Q-quantile of |w|, F(z) = Q.
 * 2. counts: under max, the maximum itself in the last bin and the other N − 1 values spread by |w|
 *    truncated to [0, M]: n_i = (N − 1) π_i, π_i = P(z·i/B < |W| < z·(i+1)/B) / P(|W| < z); under a
 *    quantile, the N·Q values below it spread the same way (the N·(1 − Q) above it are not binned).
 * 3. the size-weighted histogram, the lognormal fit of METHOD §2–3, its R², and the equilibrium
 *    spread of those expected counts (teleodynamics.ts).
 * x = |w|/M removes s, so the results depend on N and B only (under `--normalize none` too: the
 * bins then scale with max|w|, and μ shifts by ln max|w|, which the caller adds). These are the
 * expected counts, so the values carry no sampling noise; a sampled layer of ~10⁴ weights scores
 * around them within its bootstrap interval (tested).
 */
import { binCentres, sizeWeightedHistogram } from "./binning.js";
import { fitLognormal } from "./lognormal.js";
import { log1mExp, logNormalInterval, logNormalUpperTail } from "./normalTail.js";
import { teleodynamics } from "./teleodynamics.js";

/** The null models of METHOD §7.1: |w| of Gaussian (half-normal) or Laplace (exponential) weights. */
export type NullFamily = "gaussian" | "laplace";
export const NULL_FAMILIES: readonly NullFamily[] = ["gaussian", "laplace"];

/** What the procedure gives on the null layer (field names are the JSON contract). */
export interface NullFit {
  mu: number;
  sigma: number;
  r2: number;
  equilibrium_spread: number;
}

/** How x is normalised: by the maximum (max, none) or by the Q-quantile of |w|. */
export type NullNormaliser = { kind: "max" } | { kind: "quantile"; q: number };

interface AbsoluteLaw {
  /** ln P(|W| > z) for the standard law. */
  logUpper(z: number): number;
  /** ln P(a < |W| < b), 0 ≤ a < b, up to a constant (only ratios are used). */
  logInterval(a: number, b: number): number;
}

const LAWS: { readonly [family in NullFamily]: AbsoluteLaw } = {
  // |W| of a standard normal: P(|W| > z) = 2Q(z).
  gaussian: { logUpper: (z) => Math.LN2 + logNormalUpperTail(z), logInterval: (a, b) => logNormalInterval(a, b) },
  // |W| of a standard Laplace is Exp(1).
  laplace: { logUpper: (z) => -z, logInterval: (a, b) => -a + log1mExp(a - b) },
};

/** z with ln P(|W| > z) = target, by bisection (P decreasing in z). */
function upperQuantile(law: AbsoluteLaw, logTarget: number): number {
  let lo = 0;
  let hi = 64;
  while (law.logUpper(hi) > logTarget && hi < 1e6) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (law.logUpper(mid) > logTarget) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

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

/** Expected bin counts of a null layer of n values (see the file comment). */
export function nullCounts(family: NullFamily, n: number, bins: number, normaliser: NullNormaliser = { kind: "max" }): Float64Array {
  const law = LAWS[family];
  const quantile = normaliser.kind === "quantile";
  // P(|W| > z) = 1 − 2^(−1/N) for the median maximum, 1 − Q for the Q-quantile.
  const z =
    quantile ? upperQuantile(law, Math.log1p(-normaliser.q)) : family === "gaussian" ? medianHalfNormalMaximum(n) : upperQuantile(law, Math.log(-Math.expm1(-Math.LN2 / n)));
  const logTotal = law.logInterval(0, z);
  const spread = quantile ? n * normaliser.q : n - 1;
  const counts = new Float64Array(bins);
  for (let i = 0; i < bins; i++) counts[i] = spread * Math.exp(law.logInterval((z * i) / bins, (z * (i + 1)) / bins) - logTotal);
  if (!quantile) counts[bins - 1]! += 1;
  return counts;
}

/** Expected bin counts of N half-normal values binned on [0, their median maximum]. */
export function gaussianNullCounts(n: number, bins: number): Float64Array {
  return nullCounts("gaussian", n, bins);
}

const cache = new Map<string, NullFit>();

/**
 * The lognormal fit of METHOD §2–3 on the expected histogram of a null layer of n weights, B bins
 * (x in units of the normaliser); NaN fields for n < 1.
 */
export function nullFit(family: NullFamily, n: number, bins: number, normaliser: NullNormaliser = { kind: "max" }): NullFit {
  if (!(n >= 1)) return { mu: NaN, sigma: NaN, r2: NaN, equilibrium_spread: NaN };
  const key = `${family}:${n}:${bins}:${normaliser.kind === "quantile" ? normaliser.q : "max"}`;
  let result = cache.get(key);
  if (result === undefined) {
    const centres = binCentres(bins);
    const counts = nullCounts(family, n, bins, normaliser);
    const fit = fitLognormal(centres, sizeWeightedHistogram(counts, centres));
    result = { mu: fit.mu, sigma: fit.sigma, r2: fit.r2, equilibrium_spread: teleodynamics(fit.mu, fit.sigma, counts, centres).equilibriumSpread };
    if (cache.size > 10_000) cache.clear();
    cache.set(key, result);
  }
  return result;
}

/** R² of the lognormal fit on the expected histogram of a Gaussian layer of n weights, B bins. */
export function gaussianNullR2(n: number, bins: number): number {
  return nullFit("gaussian", n, bins).r2;
}
