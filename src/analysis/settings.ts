/** The settings that determine the numbers (METHOD §1–3); every output records them. */
/** `max`, `none`, or `quantile:Q` (0 < Q < 1): x = |w| / the exact Q-quantile of |w|. */
export type Normalize = "max" | "none" | `quantile:${string}`;

/** The resolved settings, as the analysis uses them (`settings` of a result records them in snake_case). */
export interface AnalysisSettings {
  /** B, the number of equal-width bins (default 100). */
  bins: number;
  /** `max`: x = |w| / max|w| ∈ [0, 1]; `none`: raw |w| on [0, max|w|]. */
  normalize: Normalize;
  /** Layers with fewer elements are listed as skipped (default 10,000). */
  minParams: number;
  /** Include flagged layers in the model summary. */
  includeFlagged: boolean;
  /** Globs on tensor names (picomatch); empty = all. */
  include: string[];
  /** Globs on tensor names to leave out (picomatch). */
  exclude: string[];
  /**
   * Bootstrap replicates per layer (METHOD §7.2); 0 (the default) turns the bootstrap off: it costs
   * 25–40 % of a run on the bench files (README "Performance"), more than the 15 % a default may cost.
   */
  bootstrap: number;
  /** Seed of the bootstrap's random numbers (the same for every layer: a layer's numbers depend on its values only). */
  seed: number;
}

/**
 * Settings as a caller gives them, every one optional (defaults in DEFAULT_SETTINGS). The names are
 * those of the `settings` record every output carries (`min_params`, `include_flagged`), so a
 * result's `settings` can be passed back to reproduce it; the camelCase names of jaynes 0.1
 * (`minParams`, `includeFlagged`) are accepted as aliases. Giving both spellings with different
 * values is a RangeError.
 */
export interface SettingsInput {
  /** B, the number of equal-width bins on [0, 1] (2 … 1,000,000; default 100). */
  bins?: number;
  /** `max` (default): x = |w| / max|w|; `none`: raw |w| on [0, max|w|]; `quantile:Q` (0 < Q < 1): x = |w| / the exact Q-quantile of |w|. */
  normalize?: Normalize;
  /** Layers with fewer elements are skipped, not fitted (default 10,000). */
  min_params?: number;
  /** Count flagged layers in the model summary too (default false). */
  include_flagged?: boolean;
  /** Only tensors whose name matches one of these globs (picomatch; default: all). */
  include?: readonly string[];
  /** Leave out tensors whose name matches one of these globs. */
  exclude?: readonly string[];
  /** Bootstrap replicates per layer (0 … 100,000; default 0: no bootstrap; METHOD §7.2). */
  bootstrap?: number;
  /** Seed of the bootstrap's random numbers (0 … 4,294,967,295; default 0). */
  seed?: number;
  /** Alias of `min_params`. */
  minParams?: number;
  /** Alias of `include_flagged`. */
  includeFlagged?: boolean;
}

/** The defaults: 100 bins, `--normalize max`, layers of at least 10,000 elements, flagged layers left out. */
export const DEFAULT_SETTINGS: AnalysisSettings = {
  bins: 100,
  normalize: "max",
  minParams: 10_000,
  includeFlagged: false,
  include: [],
  exclude: [],
  bootstrap: 0,
  seed: 0,
};

/** Q of `quantile:Q`, or undefined for max/none. */
export function normalizeQuantile(normalize: Normalize): number | undefined {
  return normalize.startsWith("quantile:") ? Number(normalize.slice("quantile:".length)) : undefined;
}

function aliased<T>(snake: T | undefined, camel: T | undefined, names: string): T | undefined {
  if (snake !== undefined && camel !== undefined && snake !== camel) throw new RangeError(`${names} are the same setting; give one (got ${String(snake)} and ${String(camel)})`);
  return snake ?? camel;
}

/** Defaults filled in, aliases folded, values checked (a RangeError names a bad one). */
export function resolveSettings(input: SettingsInput = {}): AnalysisSettings {
  const minParams = aliased(input.min_params, input.minParams, "min_params and minParams");
  const includeFlagged = aliased(input.include_flagged, input.includeFlagged, "include_flagged and includeFlagged");
  const settings: AnalysisSettings = {
    bins: input.bins ?? DEFAULT_SETTINGS.bins,
    normalize: input.normalize ?? DEFAULT_SETTINGS.normalize,
    minParams: minParams ?? DEFAULT_SETTINGS.minParams,
    includeFlagged: includeFlagged ?? DEFAULT_SETTINGS.includeFlagged,
    include: [...(input.include ?? DEFAULT_SETTINGS.include)],
    exclude: [...(input.exclude ?? DEFAULT_SETTINGS.exclude)],
    bootstrap: input.bootstrap ?? DEFAULT_SETTINGS.bootstrap,
    seed: input.seed ?? DEFAULT_SETTINGS.seed,
  };
  if (!Number.isInteger(settings.bins) || settings.bins < 2 || settings.bins > 1_000_000) {
    throw new RangeError(`bins must be an integer from 2 to 1000000 (got ${settings.bins})`);
  }
  if (!Number.isInteger(settings.minParams) || settings.minParams < 0) {
    throw new RangeError(`min-params must be a non-negative integer (got ${settings.minParams})`);
  }
  if (settings.normalize !== "max" && settings.normalize !== "none") {
    const q = typeof settings.normalize === "string" && settings.normalize.startsWith("quantile:") ? normalizeQuantile(settings.normalize) : undefined;
    if (q === undefined || !(q > 0 && q < 1) || settings.normalize.slice("quantile:".length).trim() === "") {
      throw new RangeError(`normalize must be "max", "none" or "quantile:Q" with 0 < Q < 1 (got ${String(settings.normalize)})`);
    }
  }
  if (!Number.isInteger(settings.bootstrap) || settings.bootstrap < 0 || settings.bootstrap > 100_000) {
    throw new RangeError(`bootstrap must be an integer from 0 to 100000 (got ${settings.bootstrap})`);
  }
  if (!Number.isInteger(settings.seed) || settings.seed < 0 || settings.seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer from 0 to 4294967295 (got ${settings.seed})`);
  }
  return settings;
}
