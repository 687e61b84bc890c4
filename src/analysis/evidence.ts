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
import { fitMaximumLikelihood, gStatistic } from "../stats/binnedMaximumLikelihood.js";
import { FAMILY_LIST, type FamilyName } from "../stats/families.js";
import { lognormalFamily } from "../stats/lognormal.js";
import { akaike, logProbabilities, multinomialLogLikelihood } from "../stats/multinomial.js";
import { type SizeWeightedFamily, fitFamily, logBinMasses } from "../stats/sizeWeightedFamily.js";

/** A family of the registry (stats/families.ts), in report order. */
export type ModelName = FamilyName;
/** The families in report order, the order ties of AIC are broken in (METHOD §5). */
export const MODEL_NAMES: readonly ModelName[] = FAMILY_LIST.map((family) => family.name);
/** A family other than the lognormal. */
export type AlternativeName = Exclude<ModelName, "lognormal">;
export const ALTERNATIVE_NAMES: readonly AlternativeName[] = MODEL_NAMES.filter((name): name is AlternativeName => name !== "lognormal");

export const FAMILIES = Object.fromEntries(FAMILY_LIST.map((family) => [family.name, family])) as unknown as { readonly [name in ModelName]: SizeWeightedFamily<name> };

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

/**
 * An alternative family's least-squares curve ŷ = A q(x; θ): the amplitude, each shape parameter
 * under its name (`s` of the half-normal, `b` of the exponential, `k` of the power law, in units of
 * x), then R², loglik, aic, converged.
 */
export interface AlternativeEvidence extends FitEvidence {
  A: number;
  [parameter: string]: number | boolean | null;
}
/** The half-normal's curve ŷ = A (x/s²) e^{−x²/(2s²)}: s is the Gaussian's standard deviation in units of x. */
export type HalfNormalEvidence = AlternativeEvidence & { s: number };
/** The exponential's curve ŷ = A (x/b²) e^{−x/b}: b is the Laplace scale in units of x. */
export type ExponentialEvidence = AlternativeEvidence & { b: number };
/** The power law's curve ŷ = A x^k. */
export type PowerLawEvidence = AlternativeEvidence & { k: number };

/** The fits of the alternative families of a layer (`alternatives` in JSON). */
export type Alternatives = { [name in AlternativeName]: AlternativeEvidence } & {
  halfnormal: HalfNormalEvidence;
  exponential: ExponentialEvidence;
  powerlaw: PowerLawEvidence;
};

/** A family refitted by binned maximum likelihood: its parameters by name, then loglik, aic, converged. */
export interface MaximumLikelihoodEvidence {
  loglik: number | null;
  aic: number | null;
  converged: boolean;
  [parameter: string]: number | boolean | null;
}

/** Every family's maximum-likelihood refit, by name (`ml` in JSON). */
export type MaximumLikelihoodBlock = { [name in ModelName]: MaximumLikelihoodEvidence };

/** A layer's evidence: the lognormal's likelihood and AIC, the alternatives, the ML refits and the best families. */
export interface LayerEvidence {
  /** Of the paper's lognormal fit (null as in FitEvidence). */
  loglik: number | null;
  aic: number | null;
  alternatives: Alternatives;
  /** Smallest AIC at the least-squares curves (ties go to the earlier of MODEL_NAMES); null when no AIC is finite. */
  best: ModelName | null;
  /** Every family at its own binned maximum likelihood. */
  ml: MaximumLikelihoodBlock;
  /** Smallest AIC at the maximum-likelihood fits. */
  best_ml: ModelName | null;
  /** G statistic of the lognormal at its maximum likelihood over its degrees of freedom B − 3. */
  gof_per_dof: number | null;
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

function named(family: SizeWeightedFamily, theta: readonly number[]): Record<string, number> {
  return Object.fromEntries(family.parameters.map((parameter, j) => [parameter, theta[j]!]));
}

/** Fit the alternative families to a histogram and weigh all four by AIC (METHOD §5). */
export function layerEvidence(histogram: HistogramForFit, lognormal: { mu: number; sigma: number }): LayerEvidence {
  const own = likelihood(lognormalFamily, [lognormal.mu, lognormal.sigma], histogram);
  const leastSquares = new Map<ModelName, number[]>([["lognormal", [lognormal.mu, lognormal.sigma]]]);
  const alternatives = {} as Record<string, AlternativeEvidence>;
  const aic = { lognormal: own.aic } as Record<ModelName, number | null>;
  for (const name of ALTERNATIVE_NAMES) {
    const family = FAMILIES[name] as SizeWeightedFamily;
    const fit = fitFamily(family, histogram.centres, histogram.y);
    const evidence = likelihood(family, fit.theta, histogram);
    leastSquares.set(name, fit.theta);
    alternatives[name] = { A: fit.A, ...named(family, fit.theta), r2: fit.r2, ...evidence, converged: fit.converged };
    aic[name] = evidence.aic;
  }
  const ml = {} as Record<string, MaximumLikelihoodEvidence>;
  const mlAic = {} as Record<ModelName, number | null>;
  let lognormalMl: number[] | undefined;
  for (const name of MODEL_NAMES) {
    const family = FAMILIES[name] as SizeWeightedFamily;
    const start = leastSquares.get(name)!;
    const fit = fitMaximumLikelihood(family, histogram.counts, histogram.unit, [start, family.start(histogram.centres, histogram.y), start.map(Math.abs), start.map(() => 1)]);
    ml[name] = { ...named(family, fit.theta), loglik: finiteOrNull(fit.loglik), aic: finiteOrNull(fit.aic), converged: fit.converged };
    mlAic[name] = finiteOrNull(fit.aic);
    if (name === "lognormal" && Number.isFinite(fit.loglik)) lognormalMl = fit.theta;
  }
  const dof = histogram.counts.length - 1 - lognormalFamily.parameters.length;
  const gof = lognormalMl && dof > 0 ? gStatistic(lognormalFamily, lognormalMl, histogram.counts, histogram.unit) / dof : NaN;
  return {
    ...own,
    alternatives: alternatives as Alternatives,
    best: bestByAic(aic),
    ml: ml as MaximumLikelihoodBlock,
    best_ml: bestByAic(mlAic),
    gof_per_dof: finiteOrNull(gof),
  };
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
  if (model === "lognormal") return { A: layer.A, theta: [layer.mu, layer.sigma], r2: layer.r2 };
  const evidence = layer.alternatives[model];
  return { A: evidence.A, theta: FAMILIES[model].parameters.map((parameter) => evidence[parameter] as number), r2: evidence.r2 };
}
