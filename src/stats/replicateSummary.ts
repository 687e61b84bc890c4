/**
 * Summaries of Monte-Carlo replicates of a statistic (bootstrap replicates, surrogate-null draws):
 * mean, standard deviation and a central 95 % interval. A replicate may fail to produce the statistic
 * (no admissible range, no admissible split); those are counted, not summarised. An interval rests
 * on at least half of the replicates and at least MIN_VALID of them, else it is null: a statistic
 * that most replicates cannot produce has no interval.
 *
 * - Bootstrap: the percentile interval, the 2.5 % and 97.5 % quantiles by linear interpolation
 *   between order statistics (Hyndman & Fan type 7, numpy's default).
 * - Null: the rank interval [X_(k), X_(n+1−k)], k = max(1, ⌊0.025 (n + 1)⌋), of the n surrogate
 *   values: if the observed value is exchangeable with them (the null holds), it falls outside with
 *   probability 2k/(n + 1) ≤ 5 % — a two-sided Monte-Carlo rank test (Davison & Hinkley 1997, §4.2;
 *   with 39 surrogates it is [min, max]). Interpolated quantiles would put 8–9 % outside for 50
 *   surrogates.
 */

export const MIN_VALID = 10;

/** Replicates of a statistic (bootstrap or surrogates) summarised: mean, sd, 95 % interval. */
export interface ReplicateSummary {
  /** Replicates drawn, and how many produced the statistic. */
  replicates: number;
  valid: number;
  mean: number | null;
  sd: number | null;
  /** 95 % percentile interval. */
  ci: [number, number] | null;
}

/** The q-quantile (0 ≤ q ≤ 1) of sorted values, type 7. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** `values`: the statistic of each replicate, null where a replicate could not produce it. */
export function summarizeReplicates(values: readonly (number | null)[]): ReplicateSummary {
  const valid = Float64Array.from(values.filter((v): v is number => v !== null && Number.isFinite(v))).sort();
  const replicates = values.length;
  if (valid.length < MIN_VALID || 2 * valid.length < replicates) return { replicates, valid: valid.length, mean: null, sd: null, ci: null };
  const mean = valid.reduce((s, v) => s + v, 0) / valid.length;
  const sd = Math.sqrt(valid.reduce((s, v) => s + (v - mean) ** 2, 0) / (valid.length - 1));
  return { replicates, valid: valid.length, mean, sd, ci: [quantileSorted(valid, 0.025), quantileSorted(valid, 0.975)] };
}

/** A null model's replicates summarised, and whether the observed value lies outside them. */
export interface NullSummary extends ReplicateSummary {
  /** The observed value lies outside the null's 95 % interval (null when either is missing). */
  outside: boolean | null;
}

/** The rank interval [X_(k), X_(n+1−k)], k = max(1, ⌊0.025 (n + 1)⌋), of n ≥ 1 sorted values. */
export function rankInterval(sorted: ArrayLike<number>): [number, number] {
  const n = sorted.length;
  const k = Math.max(1, Math.floor(0.025 * (n + 1)));
  return [sorted[k - 1]!, sorted[n - k]!];
}

/** The null distribution of a statistic and where the observed value falls in it (rank interval). */
export function summarizeNull(observed: number | null, values: readonly (number | null)[]): NullSummary {
  const summary = summarizeReplicates(values);
  if (summary.ci === null) return { ...summary, outside: null };
  const ci = rankInterval(Float64Array.from(values.filter((v): v is number => v !== null && Number.isFinite(v))).sort());
  const outside = observed === null ? null : observed < ci[0] || observed > ci[1];
  return { ...summary, ci, outside };
}
