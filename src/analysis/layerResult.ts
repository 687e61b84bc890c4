/**
 * Per-layer results (METHOD §2–5). Field names are the JSON contract: CSV columns, JSON and JSONL
 * all use them verbatim, and users' scripts parse them. Add fields; never rename or change meaning.
 */
import { binCentres, sizeWeightedHistogram } from "../stats/binning.js";
import { type BootstrapResult, bootstrapLognormal } from "../stats/bootstrap.js";
import { flooredLogMoments } from "../stats/flooredLogMoments.js";
import { type LayerStatistics, findGrid } from "../stats/layerHistograms.js";
import { fitLognormal, fitUncertainty } from "../stats/lognormal.js";
import { type NullFit, type NullNormaliser, nullFit } from "../stats/nullBaseline.js";
import { teleodynamics } from "../stats/teleodynamics.js";
import { type Alternatives, type MaximumLikelihoodBlock, type ModelName, layerEvidence } from "./evidence.js";
import { type AnalysisSettings, normalizeQuantile } from "./settings.js";
import type { QuantizationInfo } from "../io/quantizedEncoding.js";

/**
 * Quality flags (METHOD §7.3), plus `nonfinite` (the layer held NaN/Inf values, which were dropped).
 * A flagged layer is printed but left out of every summary.
 */
export type QualityFlag = "first-bin" | "peak-outside" | "no-converge" | "few-levels" | "nonfinite" | "ill-conditioned" | "sparse" | "bin-sensitive";
export const QUALITY_FLAGS: readonly QualityFlag[] = ["first-bin", "peak-outside", "no-converge", "few-levels", "nonfinite", "ill-conditioned", "sparse", "bin-sensitive"];

/** One fitted layer: its fields are the per-layer JSON contract (README "Output"; METHOD §2–§5). */
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
  /** What the procedure gives on a Gaussian / Laplace layer of the same N and B (METHOD §7.1). */
  null_gaussian: NullFit;
  null_laplace: NullFit;
  /** Standard errors of the least-squares fit (scipy's curve_fit pcov, METHOD §7.2); null where it has none. */
  fit_se: { A: number | null; mu: number | null; sigma: number | null };
  fit_corr_mu_sigma: number | null;
  /** Weight bootstrap that recomputes the maximum (METHOD §7.2); null when off. */
  bootstrap: BootstrapResult | null;
  /** σ refitted on the same values binned in ⌊B/2⌋ and 2B bins (METHOD §7.3). */
  sigma_half_bins: number | null;
  sigma_double_bins: number | null;
  /** max|w| / second largest |w|; null when the second largest is 0. */
  max_ratio: number | null;
  /** μ refitted without the single largest |w|, renormalised by the second largest (null under a quantile normaliser). */
  mu_drop_max: number | null;
  /** Every family refitted by binned maximum likelihood (METHOD §7.4). */
  ml: MaximumLikelihoodBlock;
  /** The family with the smallest AIC at its own maximum likelihood. */
  best_ml: ModelName | null;
  /** G statistic / degrees of freedom of the lognormal at its maximum likelihood. */
  gof_per_dof: number | null;
  /** Nonzero values below the floor of `mle_mu`/`mle_sigma` (flooredLogMoments.ts). */
  mle_below_floor: number;
  /** Under `--normalize quantile:Q`: the normaliser (the Q-quantile of |w|) and how many values lie above it (not binned). */
  normalizer?: number;
  above_normalizer?: number;
}

/** A tensor that was not fitted, and why (`skipped` in JSON). */
export interface SkippedTensor {
  tensor: string;
  original_name?: string;
  shape: number[];
  params: number;
  dtype: string;
  reason: string;
  depth: number;
  /** NaN/±Inf values of a layer that could not be fitted because nothing else was left (a broken layer, exit code 2). */
  nonfinite?: number;
  /** Set when the tensor holds the same values as an earlier fitted layer (aliased storage or bit-identical bytes): that layer's name. */
  duplicate_of?: string;
}

/** What `layerResult` needs to know of a tensor besides its statistics. */
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
/** `ill-conditioned` above this fit SE(μ) or |corr(μ, σ)|. */
export const SE_MU_LIMIT = 0.1;
export const CORRELATION_LIMIT = 0.999;
/** `sparse` above this fraction of exact zeros, or of the counts in bin 0. */
export const ZERO_FRACTION_LIMIT = 0.01;
export const BIN0_COUNT_LIMIT = 0.25;
/** `bin-sensitive` when σ at ⌊B/2⌋ or 2B bins moves by more than this. */
export const BIN_SENSITIVITY_LIMIT = 0.05;
/** `few-levels` when a layer holds fewer than this many distinct values per bin. */
export const LEVELS_PER_BIN = 4;

/**
 * Histogram → fit → flags. Returns a skip reason instead when the layer cannot be fitted
 * (all zero, or nothing finite).
 */
export function layerResult(identity: TensorIdentity, stats: LayerStatistics, settings: AnalysisSettings): LayerResult | SkippedTensor {
  const base = { tensor: identity.name, ...(identity.originalName !== undefined ? { original_name: identity.originalName } : {}), shape: identity.shape, params: identity.params, dtype: identity.dtype, depth: identity.depth };
  // A layer of NaN/Inf (or NaN/Inf and zeros) is a broken checkpoint, not an empty layer: it keeps
  // its count so that the run fails (exit code 2) as for a partly non-finite layer.
  const dropped = stats.nan + stats.infinite;
  if (stats.finite === 0) return dropped > 0 ? { ...base, reason: `all ${dropped} values are NaN/Inf`, nonfinite: dropped } : { ...base, reason: "no finite values" };
  if (stats.maxAbs === 0) return dropped > 0 ? { ...base, reason: `no nonzero finite value (${dropped} NaN/Inf, the rest zeros)`, nonfinite: dropped } : { ...base, reason: "all values are zero" };

  const bins = settings.bins;
  const quantile = normalizeQuantile(settings.normalize);
  // The right end of the fitted x axis: 1 (x = |w|/max or |w|/quantile) or max|w| (--normalize none).
  const unit = settings.normalize === "none" ? stats.maxAbs : 1;
  const scale = stats.grids[0]?.scale ?? stats.maxAbs;
  if (!(scale > 0)) return { ...base, reason: `the ${quantile} quantile of |w| is 0` };
  const centres = binCentres(bins, unit);
  const y = sizeWeightedHistogram(stats.counts, centres);
  const fit = fitLognormal(centres, y, {});
  const evidence = layerEvidence({ counts: stats.counts, centres, y, unit }, fit);
  const teleo = teleodynamics(fit.mu, fit.sigma, stats.counts, centres);
  const uncertainty = fitUncertainty(fit);

  // Refits of the same values on other grids (layerHistograms.ts).
  const refitSigma = (counts: Float64Array | undefined, gridBins: number, gridUnit: number): number | null => {
    if (!counts) return null;
    const c = binCentres(gridBins, gridUnit);
    const refit = fitLognormal(c, sizeWeightedHistogram(counts, c));
    return Number.isFinite(refit.sigma) ? refit.sigma : null;
  };
  const half = Math.floor(bins / 2);
  const sigmaHalf = half >= 2 ? refitSigma(findGrid(stats.grids, scale, half), half, unit) : null;
  const sigmaDouble = refitSigma(findGrid(stats.grids, scale, 2 * bins), 2 * bins, unit);
  const second = stats.top[1];
  let muDropMax: number | null = null;
  if (quantile === undefined && second !== undefined && second > 0) {
    const counts = second === stats.maxAbs ? dropOneFromTop(stats.counts, bins) : findGrid(stats.grids, second, bins);
    if (counts) {
      const c = binCentres(bins, settings.normalize === "none" ? second : 1);
      const refit = fitLognormal(c, sizeWeightedHistogram(counts, c));
      muDropMax = Number.isFinite(refit.mu) ? refit.mu : null;
    }
  }
  const flags: QualityFlag[] = [];
  const firstBinMass = y[0]!;
  if (firstBinMass > FIRST_BIN_LIMIT) flags.push("first-bin");
  const mode = Math.exp(fit.mu - fit.sigma * fit.sigma);
  if (!(mode >= unit / (2 * bins) && mode <= unit)) flags.push("peak-outside");
  if (!fit.converged) flags.push("no-converge");
  if (stats.distinctExact && stats.distinct < LEVELS_PER_BIN * bins) flags.push("few-levels");
  const nonfinite = stats.nan + stats.infinite;
  if (nonfinite > 0) flags.push("nonfinite");
  const seMu = uncertainty.se.mu;
  if (seMu === null || seMu > SE_MU_LIMIT || uncertainty.corrMuSigma === null || Math.abs(uncertainty.corrMuSigma) > CORRELATION_LIMIT) flags.push("ill-conditioned");
  let binned = 0;
  for (let i = 0; i < bins; i++) binned += stats.counts[i]!;
  if (stats.zeros > ZERO_FRACTION_LIMIT * stats.finite || stats.counts[0]! > BIN0_COUNT_LIMIT * binned) flags.push("sparse");
  if ((sigmaHalf !== null && Math.abs(sigmaHalf - fit.sigma) > BIN_SENSITIVITY_LIMIT) || (sigmaDouble !== null && Math.abs(sigmaDouble - fit.sigma) > BIN_SENSITIVITY_LIMIT)) flags.push("bin-sensitive");

  // The bootstrap runs where the fit is well posed: a layer flagged first-bin, peak-outside,
  // no-converge or ill-conditioned never reaches a summary, and its fit SE already says why.
  const wellPosed = !flags.some((flag) => flag === "first-bin" || flag === "peak-outside" || flag === "no-converge" || flag === "ill-conditioned");
  const bootstrap = wellPosed
    ? bootstrapLognormal(stats, bins, { replicates: settings.bootstrap, seed: settings.seed }, { unitIsScale: settings.normalize === "none", start: { A: fit.A, mu: fit.mu, sigma: fit.sigma }, ...(quantile !== undefined ? { fixedScale: scale } : {}) })
    : null;

  // Log-moments of x = |w| / normaliser over the values above the floor: shift by ln(normaliser)
  // (or not, under --normalize none).
  const logs = flooredLogMoments(stats);
  const shift = settings.normalize === "none" ? 0 : Math.log(scale);
  const nullNormaliser: NullNormaliser = quantile !== undefined ? { kind: "quantile", q: quantile } : { kind: "max" };
  // Null fits are in units of the normaliser; under --normalize none μ is in units of |w|.
  const nullOf = (family: "gaussian" | "laplace"): NullFit => {
    const value = nullFit(family, stats.finite, bins, nullNormaliser);
    return settings.normalize === "none" ? { ...value, mu: value.mu + Math.log(stats.maxAbs) } : value;
  };

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
    mle_mu: logs.mean - shift,
    mle_sigma: logs.sd,
    flags,
    converged: fit.converged,
    iterations: fit.iterations,
    loglik: evidence.loglik,
    aic: evidence.aic,
    alternatives: evidence.alternatives,
    best: evidence.best,
    null_r2: nullFit("gaussian", stats.finite, bins, nullNormaliser).r2,
    alpha: teleo.alpha,
    beta: teleo.beta,
    equilibrium_spread: teleo.equilibriumSpread,
    depth: identity.depth,
    null_gaussian: nullOf("gaussian"),
    null_laplace: nullOf("laplace"),
    fit_se: uncertainty.se,
    fit_corr_mu_sigma: uncertainty.corrMuSigma,
    bootstrap,
    sigma_half_bins: sigmaHalf,
    sigma_double_bins: sigmaDouble,
    max_ratio: second !== undefined && second > 0 ? stats.maxAbs / second : null,
    mu_drop_max: muDropMax,
    ml: evidence.ml,
    best_ml: evidence.best_ml,
    gof_per_dof: evidence.gof_per_dof,
    mle_below_floor: logs.below,
    ...(quantile !== undefined ? { normalizer: scale, above_normalizer: stats.finite - binned } : {}),
  };
}

/** The histogram without one value in the last bin (the maximum, when the second largest equals it). */
function dropOneFromTop(counts: Float64Array, bins: number): Float64Array {
  const out = Float64Array.from(counts);
  out[bins - 1] = Math.max(0, out[bins - 1]! - 1);
  return out;
}

export function isLayerResult(result: LayerResult | SkippedTensor): result is LayerResult {
  return "mu" in result;
}
