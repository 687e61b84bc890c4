import { mergeTop } from "./topValues.js";

/**
 * What one pass over a layer's values yields before the bins can be drawn (the bins need max|w|):
 * counts of finite, zero, NaN and infinite values, max|w|, distinct |w| values, and the log-moments
 * Σ ln|w|, Σ (ln|w|)² over nonzero finite values (for the maximum-likelihood lognormal, METHOD §4).
 * Summaries of disjoint parts of one layer merge into the summary of the whole.
 */
export interface ValueSummary {
  finite: number;
  zeros: number;
  nan: number;
  infinite: number;
  maxAbs: number;
  /** Distinct finite |w| values; a lower bound when `distinctExact` is false. */
  distinct: number;
  distinctExact: boolean;
  /** Count, sum and sum of squares of ln|w| over finite w ≠ 0 (not yet divided by max|w|). */
  logCount: number;
  logSum: number;
  logSumSq: number;
  /** The TOP_K largest finite |w| with multiplicity, descending (topValues.ts). */
  top: number[];
}

export function emptySummary(): ValueSummary {
  return { finite: 0, zeros: 0, nan: 0, infinite: 0, maxAbs: 0, distinct: 0, distinctExact: true, logCount: 0, logSum: 0, logSumSq: 0, top: [] };
}

/**
 * Merge counts and moments of two disjoint parts. `distinct` cannot be merged from numbers alone (the
 * parts may share values), so callers merge their DistinctSets and pass the union's size.
 */
export function mergeSummaries(a: ValueSummary, b: ValueSummary, distinct: number, distinctExact: boolean): ValueSummary {
  return {
    finite: a.finite + b.finite,
    zeros: a.zeros + b.zeros,
    nan: a.nan + b.nan,
    infinite: a.infinite + b.infinite,
    maxAbs: Math.max(a.maxAbs, b.maxAbs),
    distinct,
    distinctExact,
    logCount: a.logCount + b.logCount,
    logSum: a.logSum + b.logSum,
    logSumSq: a.logSumSq + b.logSumSq,
    top: mergeTop(a.top, b.top),
  };
}

/** Sum of bin counts of two histograms of the same layer drawn with the same max|w| and B. */
export function mergeCounts(a: Float64Array, b: Float64Array): Float64Array {
  if (a.length !== b.length) throw new RangeError(`cannot merge histograms of ${a.length} and ${b.length} bins`);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}
