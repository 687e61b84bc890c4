/**
 * The flat per-layer record shared by CSV and JSONL: the layer's JSON fields, prefixed by the model
 * and followed by the settings that produced it, so each row stands on its own.
 */
import type { LayerResult } from "../analysis/layerResult.js";
import type { ModelResult } from "../analysis/model.js";

export const LAYER_COLUMNS = [
  "model",
  "tensor",
  "original_name",
  "shape",
  "params",
  "dtype",
  "quantization",
  "A",
  "mu",
  "sigma",
  "r2",
  "mu_plain",
  "max_abs",
  "zeros",
  "nonfinite",
  "first_bin_mass",
  "distinct",
  "distinct_exact",
  "mle_mu",
  "mle_sigma",
  "flags",
  "converged",
  "iterations",
  "bins",
  "normalize",
  "min_params",
] as const;

export type LayerColumn = (typeof LAYER_COLUMNS)[number];

export type FlatLayer = LayerResult & { model: string; bins: number; normalize: string; min_params: number };

export function flatLayers(models: readonly ModelResult[]): FlatLayer[] {
  return models.flatMap((model) =>
    model.layers.map((layer) => ({
      model: model.model,
      ...layer,
      bins: model.settings.bins,
      normalize: model.settings.normalize,
      min_params: model.settings.min_params,
    })),
  );
}
