/**
 * "Is it really lognormal?" (METHOD §5): on the same size-weighted histogram as the paper's fit,
 * least-squares fits of the half-normal (|w| of a Gaussian), exponential (|w| of a Laplace) and
 * power-law families (src/stats/halfNormal.ts, exponential.ts, powerLaw.ts), each with R², the
 * binned multinomial log-likelihood of the layer's counts and AIC; and the best family by AIC, the
 * lognormal included.
 *
 * Every likelihood is evaluated at the parameters of the least-squares curve that is reported and
 * drawn (not re-estimated by maximum likelihood), so each number can be recomputed from the JSON and
 * belongs to the curve in the figure; for the family the data came from, the two estimates agree.
 * k in AIC = 2k − 2 ln L counts the shape parameters that enter the bin probabilities (lognormal
 * μ, σ: 2; s, b, k: 1); the amplitude A, which every curve has, does not enter them.
 */
import { exponentialFamily } from "../stats/exponential.js";
import { halfNormalFamily } from "../stats/halfNormal.js";
import { lognormalFamily } from "../stats/lognormal.js";
import { akaike, logProbabilities, multinomialLogLikelihood } from "../stats/multinomial.js";
import { powerLawFamily } from "../stats/powerLawFamily.js";
import { type SizeWeightedFamily, fitFamily, logBinMasses } from "../stats/sizeWeightedFamily.js";

/** The families every layer is fitted with (METHOD §5). */
export type ModelName = "lognormal" | "halfnormal" | "exponential" | "powerlaw";
/** The families in the order ties of AIC are broken. */
export const MODEL_NAMES: readonly ModelName[] = ["lognormal", "halfnormal", "exponential", "powerlaw"];
export type AlternativeName = Exclude<ModelName, "lognormal">;
export const ALTERNATIVE_NAMES: readonly AlternativeName[] = ["halfnormal", "exponential", "powerlaw"];

export const FAMILIES: { readonly [name in ModelName]: SizeWeightedFamily<name> } = {
  lognormal: lognormalFamily,
  halfnormal: halfNormalFamily,
  exponential: exponentialFamily,
  powerlaw: powerLawFamily,
};

/**
 * R², binned log-likelihood, AIC of one fitted curve. `loglik` and `aic` are null where the
 * likelihood is 0 (the curve gives an observed bin probability 0, or is no distribution: a power
 * law with k ≤ 0) or undefined, so the library object and its JSON say the same.
 */
export interface FitEvidence {
  r2: number;
  loglik: number | null;
  aic: number | null;
  converged: boolean;
}

/** ŷ = A (x/s²) e^{−x²/(2s²)}: s is the Gaussian's standard deviation in units of x. */
export interface HalfNormalEvidence extends FitEvidence {
  A: number;
  s: number;
}

/** ŷ = A (x/b²) e^{−x/b}: b is the Laplace scale in units of x. */
export interface ExponentialEvidence extends FitEvidence {
  A: number;
  b: number;
}

/** ŷ = A x^k. */
export interface PowerLawEvidence extends FitEvidence {
  A: number;
  k: number;
}

/** The fits of the three alternative families of a layer (`alternatives` in JSON). */
export interface Alternatives {
  halfnormal: HalfNormalEvidence;
  exponential: ExponentialEvidence;
  powerlaw: PowerLawEvidence;
}

/** A layer's evidence: the lognormal's likelihood and AIC, the alternatives and the best family. */
export interface LayerEvidence {
  /** Of the paper's lognormal fit (null as in FitEvidence). */
  loglik: number | null;
  aic: number | null;
  alternatives: Alternatives;
  /** Smallest AIC (ties go to the earlier of MODEL_NAMES); null when no AIC is finite. */
  best: ModelName | null;
}

/** A layer's histogram as the families are fitted to it. */
export interface HistogramForFit {
  counts: Float64Array;
  centres: Float64Array;
  /** The size-weighted fractions y_i fitted by every family. */
  y: Float64Array;
  /** Right end of the histogram: 1 under --normalize max, max|w| under --normalize none. */
  unit: number;
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

function likelihood(family: SizeWeightedFamily, theta: ArrayLike<number>, histogram: HistogramForFit): { loglik: number | null; aic: number | null } {
  const loglik = multinomialLogLikelihood(histogram.counts, logBinMasses(family, theta, histogram.counts.length, histogram.unit));
  return { loglik: finiteOrNull(loglik), aic: finiteOrNull(akaike(loglik, family.parameters.length)) };
}

function alternative(family: SizeWeightedFamily, histogram: HistogramForFit): { A: number; theta: number[] } & FitEvidence {
  const fit = fitFamily(family, histogram.centres, histogram.y);
  return { A: fit.A, theta: fit.theta, r2: fit.r2, ...likelihood(family, fit.theta, histogram), converged: fit.converged };
}

/** Fit the alternative families to a histogram and weigh all four by AIC (METHOD §5). */
export function layerEvidence(histogram: HistogramForFit, lognormal: { mu: number; sigma: number }): LayerEvidence {
  const own = likelihood(lognormalFamily, [lognormal.mu, lognormal.sigma], histogram);
  const halfnormal = alternative(halfNormalFamily, histogram);
  const exponential = alternative(exponentialFamily, histogram);
  const powerlaw = alternative(powerLawFamily, histogram);
  const alternatives: Alternatives = {
    halfnormal: { A: halfnormal.A, s: halfnormal.theta[0]!, r2: halfnormal.r2, loglik: halfnormal.loglik, aic: halfnormal.aic, converged: halfnormal.converged },
    exponential: { A: exponential.A, b: exponential.theta[0]!, r2: exponential.r2, loglik: exponential.loglik, aic: exponential.aic, converged: exponential.converged },
    powerlaw: { A: powerlaw.A, k: powerlaw.theta[0]!, r2: powerlaw.r2, loglik: powerlaw.loglik, aic: powerlaw.aic, converged: powerlaw.converged },
  };
  return { ...own, alternatives, best: bestByAic({ lognormal: own.aic, halfnormal: halfnormal.aic, exponential: exponential.aic, powerlaw: powerlaw.aic }) };
}

/** The family with the smallest finite AIC (ties: the earlier of MODEL_NAMES), or null. */
export function bestByAic(aic: { readonly [name in ModelName]: number | null }): ModelName | null {
  let best: ModelName | null = null;
  for (const name of MODEL_NAMES) {
    const value = aic[name];
    if (value !== null && Number.isFinite(value) && (best === null || value < aic[best]!)) best = name;
  }
  return best;
}

/** What a layer result holds about each model's curve: amplitude, shape parameters and R². */
export interface FittedCurves {
  A: number;
  mu: number;
  sigma: number;
  r2: number;
  aic: number | null;
  alternatives: Alternatives;
  best: ModelName | null;
}

export function aicOf(layer: FittedCurves, model: ModelName): number | null {
  return model === "lognormal" ? layer.aic : layer.alternatives[model].aic;
}

/** AIC of `model` minus the best AIC of the layer; null where either is null. */
export function deltaAic(layer: FittedCurves, model: ModelName): number | null {
  const aic = aicOf(layer, model);
  const best = layer.best === null ? null : aicOf(layer, layer.best);
  return aic === null || best === null ? null : aic - best;
}

/** The fitted curve ŷ(x) of one model, as drawn in the figures. */
export function fittedCurve(layer: FittedCurves, model: ModelName): (x: number) => number {
  const { A, theta } = fittedParameters(layer, model);
  const family = FAMILIES[model] as SizeWeightedFamily;
  return (x) => A * family.density(x, theta);
}

/**
 * N·π_i: the counts each bin should hold under a model's fitted curve (the plain-density bin
 * probabilities the likelihood uses), for the figures. `unit` as in HistogramForFit.
 */
export function expectedCounts(layer: FittedCurves, model: ModelName, total: number, bins: number, unit: number): Float64Array {
  const logP = logProbabilities(logBinMasses(FAMILIES[model] as SizeWeightedFamily, fittedParameters(layer, model).theta, bins, unit));
  return logP.map((value) => total * Math.exp(value));
}

export function fittedParameters(layer: FittedCurves, model: ModelName): { A: number; theta: number[]; r2: number } {
  switch (model) {
    case "lognormal":
      return { A: layer.A, theta: [layer.mu, layer.sigma], r2: layer.r2 };
    case "halfnormal":
      return { A: layer.alternatives.halfnormal.A, theta: [layer.alternatives.halfnormal.s], r2: layer.alternatives.halfnormal.r2 };
    case "exponential":
      return { A: layer.alternatives.exponential.A, theta: [layer.alternatives.exponential.b], r2: layer.alternatives.exponential.r2 };
    case "powerlaw":
      return { A: layer.alternatives.powerlaw.A, theta: [layer.alternatives.powerlaw.k], r2: layer.alternatives.powerlaw.r2 };
  }
}
