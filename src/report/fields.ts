/**
 * The flat per-layer record shared by CSV and JSONL: the layer's JSON fields, prefixed by the model
 * and followed by the settings that produced it, so each row stands on its own. CSV has no nesting,
 * so each field of `alternatives.<model>` becomes the column `<field>_<model>` (e.g. `r2_halfnormal`,
 * `aic_powerlaw`); JSONL keeps the nested object, as JSON does.
 */
import { ALTERNATIVE_NAMES } from "../analysis/evidence.js";
import type { LayerResult } from "../analysis/layerResult.js";
import type { ModelResult } from "../analysis/model.js";
import type { Stored } from "../analysis/stored.js";

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
  "loglik",
  "aic",
  "best",
  "null_r2",
  "alpha",
  "beta",
  "equilibrium_spread",
  "A_halfnormal",
  "s_halfnormal",
  "r2_halfnormal",
  "loglik_halfnormal",
  "aic_halfnormal",
  "converged_halfnormal",
  "A_exponential",
  "b_exponential",
  "r2_exponential",
  "loglik_exponential",
  "aic_exponential",
  "converged_exponential",
  "A_powerlaw",
  "k_powerlaw",
  "r2_powerlaw",
  "loglik_powerlaw",
  "aic_powerlaw",
  "converged_powerlaw",
  "quantization_scheme",
  "quantization_bits",
  "quantization_block_size",
  "depth",
  "bins",
  "normalize",
  "min_params",
] as const;

export type LayerColumn = (typeof LAYER_COLUMNS)[number];

/** A flat layer row; rows of stored results (analysis/stored.ts) may hold null where a number was not finite. */
export type FlatLayer = Stored<LayerResult> & { model: string; bins: number; normalize: string; min_params: number };

export function flatLayers(models: readonly Stored<ModelResult>[]): FlatLayer[] {
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

/** The value of one CSV column for a layer (`<field>_<model>` reads `alternatives.<model>.<field>`). */
export function layerColumnValue(layer: FlatLayer, column: LayerColumn | string): unknown {
  // quantization_scheme is an object in JSON; CSV has its scheme, bits and block size as columns.
  if (column === "quantization_scheme") return layer.quantization_scheme?.scheme;
  if (column === "quantization_bits") return layer.quantization_scheme?.bits;
  if (column === "quantization_block_size") return layer.quantization_scheme?.block_size;
  if (column in layer) return (layer as unknown as Record<string, unknown>)[column];
  const split = column.lastIndexOf("_");
  const model = ALTERNATIVE_NAMES.find((name) => name === column.slice(split + 1));
  if (model === undefined) return undefined;
  return (layer.alternatives[model] as unknown as Record<string, unknown>)[column.slice(0, split)];
}
