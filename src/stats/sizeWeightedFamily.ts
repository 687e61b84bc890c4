/**
 * A distribution family of x = |w|/max, fitted the paper's way: not its plain density p(x; θ) but
 * its size-weighted density q(x; θ) = x p(x; θ) / E_p[x] is fitted to the size-weighted histogram
 * y_i = c_i n_i / Σ c_j n_j as the curve ŷ(x) = A q(x; θ) by least squares (Levenberg–Marquardt on
 * the parameters (A, θ), analytic Jacobian ∂ŷ/∂A = q, ∂ŷ/∂θ = A ∂q/∂θ).
 *
 * From a fitted curve to bin probabilities (for the binned likelihood, multinomial.ts): the counts
 * n_i are of the plain values, so bin i = [lo_i, hi_i) has probability
 *
 *   π_i = ∫_{lo_i}^{hi_i} p(x; θ) dx / ∫_0^U p(x; θ) dx,   p(x; θ) ∝ q(x; θ) / x,
 *
 * U the right end of the histogram (1 under `--normalize max`; every value is ≤ U by construction,
 * so p is truncated to [0, U]). Undoing the size weighting divides by x, which is why each family
 * supplies `logPlainMass`, the logarithm of ∫ p over an interval in closed form (CDF differences
 * computed in log space), and never a midpoint rule: bin 0 holds the integrable singularities
 * (q/x at x → 0) and the far tails hold the bins whose probabilities underflow. `logPlainMass` may
 * drop any factor that depends on θ alone, since π_i is normalised over the bins.
 */
import { type LevenbergMarquardtOptions, type LeastSquaresProblem, levenbergMarquardt } from "./levenbergMarquardt.js";
import { rSquared } from "./rSquared.js";

/** A family of size-weighted densities fitted to a histogram (METHOD §5). */
export interface SizeWeightedFamily<Name extends string = string> {
  readonly name: Name;
  /** Name for people (figure legends): "half-normal". */
  readonly label: string;
  /** What the family stands for, in a few words: "|w| of a Gaussian". */
  readonly description: string;
  /** Names of the shape parameters θ (the amplitude A comes first in every fit and is not listed). */
  readonly parameters: readonly string[];
  /** q(x; θ), the size-weighted density. */
  density(x: number, theta: ArrayLike<number>): number;
  /** ∂q/∂θ_j written into gradient[j]; returns q(x; θ). */
  densityGradient(x: number, theta: ArrayLike<number>, gradient: Float64Array): number;
  /** Deterministic starting θ for least squares from the histogram. */
  start(x: Float64Array, y: Float64Array): number[];
  /** The equivalent θ in canonical form (e.g. a scale's sign dropped); identity when absent. */
  canonical?(theta: number[]): number[];
  /** ln ∫_lo^hi p(x; θ) dx up to a factor that depends on θ only; +∞ when p is not integrable there. */
  logPlainMass(lo: number, hi: number, theta: ArrayLike<number>): number;
}

/** A family's least-squares fit. */
export interface FamilyFit {
  A: number;
  theta: number[];
  r2: number;
  converged: boolean;
  iterations: number;
}

/** Least-squares problem for ŷ = A q(x; θ) on (x, y), parameters (A, θ). */
export function familyProblem(family: SizeWeightedFamily, x: Float64Array, y: Float64Array): LeastSquaresProblem {
  const n = 1 + family.parameters.length;
  const gradient = new Float64Array(n - 1);
  return {
    parameters: n,
    points: x.length,
    evaluate(p, residuals, jacobian) {
      const A = p[0]!;
      const theta = p.subarray(1);
      for (let i = 0; i < x.length; i++) {
        const q = jacobian ? family.densityGradient(x[i]!, theta, gradient) : family.density(x[i]!, theta);
        residuals[i] = A * q - y[i]!;
        if (jacobian) {
          jacobian[n * i] = q;
          for (let j = 1; j < n; j++) jacobian[n * i + j] = A * gradient[j - 1]!;
        }
      }
    },
  };
}

/** E_y[x^power] = Σ y x^power / Σ y over the histogram; NaN when it holds no mass. For start values. */
export function histogramMoment(x: Float64Array, y: Float64Array, power: number): number {
  let mass = 0;
  let moment = 0;
  for (let i = 0; i < x.length; i++) {
    mass += y[i]!;
    moment += y[i]! * x[i]! ** power;
  }
  return mass > 0 ? moment / mass : NaN;
}

/** Least-squares A for a fixed shape: Σ y q / Σ q². */
export function amplitudeFor(family: SizeWeightedFamily, x: Float64Array, y: Float64Array, theta: ArrayLike<number>): number {
  let yq = 0;
  let qq = 0;
  for (let i = 0; i < x.length; i++) {
    const q = family.density(x[i]!, theta);
    if (!Number.isFinite(q)) continue;
    yq += y[i]! * q;
    qq += q * q;
  }
  return qq > 0 ? yq / qq : 0;
}

/** Fit ŷ = A q(x; θ) to (x, y) from the family's start (A by linear least squares given θ₀). */
export function fitFamily(family: SizeWeightedFamily, x: Float64Array, y: Float64Array, options: LevenbergMarquardtOptions = {}): FamilyFit {
  const theta0 = family.start(x, y);
  const A0 = amplitudeFor(family, x, y, theta0);
  const result = levenbergMarquardt(familyProblem(family, x, y), [A0, ...theta0], options);
  const A = result.parameters[0]!;
  const raw = Array.from(result.parameters.subarray(1));
  const theta = family.canonical ? family.canonical(raw) : raw;
  const predicted = x.map((xi) => A * family.density(xi, theta));
  const finite = Number.isFinite(A) && theta.every(Number.isFinite);
  return { A, theta, r2: rSquared(y, predicted), converged: result.converged && finite, iterations: result.iterations };
}

/** ln of the unnormalised plain-density mass of each of B equal bins on [0, U]. */
export function logBinMasses(family: SizeWeightedFamily, theta: ArrayLike<number>, bins: number, unit: number): Float64Array {
  const out = new Float64Array(bins);
  for (let i = 0; i < bins; i++) out[i] = family.logPlainMass((i / bins) * unit, ((i + 1) / bins) * unit, theta);
  return out;
}
