/**
 * Histogram of positive values on log-spaced bins aligned to decades: edges 10^(k/b) for integer k,
 * b bins per decade, from the bin holding the smallest value to the bin holding the largest. Bin k is
 * [edge_k, edge_k+1). The density is count / (total · width), so a power law p(x) ∝ x^−γ is a straight
 * line of slope −γ on log–log axes and densities of different samples compare directly.
 */
import { plainSample, type SortedSampleView } from "./sortedSample.js";

/** A histogram on logarithmic bins (edges 10^(k/binsPerDecade)): counts and densities. */
export interface LogHistogram {
  binsPerDecade: number;
  /** m + 1 edges. */
  edges: Float64Array;
  counts: Float64Array;
  /** Geometric centres √(edge_k · edge_k+1). */
  centres: Float64Array;
  /** count / (total · width). */
  density: Float64Array;
  /** The normalisation used for `density`. */
  total: number;
}

/**
 * `values` must be positive and finite; `total` (default: values.length) is the sample size the
 * density is normalised to, so a caller can count values it left out (e.g. zeros).
 */
export function logHistogram(values: ArrayLike<number>, binsPerDecade: number, total = values.length): LogHistogram {
  if (!Number.isInteger(binsPerDecade) || binsPerDecade < 1) throw new RangeError(`bins per decade must be a positive integer (got ${binsPerDecade})`);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!(x > 0 && Number.isFinite(x))) throw new RangeError(`log histogram needs positive finite values (got ${x})`);
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (values.length === 0) {
    const empty = new Float64Array(0);
    return { binsPerDecade, edges: empty, counts: empty, centres: empty, density: empty, total };
  }
  const edges = decadeEdges(min, max, binsPerDecade);
  const bins = edges.length - 1;
  const first = Math.round(Math.log10(edges[0]!) * binsPerDecade);
  const counts = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    let k = Math.min(bins - 1, Math.max(0, Math.floor(Math.log10(x) * binsPerDecade) - first));
    while (k > 0 && x < edges[k]!) k--;
    while (k < bins - 1 && x >= edges[k + 1]!) k++;
    counts[k]!++;
  }
  return withDensity(binsPerDecade, edges, counts, total);
}

/** Edges 10^(k/b) from the one at or below `min` to the one above `max`. */
function decadeEdges(min: number, max: number, binsPerDecade: number): Float64Array {
  const edge = (k: number): number => 10 ** (k / binsPerDecade);
  let first = Math.floor(Math.log10(min) * binsPerDecade);
  while (edge(first) > min) first--;
  while (edge(first + 1) <= min) first++;
  let last = Math.floor(Math.log10(max) * binsPerDecade);
  while (edge(last) > max) last--;
  while (edge(last + 1) <= max) last++;
  return Float64Array.from({ length: last - first + 2 }, (_, k) => edge(first + k));
}

function withDensity(binsPerDecade: number, edges: Float64Array, counts: Float64Array, total: number): LogHistogram {
  const bins = counts.length;
  const centres = new Float64Array(bins);
  const density = new Float64Array(bins);
  for (let k = 0; k < bins; k++) {
    centres[k] = Math.sqrt(edges[k]! * edges[k + 1]!);
    density[k] = total > 0 ? counts[k]! / (total * (edges[k + 1]! - edges[k]!)) : 0;
  }
  return { binsPerDecade, edges, counts, centres, density, total };
}

/**
 * The same histogram of a sample already sorted ascending (or a view of one, sortedSample.ts), by one
 * count per edge (O(bins · log n), no logarithm per value): what the bootstrap and the synthetic
 * samples recompute for every draw.
 */
export function logHistogramOfSorted(sorted: Float64Array | SortedSampleView, binsPerDecade: number, total?: number): LogHistogram {
  if (!Number.isInteger(binsPerDecade) || binsPerDecade < 1) throw new RangeError(`bins per decade must be a positive integer (got ${binsPerDecade})`);
  const view = sorted instanceof Float64Array ? plainSample(sorted) : sorted;
  const n = view.size;
  const norm = total ?? n;
  if (n === 0) {
    const empty = new Float64Array(0);
    return { binsPerDecade, edges: empty, counts: empty, centres: empty, density: empty, total: norm };
  }
  if (!(view.min > 0 && Number.isFinite(view.max))) throw new RangeError(`log histogram needs positive finite values (got ${view.min}, …, ${view.max})`);
  const edges = decadeEdges(view.min, view.max, binsPerDecade);
  const counts = new Float64Array(edges.length - 1);
  let below = 0;
  for (let k = 0; k < counts.length; k++) {
    const next = k + 1 === counts.length ? n : view.count(edges[k + 1]!, false);
    counts[k] = next - below;
    below = next;
  }
  return withDensity(binsPerDecade, edges, counts, norm);
}

/** Index of the most populated bin (the first of equals): the peak of the distribution of log x. */
export function modeBin(histogram: LogHistogram): number {
  let best = -1;
  for (let k = 0; k < histogram.counts.length; k++) if (best < 0 || histogram.counts[k]! > histogram.counts[best]!) best = k;
  return best;
}
