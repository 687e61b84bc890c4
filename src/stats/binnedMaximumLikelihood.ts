/**
 * Binned maximum likelihood (METHOD §7.4): the shape θ of a family (sizeWeightedFamily.ts) that
 * maximises the multinomial log-likelihood of the layer's counts,
 *
 *   ln L(θ) = ln N! − Σ ln n_i! + Σ n_i ln π_i(θ),
 *
 * π_i(θ) the family's plain-density bin probabilities on [0, U] (multinomial.ts). Fisher scoring:
 * θ ← θ + I(θ)⁻¹ s(θ), with the score s_j = Σ n_i ∂ln π_i/∂θ_j and the expected information
 * I_jk = N Σ π_i ∂ln π_i/∂θ_j ∂ln π_i/∂θ_k (the derivatives by central differences of ln π_i, which
 * the families give in closed form in log space), halving the step until ln L increases; stopped
 * when the increase is below 1e-10 (absolute, in nats) or after 200 iterations. It starts from the
 * least-squares θ (the curve the paper's procedure draws) and, where that has ln L = −∞ (a power
 * law with k ≤ 0), from the family's own start or |θ|. Reference: C. R. Rao, "Linear Statistical
 * Inference and its Applications", 2nd ed., Wiley 1973, §5g (scoring); for grouped data
 * R. A. Fisher (1925).
 *
 * Also the G statistic G = 2 Σ n_i ln(n_i / (N π_i)) (the likelihood-ratio statistic against the
 * saturated model), whose expectation is its degrees of freedom B − 1 − k when the family is right.
 */
import { akaike, logProbabilities, multinomialLogLikelihood } from "./multinomial.js";
import { type SizeWeightedFamily, logBinMasses } from "./sizeWeightedFamily.js";

/** A family refitted by binned maximum likelihood (METHOD §7.4): θ, ln L, AIC, whether scoring converged. */
export interface MaximumLikelihoodFit {
  theta: number[];
  /** ln L at θ; −∞ when no finite start was found. */
  loglik: number;
  aic: number;
  converged: boolean;
  iterations: number;
}

const MAX_ITERATIONS = 200;
const TOLERANCE = 1e-10;

function logLikelihood(family: SizeWeightedFamily, theta: readonly number[], counts: ArrayLike<number>, unit: number): number {
  const value = multinomialLogLikelihood(counts, logBinMasses(family, theta, counts.length, unit));
  return Number.isNaN(value) ? -Infinity : value;
}

/** ln π_i at θ (normalised). */
function logPi(family: SizeWeightedFamily, theta: readonly number[], bins: number, unit: number): Float64Array {
  return logProbabilities(logBinMasses(family, theta, bins, unit));
}

/** Solve the k×k system (k ≤ 3, row-major) by Gaussian elimination with partial pivoting; null if singular. */
function solveSmall(matrix: number[], rhs: number[], k: number): number[] | null {
  const a = matrix.slice();
  const b = rhs.slice();
  for (let c = 0; c < k; c++) {
    let pivot = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r * k + c]!) > Math.abs(a[pivot * k + c]!)) pivot = r;
    if (!(Math.abs(a[pivot * k + c]!) > 0)) return null;
    if (pivot !== c) {
      for (let j = 0; j < k; j++) [a[c * k + j], a[pivot * k + j]] = [a[pivot * k + j]!, a[c * k + j]!];
      [b[c], b[pivot]] = [b[pivot]!, b[c]!];
    }
    for (let r = c + 1; r < k; r++) {
      const f = a[r * k + c]! / a[c * k + c]!;
      for (let j = c; j < k; j++) a[r * k + j]! -= f * a[c * k + j]!;
      b[r]! -= f * b[c]!;
    }
  }
  const x = new Array<number>(k).fill(0);
  for (let r = k - 1; r >= 0; r--) {
    let sum = b[r]!;
    for (let j = r + 1; j < k; j++) sum -= a[r * k + j]! * x[j]!;
    x[r] = sum / a[r * k + r]!;
  }
  return x.every(Number.isFinite) ? x : null;
}

/** Maximise the binned likelihood of `counts` (B bins on [0, unit]) over the family's θ from `start`. */
export function fitMaximumLikelihood(family: SizeWeightedFamily, counts: Float64Array, unit: number, starts: readonly (readonly number[])[]): MaximumLikelihoodFit {
  const k = family.parameters.length;
  const bins = counts.length;
  let total = 0;
  for (let i = 0; i < bins; i++) total += counts[i]!;
  let found: number[] | undefined;
  let value = -Infinity;
  for (const candidate of starts) {
    if (!candidate.every(Number.isFinite)) continue;
    const canonical = family.canonical ? family.canonical([...candidate]) : [...candidate];
    const v = logLikelihood(family, canonical, counts, unit);
    if (v > value) {
      value = v;
      found = canonical;
    }
  }
  if (found === undefined || !Number.isFinite(value)) return { theta: found ?? new Array<number>(k).fill(NaN), loglik: -Infinity, aic: Infinity, converged: false, iterations: 0 };
  let theta: number[] = found;

  let iterations = 0;
  let converged = false;
  while (iterations < MAX_ITERATIONS) {
    iterations++;
    // ∂ln π_i/∂θ_j by central differences.
    const derivatives: Float64Array[] = [];
    for (let j = 0; j < k; j++) {
      const h = 1e-6 * Math.max(Math.abs(theta[j]!), 1e-3);
      const up = theta.slice();
      const down = theta.slice();
      up[j]! += h;
      down[j]! -= h;
      const lp = logPi(family, up, bins, unit);
      const lm = logPi(family, down, bins, unit);
      derivatives.push(lp.map((v, i) => (v - lm[i]!) / (2 * h)));
    }
    const logP = logPi(family, theta, bins, unit);
    const score = new Array<number>(k).fill(0);
    const information = new Array<number>(k * k).fill(0);
    for (let i = 0; i < bins; i++) {
      const p = Math.exp(logP[i]!);
      for (let j = 0; j < k; j++) {
        const dj = derivatives[j]![i]!;
        if (!Number.isFinite(dj)) continue;
        if (counts[i]! > 0) score[j]! += counts[i]! * dj;
        for (let l = 0; l < k; l++) {
          const dl = derivatives[l]![i]!;
          if (Number.isFinite(dl) && p > 0) information[j * k + l]! += total * p * dj * dl;
        }
      }
    }
    const step = solveSmall(information, score, k);
    if (!step) break;
    let scale = 1;
    let improved = false;
    for (let halving = 0; halving < 40; halving++, scale /= 2) {
      const trial: number[] = theta.map((t, j) => t + scale * step[j]!);
      const canonical: number[] = family.canonical ? family.canonical(trial) : trial;
      const v = logLikelihood(family, canonical, counts, unit);
      if (v >= value) {
        const gain = v - value;
        theta = canonical;
        value = v;
        improved = true;
        if (gain <= TOLERANCE) converged = true;
        break;
      }
    }
    if (!improved) {
      // No ascent along the scoring direction: at the maximum to the precision of ln L.
      converged = true;
      break;
    }
    if (converged) break;
  }
  return { theta, loglik: value, aic: akaike(value, k), converged, iterations };
}

/** G = 2 Σ n_i ln(n_i / (N π_i)) over bins with n_i > 0, for the family at θ. */
export function gStatistic(family: SizeWeightedFamily, theta: readonly number[], counts: Float64Array, unit: number): number {
  const logP = logPi(family, theta, counts.length, unit);
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  let g = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!;
    if (n > 0) g += n * (Math.log(n / total) - logP[i]!);
  }
  return 2 * g;
}
