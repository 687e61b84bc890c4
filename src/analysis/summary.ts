/**
 * The model summary, the paper's Table 2: over the fitted layers that carry no quality flag
 * (or all fitted layers with --include-flagged), the number of layers and parameters and the mean
 * and sample standard deviation (n − 1) of A, μ, σ and R².
 */
import { mean, sampleStandardDeviation } from "simple-statistics";
import type { LayerResult } from "./layerResult.js";

/** A mean and a sample standard deviation; null where there are too few layers. */
export interface MeanSd {
  mean: number | null;
  /** Sample standard deviation; null with fewer than two layers. */
  sd: number | null;
}

/** The paper's Table 2 row of a model (METHOD §3.2). */
export interface ModelSummary {
  layers: number;
  params: number;
  A: MeanSd;
  mu: MeanSd;
  sigma: MeanSd;
  r2: MeanSd;
}

function meanSd(values: number[]): MeanSd {
  return {
    mean: values.length > 0 ? mean(values) : null,
    sd: values.length > 1 ? sampleStandardDeviation(values) : null,
  };
}

/** The layers a summary counts: the unflagged ones, or all with `includeFlagged`. */
export function countedLayers<T extends Pick<LayerResult, "flags">>(layers: readonly T[], includeFlagged: boolean): T[] {
  return layers.filter((layer) => includeFlagged || layer.flags.length === 0);
}

/** The summary row over the unflagged layers (or all with `includeFlagged`). */
export function summarizeLayers(layers: readonly LayerResult[], includeFlagged: boolean): ModelSummary {
  const counted = countedLayers(layers, includeFlagged);
  return {
    layers: counted.length,
    params: counted.reduce((sum, layer) => sum + layer.params, 0),
    A: meanSd(counted.map((layer) => layer.A)),
    mu: meanSd(counted.map((layer) => layer.mu)),
    sigma: meanSd(counted.map((layer) => layer.sigma)),
    r2: meanSd(counted.map((layer) => layer.r2)),
  };
}
