/**
 * The model summary, the paper's Table 2 (METHOD §7.5): over the counted layers — fitted, not a
 * duplicate, and carrying no quality flag (or all fitted layers with --include-flagged) — the
 * number of layers and parameters, the mean, sample standard deviation (n − 1) and standard error of
 * the mean (sd/√n) of A, μ, σ and R²; how many counted layers beat their Gaussian null R²; the
 * share of fitted layers the row covers, and a mark when the row stands on too little (fewer than 3
 * layers, or under a quarter of the fitted layers); the mean null σ (Gaussian and Laplace) of the
 * counted layers' sizes; and how often each family is best, over the same layers.
 */
import { mean, sampleStandardDeviation } from "simple-statistics";
import { MODEL_NAMES } from "./evidence.js";
import type { LayerResult } from "./layerResult.js";

/** A mean, a sample standard deviation and the standard error of the mean; null where there are too few layers. */
export interface MeanSd {
  mean: number | null;
  /** Sample standard deviation; null with fewer than two layers. */
  sd: number | null;
  /** Standard error of the mean, sd/√n; null with fewer than two layers. */
  se: number | null;
}

/** How many counted layers a family is best for (METHOD §7.5). */
export interface BestCount {
  family: string;
  layers: number;
}

/** The paper's Table 2 row of a model, with its evidence (METHOD §3.2, §7.5). */
export interface ModelSummary {
  layers: number;
  params: number;
  A: MeanSd;
  mu: MeanSd;
  sigma: MeanSd;
  r2: MeanSd;
  /** Fitted layers (duplicates not counted), of which `layers` are in the row. */
  fitted: number;
  /** layers / fitted; null without fitted layers. */
  coverage: number | null;
  /** Counted layers whose R² exceeds their Gaussian null R². */
  r2_above_null: number;
  /** Mean σ (and μ) of the Gaussian and Laplace nulls over the counted layers' sizes. */
  null_gaussian_sigma: number | null;
  null_laplace_sigma: number | null;
  null_gaussian_mu: number | null;
  /** Why the row should not be read as a model's microstructure, or null: "fewer than 3 layers", "under 25 % of the fitted layers". */
  caution: string | null;
  /** Layers per best family at the least-squares curves and at maximum likelihood, over the counted layers (families with none left out; "none" where no AIC was finite). */
  best: BestCount[];
  best_ml: BestCount[];
}

/** A row from fewer layers than this is marked. */
export const MIN_SUMMARY_LAYERS = 3;
/** A row covering a smaller share of the fitted layers is marked. */
export const MIN_SUMMARY_COVERAGE = 0.25;

/** Mean, sample standard deviation and standard error of `values`. */
export function meanSd(values: number[]): MeanSd {
  const sd = values.length > 1 ? sampleStandardDeviation(values) : null;
  return {
    mean: values.length > 0 ? mean(values) : null,
    sd,
    se: sd === null ? null : sd / Math.sqrt(values.length),
  };
}

/** The layers a summary counts: the unflagged ones, or all with `includeFlagged`. */
export function countedLayers<T extends Pick<LayerResult, "flags">>(layers: readonly T[], includeFlagged: boolean): T[] {
  return layers.filter((layer) => includeFlagged || layer.flags.length === 0);
}

function bestCounts(layers: readonly LayerResult[], pick: (layer: LayerResult) => string | null): BestCount[] {
  const counts: BestCount[] = [];
  for (const family of [...MODEL_NAMES, "none"]) {
    const n = layers.filter((layer) => (pick(layer) ?? "none") === family).length;
    if (n > 0) counts.push({ family, layers: n });
  }
  return counts;
}

/** The summary row over the unflagged layers (or all with `includeFlagged`). */
export function summarizeLayers(layers: readonly LayerResult[], includeFlagged: boolean): ModelSummary {
  const counted = countedLayers(layers, includeFlagged);
  const fitted = layers.length;
  const meanOf = (values: number[]): number | null => (values.length > 0 ? mean(values) : null);
  const coverage = fitted > 0 ? counted.length / fitted : null;
  const caution = fitted === 0 ? null : counted.length < MIN_SUMMARY_LAYERS ? `fewer than ${MIN_SUMMARY_LAYERS} layers` : coverage! < MIN_SUMMARY_COVERAGE ? "under 25 % of the fitted layers" : null;
  return {
    layers: counted.length,
    params: counted.reduce((sum, layer) => sum + layer.params, 0),
    A: meanSd(counted.map((layer) => layer.A)),
    mu: meanSd(counted.map((layer) => layer.mu)),
    sigma: meanSd(counted.map((layer) => layer.sigma)),
    r2: meanSd(counted.map((layer) => layer.r2)),
    fitted,
    coverage,
    r2_above_null: counted.filter((layer) => layer.r2 > layer.null_r2).length,
    null_gaussian_sigma: meanOf(counted.map((layer) => layer.null_gaussian.sigma)),
    null_laplace_sigma: meanOf(counted.map((layer) => layer.null_laplace.sigma)),
    null_gaussian_mu: meanOf(counted.map((layer) => layer.null_gaussian.mu)),
    caution,
    best: bestCounts(counted, (layer) => layer.best),
    best_ml: bestCounts(counted, (layer) => layer.best_ml),
  };
}
