/**
 * The binned log-likelihood of a histogram under a model's bin probabilities, and AIC.
 *
 * The counts n_1..n_B (N = Σ n_i) are one multinomial draw with probabilities π_i, so
 *
 *   ln L = ln N! − Σ ln n_i! + Σ n_i ln π_i,    AIC = 2k − 2 ln L
 *
 * (H. Akaike, IEEE Trans. Autom. Control 19 (1974) 716–723), k the number of parameters that shape
 * π. The π_i arrive as unnormalised logarithms (sizeWeightedFamily.ts) and are normalised here by
 * log-sum-exp. Bins with n_i = 0 contribute nothing whatever π_i is; an observed bin the model
 * gives probability 0 makes ln L = −∞, and so does a model with infinite mass somewhere (not a
 * distribution). ln n! is ln Γ(n + 1) (Lanczos, simple-statistics).
 */
import { gammaln } from "simple-statistics";

export function logFactorial(n: number): number {
  return n < 2 ? 0 : gammaln(n + 1);
}

/**
 * ln π_i from unnormalised ln masses by log-sum-exp. All NaN when a mass is NaN; all −∞ when the
 * masses are not a distribution (a mass is +∞, or every mass is 0).
 */
export function logProbabilities(logMass: ArrayLike<number>): Float64Array {
  const out = new Float64Array(logMass.length);
  let max = -Infinity;
  for (let i = 0; i < logMass.length; i++) {
    const value = logMass[i]!;
    if (Number.isNaN(value)) return out.fill(NaN);
    if (value === Infinity) return out.fill(-Infinity);
    if (value > max) max = value;
  }
  if (max === -Infinity) return out.fill(-Infinity);
  let sum = 0;
  for (let i = 0; i < logMass.length; i++) sum += Math.exp(logMass[i]! - max);
  const logTotal = max + Math.log(sum);
  for (let i = 0; i < logMass.length; i++) out[i] = logMass[i]! - logTotal;
  return out;
}

/** ln L = ln N! − Σ ln n_i! + Σ n_i ln π_i of counts under bin log-probabilities (METHOD §5). */
export function multinomialLogLikelihood(counts: ArrayLike<number>, logMass: ArrayLike<number>): number {
  const logP = logProbabilities(logMass);
  let total = 0;
  let logLikelihood = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!;
    if (n === 0) continue;
    total += n;
    logLikelihood += n * logP[i]! - logFactorial(n);
  }
  return logLikelihood + logFactorial(total);
}

/** Akaike's information criterion: +∞ when L = 0, NaN when L is undefined. */
export function akaike(logLikelihood: number, parameters: number): number {
  return Number.isNaN(logLikelihood) ? NaN : 2 * parameters - 2 * logLikelihood;
}
