/**
 * The paper's model (METHOD §3): a scaled lognormal density
 *
 *   y(x) = A / (x σ √(2π)) · exp(−(ln x − μ)² / (2σ²)),
 *
 * fitted by least squares over all B bins (empty bins included) with Levenberg–Marquardt and the
 * analytic Jacobian
 *   ∂y/∂A = y/A,  ∂y/∂μ = y (ln x − μ)/σ²,  ∂y/∂σ = y ((ln x − μ)²/σ³ − 1/σ),
 * from the start A0 = 1/B, μ0 = Σ y_i ln c_i, σ0 = √(Σ y_i (ln c_i − μ0)²).
 * σ is reported as |σ| (the model is odd in σ: (A, μ, −σ) ≡ (−A, μ, σ), so A takes σ's sign along).
 * R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)².
 */
import { type LevenbergMarquardtOptions, type LeastSquaresProblem, levenbergMarquardt, parameterCovariance } from "./levenbergMarquardt.js";
import { logNormalInterval } from "./normalTail.js";
import { rSquared } from "./rSquared.js";
import type { SizeWeightedFamily } from "./sizeWeightedFamily.js";

export { rSquared } from "./rSquared.js";

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** The paper's model y(x) = A / (x σ √(2π)) · exp(−(ln x − μ)² / (2σ²)); 0 for x ≤ 0. */
export function lognormalCurve(x: number, A: number, mu: number, sigma: number): number {
  if (!(x > 0)) return 0;
  const z = (Math.log(x) - mu) / sigma;
  return (A * INV_SQRT_2PI * Math.exp(-0.5 * z * z)) / (x * sigma);
}

/** The starting point of the fit. */
export interface LognormalStart {
  A: number;
  mu: number;
  sigma: number;
}

/** METHOD §3's deterministic starting point (the same that the scipy oracle uses). */
export function lognormalStart(x: Float64Array, y: Float64Array): LognormalStart {
  let mu = 0;
  for (let i = 0; i < x.length; i++) mu += y[i]! * Math.log(x[i]!);
  let variance = 0;
  for (let i = 0; i < x.length; i++) variance += y[i]! * (Math.log(x[i]!) - mu) ** 2;
  return { A: 1 / x.length, mu, sigma: Math.sqrt(variance) };
}

/** A lognormal fit of a size-weighted histogram. */
export interface LognormalFit {
  A: number;
  mu: number;
  sigma: number;
  r2: number;
  converged: boolean;
  iterations: number;
  /** Σ (y − ŷ)². */
  residualSumOfSquares: number;
  /**
   * Covariance of (A, μ, σ), row-major 3×3, as scipy's curve_fit pcov (absolute_sigma=False; see
   * levenbergMarquardt.ts parameterCovariance), for the reported sign of σ; null where scipy's is ∞.
   */
  covariance: Float64Array | null;
}

/** Standard errors of (A, μ, σ) and corr(μ, σ) from a fit's covariance; null entries where it has none. */
export function fitUncertainty(fit: Pick<LognormalFit, "covariance">): { se: { A: number | null; mu: number | null; sigma: number | null }; corrMuSigma: number | null } {
  const c = fit.covariance;
  const root = (v: number | undefined): number | null => (v !== undefined && v >= 0 && Number.isFinite(v) ? Math.sqrt(v) : null);
  if (!c) return { se: { A: null, mu: null, sigma: null }, corrMuSigma: null };
  const seMu = root(c[4]);
  const seSigma = root(c[8]);
  const corr = seMu !== null && seSigma !== null && seMu > 0 && seSigma > 0 ? c[5]! / (seMu * seSigma) : null;
  return { se: { A: root(c[0]), mu: seMu, sigma: seSigma }, corrMuSigma: corr === null ? null : Math.max(-1, Math.min(1, corr)) };
}

/** Least-squares problem for the scaled lognormal on (x, y). Exported for the cross-check tests. */
export function lognormalProblem(x: Float64Array, y: Float64Array): LeastSquaresProblem {
  const logX = x.map(Math.log);
  return {
    parameters: 3,
    points: x.length,
    evaluate(p, residuals, jacobian) {
      const A = p[0]!;
      const mu = p[1]!;
      const sigma = p[2]!;
      const inverseVariance = 1 / (sigma * sigma);
      for (let i = 0; i < x.length; i++) {
        const d = logX[i]! - mu;
        const shape = (INV_SQRT_2PI * Math.exp(-0.5 * d * d * inverseVariance)) / (x[i]! * sigma);
        const value = A * shape;
        residuals[i] = value - y[i]!;
        if (jacobian) {
          jacobian[3 * i] = shape;
          jacobian[3 * i + 1] = value * d * inverseVariance;
          jacobian[3 * i + 2] = value * (d * d * inverseVariance - 1) / sigma;
        }
      }
    },
  };
}

/** Fit the scaled lognormal to (x, y); x > 0 (bin centres); from METHOD §3's start unless `from` is given. */
export function fitLognormal(x: Float64Array, y: Float64Array, options: LevenbergMarquardtOptions = {}, from?: LognormalStart): LognormalFit {
  const start = from ?? lognormalStart(x, y);
  const result = levenbergMarquardt(lognormalProblem(x, y), [start.A, start.mu, start.sigma], options);
  const [rawA, mu, rawSigma] = result.parameters as unknown as [number, number, number];
  const sign = rawSigma < 0 ? -1 : 1;
  const A = rawA * sign;
  const sigma = Math.abs(rawSigma);
  const predicted = x.map((xi) => lognormalCurve(xi, A, mu, sigma));
  let residualSumOfSquares = 0;
  for (let i = 0; i < x.length; i++) residualSumOfSquares += (y[i]! - predicted[i]!) ** 2;
  const finite = [A, mu, sigma].every(Number.isFinite);
  const covariance = parameterCovariance(result, x.length);
  if (covariance && sign < 0) {
    // (A, μ, σ) → (−A, μ, −σ): flip the covariances between μ and the two sign-changed parameters.
    for (const [i, j] of [[0, 1], [1, 2]] as const) {
      covariance[i * 3 + j] = -covariance[i * 3 + j]!;
      covariance[j * 3 + i] = -covariance[j * 3 + i]!;
    }
  }
  return {
    A,
    mu,
    sigma,
    r2: rSquared(y, predicted),
    converged: result.converged && finite,
    iterations: result.iterations,
    residualSumOfSquares,
    covariance,
  };
}

/**
 * The lognormal as a size-weighted family (sizeWeightedFamily.ts), for the binned likelihood and the
 * figures; the paper's fit itself is `fitLognormal`. If the size-weighted density is LN(μ, σ²) the
 * plain one is LN(μ − σ², σ²) (METHOD §4), so bin [lo, hi) has mass
 * P((ln lo − μ + σ²)/σ < Z < (ln hi − μ + σ²)/σ).
 */
export const lognormalFamily: SizeWeightedFamily<"lognormal"> = {
  name: "lognormal",
  label: "lognormal",
  description: "the paper's model",
  parameters: ["mu", "sigma"],
  density: (x, theta) => lognormalCurve(x, 1, theta[0]!, theta[1]!),
  densityGradient(x, theta, gradient) {
    const mu = theta[0]!;
    const sigma = theta[1]!;
    const q = lognormalCurve(x, 1, mu, sigma);
    const d = x > 0 ? Math.log(x) - mu : 0;
    gradient[0] = (q * d) / (sigma * sigma);
    gradient[1] = (q * ((d * d) / (sigma * sigma) - 1)) / sigma;
    return q;
  },
  start(x, y) {
    const start = lognormalStart(x, y);
    return [start.mu, start.sigma];
  },
  canonical: (theta) => [theta[0]!, Math.abs(theta[1]!)],
  logPlainMass(lo, hi, theta) {
    const sigma = Math.abs(theta[1]!);
    const muPlain = theta[0]! - sigma * sigma;
    const z = (value: number): number => (value > 0 ? (Math.log(value) - muPlain) / sigma : -Infinity);
    return logNormalInterval(z(lo), z(hi));
  },
};
