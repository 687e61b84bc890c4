/**
 * Per-layer results (METHOD §2–5). Field names are the JSON contract: CSV columns, JSON and JSONL
 * all use them verbatim, and users' scripts parse them. Add fields; never rename or change meaning.
 */
import { binCentres, sizeWeightedHistogram } from "../stats/binning.js";
import { fitLognormal } from "../stats/lognormal.js";
import { gaussianNullR2 } from "../stats/nullBaseline.js";
import { teleodynamics } from "../stats/teleodynamics.js";
import type { LayerStatistics } from "../stats/valueSummary.js";
import { type Alternatives, type ModelName, layerEvidence } from "./evidence.js";
import type { AnalysisSettings } from "./settings.js";
import type { QuantizationInfo } from "../io/quantizedEncoding.js";

/** METHOD §3 quality flags, plus `nonfinite` (the layer held NaN/Inf values, which were dropped). */
export type QualityFlag = "first-bin" | "peak-outside" | "no-converge" | "few-levels" | "nonfinite";

export interface LayerResult {
  tensor: string;
  /** Present when `tensor` was made unique (e.g. ONNX names repeated across `If` branches). */
  original_name?: string;
  shape: number[];
  params: number;
  dtype: string;
  /** Quantisation scheme when values were decoded from quantised storage. */
  quantization?: string;
  /** The checkpoint quantisation scheme as data (scheme, bits, block size, …), for FP8/MXFP4/NVFP4/GPTQ/AWQ/bitsandbytes/compressed-tensors layers. */
  quantization_scheme?: QuantizationInfo;
  A: number;
  mu: number;
  sigma: number;
  r2: number;
  /** μ of the plain (not size-weighted) lognormal: μ − σ² (METHOD §4). */
  mu_plain: number;
  max_abs: number;
  zeros: number;
  nonfinite: number;
  /** y_0: size-weighted fraction in the first bin. */
  first_bin_mass: number;
  /** Distinct finite |w| values; a lower bound when `distinct_exact` is false. */
  distinct: number;
  distinct_exact: boolean;
  /** Maximum-likelihood lognormal of x = |w|/max over x > 0: mean and sd of ln x (METHOD §4). */
  mle_mu: number;
  mle_sigma: number;
  flags: QualityFlag[];
  converged: boolean;
  iterations: number;
  /** Binned multinomial log-likelihood of the layer's counts under the lognormal fit (METHOD §5); null where it is 0. */
  loglik: number | null;
  /** AIC = 2·2 − 2·loglik of the lognormal fit; null with loglik. */
  aic: number | null;
  /** The other families fitted to the same histogram (evidence.ts). */
  alternatives: Alternatives;
  /** The family with the smallest AIC, lognormal included; null when none is finite. */
  best: ModelName | null;
  /** R² of the lognormal fit on the expected histogram of a Gaussian layer of the same size (nullBaseline.ts). */
  null_r2: number;
  /** Teleodynamic parameters (METHOD §4): α = μ_plain/σ² − 1, β = 1/(2σ²). */
  alpha: number;
  beta: number;
  /** Count-weighted sd of the per-bin utility h_i = α ln c_i − β (ln c_i)² − ln n_i; 0 at equilibrium. */
  equilibrium_spread: number;
  /** Position of the tensor in the model's depth order, counting every tensor from 0 (formats/depthOrder.ts). */
  depth: number;
}

export interface SkippedTensor {
  tensor: string;
  original_name?: string;
  shape: number[];
  params: number;
  dtype: string;
  reason: string;
  depth: number;
}

export interface TensorIdentity {
  name: string;
  originalName?: string;
  shape: number[];
  params: number;
  dtype: string;
  quantization?: string;
  /** Position in the model's depth order. */
  depth: number;
  quantizationInfo?: QuantizationInfo;
}

/** y_0 above this means the max is an outlier and the histogram is unresolved. */
export const FIRST_BIN_LIMIT = 0.25;
/** `few-levels` when a layer holds fewer than this many distinct values per bin. */
export const LEVELS_PER_BIN = 4;

/**
 * Histogram → fit → flags. Returns a skip reason instead when the layer cannot be fitted
 * (all zero, or nothing finite).
 */
export function layerResult(identity: TensorIdentity, stats: LayerStatistics, settings: AnalysisSettings): LayerResult | SkippedTensor {
  const base = { tensor: identity.name, ...(identity.originalName !== undefined ? { original_name: identity.originalName } : {}), shape: identity.shape, params: identity.params, dtype: identity.dtype };
  if (stats.finite === 0) return { ...base, reason: "no finite values", depth: identity.depth };
  if (stats.maxAbs === 0) return { ...base, reason: "all values are zero", depth: identity.depth };

  const bins = settings.bins;
  const unit = settings.normalize === "max" ? 1 : stats.maxAbs;
  const centres = binCentres(bins, unit);
  const y = sizeWeightedHistogram(stats.counts, centres);
  const fit = fitLognormal(centres, y, {});
  const evidence = layerEvidence({ counts: stats.counts, centres, y, unit }, fit);
  const teleo = teleodynamics(fit.mu, fit.sigma, stats.counts, centres);

  const flags: QualityFlag[] = [];
  const firstBinMass = y[0]!;
  if (firstBinMass > FIRST_BIN_LIMIT) flags.push("first-bin");
  const mode = Math.exp(fit.mu - fit.sigma * fit.sigma);
  if (!(mode > 0 && mode <= unit)) flags.push("peak-outside");
  if (!fit.converged) flags.push("no-converge");
  if (stats.distinctExact && stats.distinct < LEVELS_PER_BIN * bins) flags.push("few-levels");
  const nonfinite = stats.nan + stats.infinite;
  if (nonfinite > 0) flags.push("nonfinite");

  // Log-moments of x = |w| / max: shift by ln(max) (or not, under --normalize none).
  const shift = settings.normalize === "max" ? Math.log(stats.maxAbs) : 0;
  const logMean = stats.logCount > 0 ? stats.logSum / stats.logCount : NaN;
  const logVariance = stats.logCount > 0 ? Math.max(0, stats.logSumSq / stats.logCount - logMean * logMean) : NaN;

  return {
    ...base,
    ...(identity.quantization !== undefined ? { quantization: identity.quantization } : {}),
    ...(identity.quantizationInfo !== undefined ? { quantization_scheme: identity.quantizationInfo } : {}),
    A: fit.A,
    mu: fit.mu,
    sigma: fit.sigma,
    r2: fit.r2,
    mu_plain: fit.mu - fit.sigma * fit.sigma,
    max_abs: stats.maxAbs,
    zeros: stats.zeros,
    nonfinite,
    first_bin_mass: firstBinMass,
    distinct: stats.distinct,
    distinct_exact: stats.distinctExact,
    mle_mu: logMean - shift,
    mle_sigma: Math.sqrt(logVariance),
    flags,
    converged: fit.converged,
    iterations: fit.iterations,
    loglik: evidence.loglik,
    aic: evidence.aic,
    alternatives: evidence.alternatives,
    best: evidence.best,
    null_r2: gaussianNullR2(stats.finite, bins),
    alpha: teleo.alpha,
    beta: teleo.beta,
    equilibrium_spread: teleo.equilibriumSpread,
    depth: identity.depth,
  };
}

export function isLayerResult(result: LayerResult | SkippedTensor): result is LayerResult {
  return "mu" in result;
}
