/**
 * The columns `jaynes fit`'s layer table can show, as data: a column is an id (the JSON field it
 * shows, so `--columns` speaks the vocabulary of the JSON output), a header, an alignment and how a
 * layer's value is printed. The compact default set fits an 80-column terminal; `--wide` shows the
 * wide set; `--columns a,b,c` any of them in that order. A new field is one entry here.
 *
 * `dropOrder`: when even the compact table does not fit the terminal (after tensor names were
 * shortened), these columns are left out, lowest first, and the table says so ("left out to fit 80
 * columns: params, best; --wide or --columns shows them"). Priorities are spaced by 10 so that a new
 * column slots in between without renumbering; a column without one is never left out. In the
 * default set a column with nothing to say for any layer (no flags) is not shown.
 *
 * Adding a column (a new field of the JSON output) is one entry here; the renderer (table.ts,
 * textTable.ts), `--columns` and completion need no change.
 */
import type { LayerResult } from "../analysis/layerResult.js";
import { fixed, integer, shape, significant, withSe } from "./numbers.js";

export interface LayerColumn {
  id: string;
  header: string;
  align: "left" | "right";
  value(layer: LayerResult): string;
  /** What the column shows (--help, README). */
  describe: string;
  compact?: boolean;
  wide?: boolean;
  dropOrder?: number;
  /** ANSI colour of the cells. */
  color?: number;
  /** In the default set only when this holds for the model's layers (dtype: when a layer was quantised). */
  when?: (layers: readonly LayerResult[]) => boolean;
}

const quantized = (layer: LayerResult): string => (layer.quantization ? `${layer.dtype}*` : layer.dtype);

/** The SE a table shows beside μ and σ: the bootstrap's (it includes the maximum's noise), else the fit's. */
export function shownSe(layer: LayerResult): { mu: number | null; sigma: number | null } {
  return layer.bootstrap ? { mu: layer.bootstrap.mu_sd, sigma: layer.bootstrap.sigma_sd } : { mu: layer.fit_se.mu, sigma: layer.fit_se.sigma };
}

/** "−2.731 ± 0.041": μ or σ with the SE the tables show . */
function valueWithSe(layer: LayerResult, field: "mu" | "sigma"): string {
  return withSe(layer[field], shownSe(layer)[field], 3);
}

export const LAYER_COLUMNS_TABLE: readonly LayerColumn[] = [
  { id: "tensor", header: "tensor", align: "left", value: (layer) => layer.tensor, describe: "tensor name (shortened to fit a terminal, keeping its distinguishing end)", compact: true, wide: true },
  { id: "depth", header: "depth", align: "right", value: (layer) => String(layer.depth), describe: "position in the model's depth order" },
  { id: "shape", header: "shape", align: "left", value: (layer) => shape(layer.shape), describe: "shape as stored", wide: true },
  { id: "params", header: "params", align: "right", value: (layer) => integer(layer.params), describe: "number of weights", compact: true, wide: true, dropOrder: 10 },
  { id: "dtype", header: "dtype", align: "left", value: quantized, describe: "stored dtype (* decoded from quantised storage; in the default set when a layer was)", compact: true, wide: true, dropOrder: 15, when: (layers) => layers.some((layer) => layer.quantization) },
  { id: "A", header: "A", align: "right", value: (layer) => significant(layer.A, 4), describe: "amplitude of the lognormal fit", wide: true },
  { id: "mu", header: "μ", align: "right", value: (layer) => valueWithSe(layer, "mu"), describe: "μ of the lognormal fit (size-weighted) ± its SE", compact: true, wide: true },
  { id: "sigma", header: "σ", align: "right", value: (layer) => valueWithSe(layer, "sigma"), describe: "σ of the lognormal fit ± its SE", compact: true, wide: true },
  { id: "null_sigma", header: "σ₀", align: "right", value: (layer) => fixed(layer.null_gaussian.sigma, 3), describe: "σ the procedure gives on a Gaussian layer of the same size (the null)", compact: true, wide: true, dropOrder: 50 },
  { id: "r2", header: "R²", align: "right", value: (layer) => fixed(layer.r2, 4), describe: "R² of the lognormal fit", compact: true, wide: true, dropOrder: 40 },
  { id: "null_r2", header: "null R²", align: "right", value: (layer) => fixed(layer.null_r2, 4), describe: "R² the lognormal gets on a Gaussian layer of the same size", compact: true, wide: true, dropOrder: 30 },
  { id: "best", header: "best", align: "left", value: (layer) => layer.best ?? "—", describe: "family with the smallest AIC at the least-squares curves", compact: true, wide: true, dropOrder: 20 },
  { id: "best_ml", header: "best (ML)", align: "left", value: (layer) => layer.best_ml ?? "—", describe: "family with the smallest AIC at its own maximum likelihood", compact: true, wide: true, dropOrder: 25 },
  { id: "first_bin_mass", header: "y₀", align: "right", value: (layer) => fixed(layer.first_bin_mass, 3), describe: "size-weighted fraction in bin 0", wide: true },
  { id: "mu_plain", header: "μ plain", align: "right", value: (layer) => fixed(layer.mu_plain, 4), describe: "μ − σ², the μ of the plain distribution" },
  { id: "max_abs", header: "max|w|", align: "right", value: (layer) => significant(layer.max_abs, 4), describe: "largest |w|" },
  { id: "zeros", header: "zeros", align: "right", value: (layer) => integer(layer.zeros), describe: "exact zeros" },
  { id: "distinct", header: "distinct", align: "right", value: (layer) => `${layer.distinct_exact ? "" : "≥"}${integer(layer.distinct)}`, describe: "distinct |w| values (≥: a lower bound)" },
  { id: "mle_mu", header: "ML μ", align: "right", value: (layer) => fixed(layer.mle_mu, 4), describe: "mean of ln x (maximum-likelihood lognormal)" },
  { id: "mle_sigma", header: "ML σ", align: "right", value: (layer) => fixed(layer.mle_sigma, 4), describe: "sd of ln x" },
  { id: "aic", header: "AIC", align: "right", value: (layer) => (layer.aic === null ? "—" : significant(layer.aic, 6)), describe: "AIC of the lognormal fit" },
  { id: "alpha", header: "α", align: "right", value: (layer) => fixed(layer.alpha, 3), describe: "teleodynamic α" },
  { id: "beta", header: "β", align: "right", value: (layer) => fixed(layer.beta, 3), describe: "teleodynamic β" },
  { id: "equilibrium_spread", header: "spread", align: "right", value: (layer) => fixed(layer.equilibrium_spread, 3), describe: "distance from arbitrage equilibrium" },
  { id: "flags", header: "flags", align: "left", value: (layer) => layer.flags.join(","), describe: "quality flags", compact: true, wide: true, color: 33 },
];

/** The default set (some of its columns appear only `when` their condition holds: see `compactColumns`). */
export const COMPACT_COLUMNS = LAYER_COLUMNS_TABLE.filter((column) => column.compact).map((column) => column.id);

/** The default set for these layers: the compact columns whose `when` holds. */
export function compactColumns(layers: readonly LayerResult[]): string[] {
  return LAYER_COLUMNS_TABLE.filter((column) => column.compact && (column.when?.(layers) ?? true)).map((column) => column.id);
}
export const WIDE_COLUMNS = LAYER_COLUMNS_TABLE.filter((column) => column.wide).map((column) => column.id);

/** The columns of these ids, in this order; undefined for an unknown id. */
export function layerColumn(id: string): LayerColumn | undefined {
  return LAYER_COLUMNS_TABLE.find((column) => column.id === id);
}
