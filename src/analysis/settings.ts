/** The settings that determine the numbers (METHOD §1–3); every output records them. */
/** `max`, `none`, or `quantile:Q` (0 < Q < 1): x = |w| / the exact Q-quantile of |w|. */
export type Normalize = "max" | "none" | `quantile:${string}`;

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
  exclude: string[];
  /**
   * Bootstrap replicates per layer (METHOD §7.2); 0 (the default) turns the bootstrap off: it costs
   * 25–40 % of a run on the bench files (README "Performance"), more than the 15 % a default may cost.
   */
  bootstrap: number;
  /** Seed of the bootstrap's random numbers (the same for every layer: a layer's numbers depend on its values only). */
  seed: number;
}

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

export function resolveSettings(partial: Partial<AnalysisSettings> = {}): AnalysisSettings {
  const settings = { ...DEFAULT_SETTINGS, ...partial };
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
