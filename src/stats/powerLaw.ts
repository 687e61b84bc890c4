/**
 * The continuous power law truncated to a range: p(x) = x^−γ / Z on [lo, hi], Z = ∫_lo^hi x^−γ dx
 * (any real γ; the truncation makes every γ normalisable). In v = ln(x/lo) ∈ [0, u], u = ln(hi/lo),
 * the law is the exponential family p(v) ∝ e^{s v} with s = 1 − γ, so
 *   E[v] = u / (1 − e^{−su}) − 1/s,   Var[v] = 1/s² − u² / (4 sinh²(su/2)),
 *   F(x) = (e^{s v} − 1) / (e^{s u} − 1),
 * and the maximum-likelihood γ solves E[v] = mean(ln(x/lo)) (E[v] decreases monotonically in γ, so
 * bisection finds it). Its standard error is 1/√(n Var[v]) (Fisher information of the exponential
 * family). This is the estimator of Clauset, Shalizi & Newman, SIAM Review 51:661 (2009), Eq. 3.1,
 * extended to an upper bound as in Deluca & Corral, Acta Geophysica 61:1351 (2013).
 */
import { ksDistance } from "./ksDistance.js";

/** E[ln(x/lo)] under the truncated law with exponent γ on a range of log-width u. */
export function meanLogOffset(gamma: number, u: number): number {
  const s = 1 - gamma;
  const su = s * u;
  if (Math.abs(su) < 1e-6) return u / 2 + (s * u * u) / 12;
  return u / -Math.expm1(-su) - 1 / s;
}

/** Var[ln x] under the truncated law. */
export function varianceLog(gamma: number, u: number): number {
  const s = 1 - gamma;
  const su = s * u;
  if (Math.abs(su) < 1e-4) return (u * u) / 12 - (su * su * u * u) / 720;
  const sinh = Math.sinh(su / 2);
  return 1 / (s * s) - (u * u) / (4 * sinh * sinh);
}

export function powerLawCdf(x: number, gamma: number, lo: number, hi: number): number {
  if (x <= lo) return 0;
  if (x >= hi) return 1;
  const s = 1 - gamma;
  const u = Math.log(hi / lo);
  const v = Math.log(x / lo);
  if (Math.abs(s * u) < 1e-9) return v / u;
  // Written so that neither branch overflows for large |s·u|.
  return s > 0 ? Math.exp(s * (v - u)) * (-Math.expm1(-s * v) / -Math.expm1(-s * u)) : Math.expm1(s * v) / Math.expm1(s * u);
}

/** The normalised density p(x) on [lo, hi] (0 outside). */
export function powerLawDensity(x: number, gamma: number, lo: number, hi: number): number {
  if (x < lo || x > hi) return 0;
  const s = 1 - gamma;
  const u = Math.log(hi / lo);
  const v = Math.log(x / lo);
  if (Math.abs(s * u) < 1e-9) return 1 / (u * x);
  const pv = s > 0 ? (s * Math.exp(s * (v - u))) / -Math.expm1(-s * u) : (s * Math.exp(s * v)) / Math.expm1(s * u);
  return pv / x;
}

/** Bisection bracket for γ; beyond it the law is a spike at one end of the range. */
export const GAMMA_LIMIT = 50;

/** Maximum-likelihood γ on [lo, hi] given the mean of ln(x/lo) over the sample in the range. */
export function powerLawExponent(meanLogOffsetOfSample: number, lo: number, hi: number): number {
  const u = Math.log(hi / lo);
  let below = -GAMMA_LIMIT;
  let above = GAMMA_LIMIT;
  for (let i = 0; i < 200 && above - below > 1e-12; i++) {
    const mid = (below + above) / 2;
    if (meanLogOffset(mid, u) > meanLogOffsetOfSample) below = mid;
    else above = mid;
  }
  return (below + above) / 2;
}

/** A truncated power law fitted by maximum likelihood on [lo, hi]. */
export interface PowerLawFit {
  gamma: number;
  /** Standard error of γ from the Fisher information (assumes independent samples). */
  gammaSe: number;
  lo: number;
  hi: number;
  /** Samples in [lo, hi]. */
  n: number;
  /** KS distance between the samples in [lo, hi] and the fitted law. */
  ks: number;
}

/** Fit γ on [lo, hi] to the values of a sorted sample that fall in the range. */
export function fitPowerLaw(sorted: ArrayLike<number>, lo: number, hi: number, from: number, to: number): PowerLawFit {
  const n = to - from;
  let sum = 0;
  for (let i = from; i < to; i++) sum += Math.log(sorted[i]! / lo);
  const gamma = powerLawExponent(sum / n, lo, hi);
  const u = Math.log(hi / lo);
  const gammaSe = 1 / Math.sqrt(n * varianceLog(gamma, u));
  const ks = ksDistance(sorted, (x) => powerLawCdf(x, gamma, lo, hi), from, to);
  return { gamma, gammaSe, lo, hi, n, ks };
}
