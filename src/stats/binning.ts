/**
 * The paper's histogram (METHOD §2): x = |w| / max|w| ∈ [0, 1], B equal-width bins, bin i =
 * [i/B, (i+1)/B) with the last bin closed, centre c_i = (i + ½)/B, and the size-weighted
 * ("category weight") fractions y_i = c_i n_i / Σ_j c_j n_j.
 *
 * Bin index of a finite |w|: numpy's `histogram(x, bins=B, range=(0, 1))` rule, which the oracle
 * uses, exactly: x = |w| / max|w| in float64, edges e_i = i · (1/B) as `linspace(0, 1, B + 1)`
 * computes them (e_B = 1), bin i where e_i ≤ x < e_{i+1}, the last bin closed. ⌊x·B⌋ is the first
 * guess and one comparison with each neighbouring edge corrects it: the guess can be one off for
 * values within an ulp of an edge, which low-precision weights (F16 levels such as 0.07·max) hit
 * by the thousand. The same rule serves every accumulator, so a value lands in the same bin
 * whichever path counted it.
 */

const edgeCache = new Map<number, Float64Array>();

/** The B + 1 bin edges of [0, 1], bit-identical to numpy's linspace(0, 1, B + 1). */
export function binEdges(bins: number): Float64Array {
  let edges = edgeCache.get(bins);
  if (!edges) {
    edges = new Float64Array(bins + 1);
    const step = 1 / bins;
    for (let i = 0; i < bins; i++) edges[i] = i * step;
    edges[bins] = 1;
    edgeCache.set(bins, edges);
  }
  return edges;
}

/** Bin of a finite |w| ≤ maxAbs (maxAbs > 0). */
export function binIndex(absValue: number, maxAbs: number, edges: Float64Array): number {
  const bins = edges.length - 1;
  const x = absValue / maxAbs;
  let index = (x * bins) | 0;
  if (index >= bins) index = bins - 1;
  if (x < edges[index]!) index--;
  else if (index < bins - 1 && x >= edges[index + 1]!) index++;
  return index;
}

/**
 * Count |values| into `counts`; NaN and ±Inf (never ≤ maxAbs) are skipped. The JavaScript reference
 * of the hot loop (F32 in kernel memory runs the WebAssembly `bin32` instead).
 */
export function binValues(values: Float32Array | Float64Array, counts: Float64Array, maxAbs: number): void {
  const bins = counts.length;
  const edges = binEdges(bins);
  const last = bins - 1;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    if (!(a <= maxAbs)) continue;
    const x = a / maxAbs;
    let index = (x * bins) | 0;
    if (index > last) index = last;
    if (x < edges[index]!) index--;
    else if (index < last && x >= edges[index + 1]!) index++;
    counts[index]!++;
  }
}

/** Buckets of F32 |pattern| >>> 16 (sign dropped: 8 exponent and 7 mantissa bits); finite values occupy 0 … 0x7f7f (bucketCuts.ts, floatScan.ts). */
export const FLOAT32_BUCKETS = 1 << 15;

/** Bin centres on the x axis that is fitted: (i + ½)/B, times max|w| under `--normalize none`. */
export function binCentres(bins: number, unit = 1): Float64Array {
  const centres = new Float64Array(bins);
  for (let i = 0; i < bins; i++) centres[i] = ((i + 0.5) / bins) * unit;
  return centres;
}

/** y_i = c_i n_i / Σ c_j n_j; all zeros when the histogram is empty. */
export function sizeWeightedHistogram(counts: Float64Array, centres: Float64Array): Float64Array {
  const y = new Float64Array(counts.length);
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += centres[i]! * counts[i]!;
  if (total === 0) return y;
  for (let i = 0; i < counts.length; i++) y[i] = (centres[i]! * counts[i]!) / total;
  return y;
}
