/** The settings that determine the numbers (METHOD §1–3); every output records them. */
export type Normalize = "max" | "none";

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
  /** `max` (default): x = |w| / max|w|; `none`: raw |w| on [0, max|w|]. */
  normalize?: Normalize;
  /** Layers with fewer elements are skipped, not fitted (default 10,000). */
  min_params?: number;
  /** Count flagged layers in the model summary too (default false). */
  include_flagged?: boolean;
  /** Only tensors whose name matches one of these globs (picomatch; default: all). */
  include?: readonly string[];
  /** Leave out tensors whose name matches one of these globs. */
  exclude?: readonly string[];
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
};

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
  };
  if (!Number.isInteger(settings.bins) || settings.bins < 2 || settings.bins > 1_000_000) {
    throw new RangeError(`bins must be an integer from 2 to 1000000 (got ${settings.bins})`);
  }
  if (!Number.isInteger(settings.minParams) || settings.minParams < 0) {
    throw new RangeError(`min-params must be a non-negative integer (got ${settings.minParams})`);
  }
  if (settings.normalize !== "max" && settings.normalize !== "none") {
    throw new RangeError(`normalize must be "max" or "none" (got ${String(settings.normalize)})`);
  }
  return settings;
}
