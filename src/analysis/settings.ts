/** The settings that determine the numbers (METHOD §1–3); every output records them. */
export type Normalize = "max" | "none";

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
}

export const DEFAULT_SETTINGS: AnalysisSettings = {
  bins: 100,
  normalize: "max",
  minParams: 10_000,
  includeFlagged: false,
  include: [],
  exclude: [],
};

export function resolveSettings(partial: Partial<AnalysisSettings> = {}): AnalysisSettings {
  const settings = { ...DEFAULT_SETTINGS, ...partial };
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
