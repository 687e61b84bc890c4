/**
 * A zero-mean Gaussian fitted to the tail of |d| above a threshold x0 by maximum likelihood: if
 * d ~ N(0, s²), then |d| conditioned on |d| ≥ x0 has density φ(x/s) / (s·Q(x0/s)) on [x0, ∞)
 * (φ the standard normal density, Q its upper tail), so
 *   ℓ(s) = −Σ x² / (2s²) − n ln s − n ln Q(x0/s) + const,
 * maximised over ln s (one dimension: grid + golden section). With x0 = 0 this is the plain
 * half-normal MLE s² = mean(x²). The KS distance of the tail sample against the fitted conditional
 * CDF F(x) = 1 − Q(x/s)/Q(x0/s) says how Gaussian the tail is.
 */
import { ksDistance } from "./ksDistance.js";
import { minimize1d } from "./minimize1d.js";
import { logNormalUpperTail } from "./normalTail.js";

/** A zero-mean Gaussian fitted to the values above a threshold. */
export interface GaussianTailFit {
  /** Standard deviation s of the Gaussian. */
  sigma: number;
  /** The threshold the tail starts at. */
  from: number;
  /** Samples ≥ from. */
  n: number;
  ks: number;
}

export function gaussianTailCdf(x: number, sigma: number, from: number): number {
  if (x <= from) return 0;
  return 1 - Math.exp(logNormalUpperTail(x / sigma) - logNormalUpperTail(from / sigma));
}

/** Density of |d| on [from, ∞) conditioned on |d| ≥ from. */
export function gaussianTailDensity(x: number, sigma: number, from: number): number {
  if (x < from) return 0;
  const z = x / sigma;
  return Math.exp(-0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - Math.log(sigma) - logNormalUpperTail(from / sigma));
}

/** Fit the samples of a sorted sample at positions [start, end) (all ≥ from). */
export function fitGaussianTail(sorted: ArrayLike<number>, from: number, start: number, end = sorted.length): GaussianTailFit | undefined {
  const n = end - start;
  if (n < 2) return undefined;
  let sumSquares = 0;
  for (let i = start; i < end; i++) sumSquares += sorted[i]! * sorted[i]!;
  const rms = Math.sqrt(sumSquares / n);
  if (!(rms > 0)) return undefined;
  const negativeLogLikelihood = (logSigma: number): number => {
    const sigma = Math.exp(logSigma);
    return sumSquares / (2 * sigma * sigma) + n * logSigma + n * logNormalUpperTail(from / sigma);
  };
  // s below rms/e^8 would put the whole sample many s²/x0 widths from x0; above rms·e^4 the
  // conditional density is flat across the sample and the likelihood only falls.
  const { x } = minimize1d(negativeLogLikelihood, Math.log(rms) - 8, Math.log(rms) + 4, 121);
  const sigma = Math.exp(x);
  const ks = ksDistance(sorted, (value) => gaussianTailCdf(value, sigma, from), start, end);
  return { sigma, from, n, ks };
}
