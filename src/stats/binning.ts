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

/**
 * Pass 2 without the arithmetic for most elements. Pass 1 counted F32 values per bucket of their top
 * 16 bits (FloatScan); a bucket whose smallest and largest possible values fall in the same bin can be
 * binned whole from that count. Only values in buckets that straddle a bin edge ("flagged") must be
 * looked at again. Same bin rule, so the result equals binValues exactly (tested).
 */
const BUCKET_SHIFT = 16;
const BUCKET_COUNT = 1 << (32 - BUCKET_SHIFT);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function patternValue(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0]!;
}

/** 1 for buckets whose values span more than one bin, 0 otherwise (also for NaN/Inf buckets). */
export function straddleFlags(bins: number, maxAbs: number): Uint8Array {
  const flags = new Uint8Array(BUCKET_COUNT);
  const edges = binEdges(bins);
  const half = BUCKET_COUNT >>> 1;
  for (let bucket = 0; bucket < half; bucket++) {
    const lo = patternValue(bucket << BUCKET_SHIFT);
    if (!Number.isFinite(lo) || lo > maxAbs) break;
    const hi = Math.min(patternValue(((bucket + 1) << BUCKET_SHIFT) - 1), maxAbs);
    const flag = binIndex(lo, maxAbs, edges) === binIndex(hi, maxAbs, edges) ? 0 : 1;
    flags[bucket] = flag;
    flags[bucket + half] = flag;
  }
  return flags;
}

/** Bin the counts of every bucket that is not flagged (sign halves folded). */
export function binsFromBuckets(buckets: Float64Array, flags: Uint8Array, bins: number, maxAbs: number): Float64Array {
  const counts = new Float64Array(bins);
  const edges = binEdges(bins);
  for (let bucket = 0; bucket < BUCKET_COUNT; bucket++) {
    const count = buckets[bucket]!;
    if (count === 0 || flags[bucket]) continue;
    counts[binIndex(patternValue((bucket << BUCKET_SHIFT) & 0x7fffffff), maxAbs, edges)]! += count;
  }
  return counts;
}

/** Hot loop: bin only the values whose bucket is flagged. */
export function binFlagged32(values: Float32Array, flags: Uint8Array, counts: Float64Array, maxAbs: number): void {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const bins = counts.length;
  const edges = binEdges(bins);
  const last = bins - 1;
  for (let i = 0; i < bits.length; i++) {
    if (flags[bits[i]! >>> BUCKET_SHIFT] === 0) continue;
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
