/**
 * A layer's statistics from values held in memory (tests, library callers, the per-unit means of
 * `activations`): the same numbers the streaming accumulation computes (analysis/accumulateFloat.ts)
 * — pass 1 (FloatScan), then every grid binned exactly (layerHistograms.ts) — and the assembly of
 * LayerStatistics from a finished pass 1 and its grids, which both share.
 */
import { binValues } from "./binning.js";
import { distinctCapFor } from "./distinctSet.js";
import { FloatScan } from "./floatScan.js";
import { type GridCounts, type LayerNormaliser, type LayerStatistics, fineFromBuckets, layerGrids, quantileRank } from "./layerHistograms.js";

/**
 * LayerStatistics of a finished pass 1 and the grids of its pass 2 (the first grid is (S, B)): the
 * fine table from F32 buckets, the per-binade log-moments of F64 values.
 */
export function statisticsFromScan(scan: FloatScan, grids: GridCounts[]): LayerStatistics {
  const buckets = scan.float32Buckets();
  const binades = scan.float64Binades();
  return { ...scan.summary(), counts: grids[0]!.counts, grids, fine: buckets ? fineFromBuckets(buckets) : null, ...(binades ? { binades } : {}) };
}

/**
 * LayerStatistics of values held in memory (e.g. per-unit means, or any array a caller has): both
 * passes over the array, every grid of METHOD §7.6, exactly as a streamed tensor of the same values.
 */
export function statisticsFromValues(values: Float32Array | Float64Array, bins = 100, normaliser: LayerNormaliser = { kind: "max" }): LayerStatistics {
  const scan = new FloatScan(distinctCapFor(bins));
  if (values instanceof Float32Array) scan.addFloat32Bits(new Uint32Array(values.buffer, values.byteOffset, values.length));
  else scan.addFloat64(values);
  const summary = scan.summary();
  let scale = summary.maxAbs;
  if (normaliser.kind === "quantile" && summary.finite > 0) {
    const sorted = Float64Array.from(values.filter(Number.isFinite), Math.abs).sort();
    scale = sorted[quantileRank(normaliser.q, sorted.length) - 1]!;
  }
  const grids = layerGrids(bins, scale, summary.top, normaliser.kind === "max").map((grid) => ({ ...grid, counts: new Float64Array(grid.bins) }));
  if (scale > 0) for (const grid of grids) binValues(values, grid.counts, grid.scale);
  return statisticsFromScan(scan, grids);
}
