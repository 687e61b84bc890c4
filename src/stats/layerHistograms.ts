/**
 * The histograms one accumulation yields for a layer (METHOD §2, §7.2–7.3): besides the paper's B
 * bins at the normaliser S (max|w|), exact histograms of the same values on other grids, all from
 * the same passes over the weights:
 *
 * - (S, 2B) and (S, ⌊B/2⌋): the bin-sensitivity refits. With numpy's edges e_i = i·(1/B), the edges
 *   of 2B bins include those of B, and those of B/2 (B even) are every second edge of B, bit for
 *   bit (1/(2B) and 2/B are exact halvings and doublings of 1/B), so each grid refines or coarsens
 *   the others exactly;
 * - (top₂, B): the second largest |w| as the maximum — the max-removed refit (`mu_drop_max`).
 *
 * A grid (scale, bins) counts every finite value with |w| ≤ scale by the bin rule at that scale
 * (binning.ts binIndex); values above the scale are not counted (they are top order statistics,
 * known one by one). `fine` is the finest table kept, for the floored log-moments and the duplicate
 * digest: the exact (|w|, count) table of ≤ 16-bit dtypes, or for F32 the 2¹⁵ buckets of pass 1 as
 * intervals; null for F64 (which keeps per-binade log-moments instead).
 */
import { binEdges, binIndex } from "./binning.js";
import type { ValueSummary } from "./valueSummary.js";

/** One histogram grid of a layer: B bins on [0, scale] (METHOD §7.6). */
export interface GridSpec {
  /** Right end of the binned range: values with |w| ≤ scale are counted. */
  scale: number;
  bins: number;
}

/** A grid with its bin counts. */
export interface GridCounts extends GridSpec {
  counts: Float64Array;
}

/** Exact: every distinct |w| with its count, ascending. Intervals: F32 buckets [lo, hi) with their counts, ascending. */
export type FineTable = { kind: "exact"; values: Float64Array; counts: Float64Array } | { kind: "intervals"; lo: Float64Array; hi: Float64Array; counts: Float64Array };

/** A layer's summary, its B bin counts at the normaliser, the other grids, and the fine table. */
export interface LayerStatistics extends ValueSummary {
  /** B bins over [0, S] (bin i = [i/B, (i+1)/B) of |w|/S), S the normaliser. */
  counts: Float64Array;
  /** Every grid accumulated (the first is (S, B), the same numbers as `counts`). */
  grids: GridCounts[];
  fine: FineTable | null;
  /** F64 only: count, Σ ln|w|, Σ ln²|w| per binade (floatScan.ts binadeIndex), for the floored log-moments. */
  binades?: Float64Array;
}

/**
 * The grids a layer is accumulated on: (S, B), (S, 2B), (S, ⌊B/2⌋) when ⌊B/2⌋ ≥ 2, and with
 * `topGrids` (S = max|w|) (top₂, B) when the second largest |w| is positive and below the maximum.
 */
export function layerGrids(bins: number, scale: number, top: readonly number[], topGrids: boolean): GridSpec[] {
  const grids: GridSpec[] = [{ scale, bins }, { scale, bins: 2 * bins }];
  if (Math.floor(bins / 2) >= 2) grids.push({ scale, bins: Math.floor(bins / 2) });
  if (topGrids) {
    const second = top[1];
    if (second !== undefined && second > 0 && second < scale) grids.push({ scale: second, bins });
  }
  return grids;
}

/** The accumulated counts of grid (scale, bins), or undefined when it was not accumulated. */
export function findGrid(grids: readonly GridCounts[], scale: number, bins: number): Float64Array | undefined {
  return grids.find((grid) => grid.scale === scale && grid.bins === bins)?.counts;
}

/** Count `count` values of magnitude `a` into a grid's counts (skipped when a > scale). */
export function addToGrid(counts: Float64Array, grid: GridSpec, a: number, count: number): void {
  if (!(a <= grid.scale) || grid.scale <= 0) return;
  counts[binIndex(a, grid.scale, binEdges(grid.bins))]! += count;
}

/** Exact grids from an exact (|w|, count) table. */
export function gridsFromExact(values: Float64Array, counts: Float64Array, grids: readonly GridSpec[]): GridCounts[] {
  return grids.map((grid) => {
    const out = new Float64Array(grid.bins);
    if (grid.scale > 0) {
      const edges = binEdges(grid.bins);
      for (let i = 0; i < values.length; i++) {
        const a = values[i]!;
        if (a > grid.scale) break;
        out[binIndex(a, grid.scale, edges)]! += counts[i]!;
      }
    }
    return { ...grid, counts: out };
  });
}

/** What x is divided by: the maximum (also under `--normalize none`) or the exact Q-quantile of |w|. */
export type LayerNormaliser = { kind: "max" } | { kind: "quantile"; q: number };

/** Rank (1-based) of the Q-quantile among n values: the inverse of the empirical CDF, ⌈Q·n⌉ (at least 1). */
export function quantileRank(q: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil(q * n)));
}

/** The exact Q-quantile of an ascending (value, count) table holding n values. */
export function exactQuantile(values: Float64Array, counts: Float64Array, q: number): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  const rank = quantileRank(q, total);
  let seen = 0;
  for (let i = 0; i < values.length; i++) {
    seen += counts[i]!;
    if (seen >= rank) return values[i]!;
  }
  return values[values.length - 1] ?? 0;
}

/** The fine table of F32 values: the occupied pass-1 buckets as intervals [lo, hi) of |w|. */
export function fineFromBuckets(buckets: Float64Array): FineTable {
  const lo: number[] = [];
  const hi: number[] = [];
  const counts: number[] = [];
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const value = (bits: number): number => {
    u32[0] = bits >>> 0;
    return f32[0]!;
  };
  for (let bucket = 0; bucket < 0x7f80; bucket++) {
    const count = buckets[bucket]!;
    if (!(count > 0)) continue;
    lo.push(value(bucket << 16));
    hi.push(value(((bucket + 1) << 16) >>> 0));
    counts.push(count);
  }
  return { kind: "intervals", lo: Float64Array.from(lo), hi: Float64Array.from(hi), counts: Float64Array.from(counts) };
}
