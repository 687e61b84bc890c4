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

/**
 * Maximum-likelihood γ on [lo, hi] given the mean of ln(x/lo) over the sample in the range: the root
 * of E[v](γ) = mean, by Newton's method (dE[v]/dγ = −Var[v]) kept inside a shrinking bisection
 * bracket, so it converges in a few steps and never leaves [−GAMMA_LIMIT, GAMMA_LIMIT].
 */
export function powerLawExponent(meanLogOffsetOfSample: number, lo: number, hi: number): number {
  const u = Math.log(hi / lo);
  let below = -GAMMA_LIMIT;
  let above = GAMMA_LIMIT;
  let gamma = 1;
  for (let i = 0; i < 200 && above - below > 1e-12; i++) {
    const excess = meanLogOffset(gamma, u) - meanLogOffsetOfSample;
    if (excess === 0) return gamma;
    // E[v] decreases in γ: too large a mean means γ is too small.
    if (excess > 0) below = gamma;
    else above = gamma;
    const variance = varianceLog(gamma, u);
    const next = variance > 0 ? gamma + excess / variance : NaN;
    const step = Math.abs(next - gamma);
    gamma = next > below && next < above ? next : (below + above) / 2;
    if (step < 1e-14 * Math.max(1, Math.abs(gamma))) break;
  }
  return gamma;
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

/**
 * The CDF as a function of ln x, F = expm1(s·v)/expm1(s·u) with v = ln(x/lo): one transcendental call
 * per point, for the KS scans that evaluate it millions of times. Near s·u = 0 and where e^(su) would
 * overflow it defers to powerLawCdf.
 */
export class PowerLawLogCdf {
  readonly lnLo: number;
  private readonly s: number;
  private readonly scale: number;
  private readonly fallback: ((lnX: number) => number) | undefined;
  constructor(gamma: number, lo: number, hi: number) {
    this.lnLo = Math.log(lo);
    this.s = 1 - gamma;
    const su = this.s * Math.log(hi / lo);
    this.scale = 1 / Math.expm1(su);
    this.fallback = Math.abs(su) < 1e-6 || su > 700 ? (lnX) => powerLawCdf(Math.exp(lnX), gamma, lo, hi) : undefined;
  }
  at(lnX: number): number {
    if (this.fallback) return this.fallback(lnX);
    const f = Math.expm1(this.s * (lnX - this.lnLo)) * this.scale;
    return f < 0 ? 0 : f > 1 ? 1 : f;
  }
}

/**
 * Fit γ on [lo, hi] to the values of a sorted sample at positions [from, to) (those in the range).
 * `withKs` false skips the KS distance (ks is then NaN): a bootstrap replicate needs only γ.
 * `logOf`, when given, holds ln of every value of `sorted` (the resampling loops keep them).
 */
export function fitPowerLaw(sorted: ArrayLike<number>, lo: number, hi: number, from: number, to: number, withKs = true, logOf?: Float64Array): PowerLawFit {
  const n = to - from;
  const logs = logOf ? logOf.subarray(from, to) : new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (!logOf) logs[i] = Math.log(sorted[from + i]!);
    sum += logs[i]!;
  }
  const gamma = powerLawExponent(sum / n - Math.log(lo), lo, hi);
  const u = Math.log(hi / lo);
  const gammaSe = 1 / Math.sqrt(n * varianceLog(gamma, u));
  let ks = NaN;
  if (withKs) {
    const cdf = new PowerLawLogCdf(gamma, lo, hi);
    ks = ksDistance(logs, (lnX) => cdf.at(lnX));
  }
  return { gamma, gammaSe, lo, hi, n, ks };
}
