/**
 * The flat per-layer record shared by CSV and JSONL: the layer's JSON fields, prefixed by the model
 * and followed by the settings that produced it and the method version (docs/METHOD.md) its numbers
 * follow, so each row stands on its own. CSV has no nesting,
 * so each field of `alternatives.<model>` becomes the column `<field>_<model>` (e.g. `r2_halfnormal`,
 * `aic_powerlaw`); JSONL keeps the nested object, as JSON does.
 */
import { ALTERNATIVE_NAMES, FAMILIES, MODEL_NAMES } from "../analysis/evidence.js";
import type { LayerResult } from "../analysis/layerResult.js";
import type { ModelResult } from "../analysis/model.js";
import type { Stored } from "../analysis/stored.js";
import { METHOD_VERSION } from "../version.js";

/** The layer's own scalar fields, in column order (before the family blocks). */
const LEAD_COLUMNS = [
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
] as const;

/** Nested evidence (METHOD §7) flattened: column → path into the layer. */
const EVIDENCE_COLUMNS: readonly (readonly [string, readonly (string | number)[]])[] = [
  ["fit_se_A", ["fit_se", "A"]],
  ["fit_se_mu", ["fit_se", "mu"]],
  ["fit_se_sigma", ["fit_se", "sigma"]],
  ["fit_corr_mu_sigma", ["fit_corr_mu_sigma"]],
  ["bootstrap_replicates", ["bootstrap", "replicates"]],
  ["bootstrap_seed", ["bootstrap", "seed"]],
  ["bootstrap_mu_sd", ["bootstrap", "mu_sd"]],
  ["bootstrap_sigma_sd", ["bootstrap", "sigma_sd"]],
  ["bootstrap_mu_lo", ["bootstrap", "mu_ci", 0]],
  ["bootstrap_mu_hi", ["bootstrap", "mu_ci", 1]],
  ["bootstrap_sigma_lo", ["bootstrap", "sigma_ci", 0]],
  ["bootstrap_sigma_hi", ["bootstrap", "sigma_ci", 1]],
  ...["gaussian", "laplace"].flatMap((family) => ["mu", "sigma", "r2", "equilibrium_spread"].map((field) => [`null_${family}_${field}`, [`null_${family}`, field]] as const)),
  ["sigma_half_bins", ["sigma_half_bins"]],
  ["sigma_double_bins", ["sigma_double_bins"]],
  ["max_ratio", ["max_ratio"]],
  ["mu_drop_max", ["mu_drop_max"]],
  ["best_ml", ["best_ml"]],
  ["gof_per_dof", ["gof_per_dof"]],
  ["mle_below_floor", ["mle_below_floor"]],
  ["normalizer", ["normalizer"]],
  ["above_normalizer", ["above_normalizer"]],
];

/**
 * The family blocks, generated from the registry (stats/families.ts): per alternative
 * `A_<name>`, `<parameter>_<name>`, `r2_<name>`, `loglik_<name>`, `aic_<name>`, `converged_<name>`
 * (alternatives.<name>); per family `ml_<parameter>_<name>`, `ml_loglik_<name>`, `ml_aic_<name>`,
 * `ml_converged_<name>` (ml.<name>).
 */
const FAMILY_COLUMNS: readonly (readonly [string, readonly (string | number)[]])[] = [
  ...ALTERNATIVE_NAMES.flatMap((name) =>
    ["A", ...FAMILIES[name].parameters, "r2", "loglik", "aic", "converged"].map((field) => [`${field}_${name}`, ["alternatives", name, field]] as const),
  ),
  ...MODEL_NAMES.flatMap((name) => [...FAMILIES[name].parameters, "loglik", "aic", "converged"].map((field) => [`ml_${field}_${name}`, ["ml", name, field]] as const)),
];

/** quantization_scheme is an object in JSON; CSV has its scheme, bits and block size as columns. */
const QUANTIZATION_COLUMNS: readonly (readonly [string, readonly (string | number)[]])[] = [
  ["quantization_scheme", ["quantization_scheme", "scheme"]],
  ["quantization_bits", ["quantization_scheme", "bits"]],
  ["quantization_block_size", ["quantization_scheme", "block_size"]],
];

/** The settings that produced a row, then the method version it follows: the last standard columns. */
const TRAIL_COLUMNS = ["bins", "normalize", "min_params", "method_version"] as const;

const PATHS = new Map<string, readonly (string | number)[]>([...QUANTIZATION_COLUMNS, ...EVIDENCE_COLUMNS, ...FAMILY_COLUMNS]);

/**
 * Column order is a contract: new columns are inserted, existing ones keep their order, and the
 * settings and method_version stay the last standard columns (a command's own fields, e.g. `view` of activations,
 * follow them). In order of arrival: the layer's fields and the least-squares family blocks, the
 * quantisation columns, the evidence (METHOD §7) and the maximum-likelihood family blocks, the
 * layer's position in the depth order.
 */
export const LAYER_COLUMNS: readonly string[] = [
  ...LEAD_COLUMNS,
  ...FAMILY_COLUMNS.filter(([, path]) => path[0] === "alternatives").map(([c]) => c),
  ...QUANTIZATION_COLUMNS.map(([c]) => c),
  ...EVIDENCE_COLUMNS.map(([c]) => c),
  ...FAMILY_COLUMNS.filter(([, path]) => path[0] === "ml").map(([c]) => c),
  "depth",
  ...TRAIL_COLUMNS,
];

export type LayerColumn = string;

/** A flat layer row; rows of stored results (analysis/stored.ts) may hold null where a number was not finite. */
export type FlatLayer = Stored<LayerResult> & { model: string; bins: number; normalize: string; min_params: number; method_version: string };

export function flatLayers(models: readonly Stored<ModelResult>[]): FlatLayer[] {
  return models.flatMap((model) =>
    model.layers.map((layer) => ({
      model: model.model,
      ...layer,
      bins: model.settings.bins,
      normalize: model.settings.normalize,
      min_params: model.settings.min_params,
      method_version: METHOD_VERSION,
    })),
  );
}

/** The value of one CSV column for a layer (nested evidence and family blocks by their paths). */
export function layerColumnValue(layer: FlatLayer, column: LayerColumn): unknown {
  const path = PATHS.get(column);
  if (path === undefined) return (layer as unknown as Record<string, unknown>)[column];
  let value: unknown = layer;
  for (const key of path) {
    if (value === null || value === undefined) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}
