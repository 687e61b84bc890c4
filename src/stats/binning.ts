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
 * Pass 2 without arithmetic. Pass 1 counted F32 values per bucket of their top 16 bits (FloatScan).
 * The bin rule is monotonic in |w|, and with B ≤ 128 no bucket (relative width ≤ 2^-7) can hold two
 * bin edges, so every bucket either lies in one bin — binned whole from its pass-1 count — or is
 * split by one edge at an exact bit pattern, found once by bisection with the same `binIndex`. Pass 2
 * then only counts, per bucket, the values at or above that pattern: one integer compare per
 * element, no branch, no division. The result equals binValues exactly (tested).
 */
const BUCKET_SHIFT = 16;
/** Buckets of |pattern| >>> 16; finite values occupy 0 … 0x7f7f. */
export const FLOAT32_BUCKETS = 1 << 15;
const FINITE_BUCKETS = 0x7f80;
/** Threshold of split 0 (the buckets no edge cuts): no |pattern| reaches it. */
export const UNSPLIT = 0xffffffff;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function patternValue(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0]!;
}
function floatPattern(value: number): number {
  f32[0] = value;
  return u32[0]!;
}

export interface BucketSplits {
  /** Per bucket: the smallest |pattern| in the upper of its two bins, or UNSPLIT. */
  thresholds: Uint32Array;
  /** Per bucket: the bin of its smallest value (−1 above max|w|). */
  lower: Int32Array;
}

/**
 * Where bin edges cut the buckets for this max|w| and B, or undefined when some bucket holds more
 * than one edge (B > 128): then pass 2 bins every value (binValues / the bin32 kernel).
 */
export function bucketSplits(bins: number, maxAbs: number): BucketSplits | undefined {
  const edges = binEdges(bins);
  const thresholds = new Uint32Array(FLOAT32_BUCKETS).fill(UNSPLIT);
  const lower = new Int32Array(FLOAT32_BUCKETS).fill(-1);
  const maxPattern = floatPattern(maxAbs);
  for (let bucket = 0; bucket < FINITE_BUCKETS; bucket++) {
    const first = bucket << BUCKET_SHIFT;
    if (first > maxPattern) break;
    const last = Math.min(first + (1 << BUCKET_SHIFT) - 1, maxPattern);
    const low = binIndex(patternValue(first), maxAbs, edges);
    const high = binIndex(patternValue(last), maxAbs, edges);
    lower[bucket] = low;
    if (high === low) continue;
    if (high > low + 1) return undefined;
    // Smallest pattern in (first, last] whose bin is `high`.
    let lo = first;
    let hi = last;
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (binIndex(patternValue(mid), maxAbs, edges) === high) hi = mid;
      else lo = mid;
    }
    thresholds[bucket] = hi;
  }
  return { thresholds, lower };
}

/** True when some bucket that holds values is cut by an edge, i.e. pass 2 has anything to count. */
export function anySplitOccupied(buckets: Float64Array, splits: BucketSplits): boolean {
  for (let bucket = 0; bucket < FLOAT32_BUCKETS; bucket++) if (buckets[bucket]! > 0 && splits.thresholds[bucket] !== UNSPLIT) return true;
  return false;
}

/**
 * Hot loop (JavaScript reference of the countAbove32 kernel): above[bucket] += (|pattern| ≥
 * thresholds[bucket]), bucket = |pattern| >>> 16. No |pattern| reaches UNSPLIT.
 */
export function countAbove32(values: Float32Array, splits: BucketSplits, above: Float64Array): void {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const thresholds = splits.thresholds;
  for (let i = 0; i < bits.length; i++) {
    const pattern = (bits[i]! & 0x7fffffff) >>> 0;
    const bucket = pattern >>> BUCKET_SHIFT;
    if (pattern >= thresholds[bucket]!) above[bucket]!++;
  }
}

/**
 * The occupied cut buckets of `splits` alone (at most B − 1 of them): a one-byte slot per bucket
 * (0: not cut or empty) and each slot's threshold — 32 KiB per layer instead of 128 KiB, for many
 * layers whose pass 2 waits for a second run of a model. Undefined with more than 255 cut buckets.
 */
export interface CompactSplits {
  slot: Uint8Array;
  /** Per slot (from 1): its bucket and threshold. */
  buckets: Uint32Array;
  thresholds: Uint32Array;
}

export function compactSplits(buckets: Float64Array, splits: BucketSplits): CompactSplits | undefined {
  const cut: number[] = [];
  for (let bucket = 0; bucket < FLOAT32_BUCKETS; bucket++) if (buckets[bucket]! > 0 && splits.thresholds[bucket] !== UNSPLIT) cut.push(bucket);
  if (cut.length > 255) return undefined;
  const slot = new Uint8Array(FLOAT32_BUCKETS);
  const out = { slot, buckets: new Uint32Array(cut.length + 1), thresholds: new Uint32Array(cut.length + 1) };
  cut.forEach((bucket, i) => {
    slot[bucket] = i + 1;
    out.buckets[i + 1] = bucket;
    out.thresholds[i + 1] = splits.thresholds[bucket]!;
  });
  return out;
}

/**
 * countAbove32 against compact splits: above[slot] += (|pattern| ≥ threshold of its slot). Returns
 * the largest finite |pattern| seen (−1 if none), so a caller can check a second run against the first.
 */
export function countAboveCompact(bits: Uint32Array, compact: CompactSplits, above: Float64Array): number {
  const { slot, thresholds } = compact;
  let maxBits = -1;
  for (let i = 0; i < bits.length; i++) {
    const pattern = bits[i]! & 0x7fffffff;
    if (pattern >= 0x7f800000) continue;
    if (pattern > maxBits) maxBits = pattern;
    const s = slot[pattern >>> BUCKET_SHIFT]!;
    if (s !== 0 && pattern >= thresholds[s]!) above[s]!++;
  }
  return maxBits;
}

/** Counts per slot (compact) as counts per bucket, for binsFromSplits. */
export function expandAbove(compact: CompactSplits, above: Float64Array): Float64Array {
  const out = new Float64Array(FLOAT32_BUCKETS);
  for (let s = 1; s < compact.buckets.length; s++) out[compact.buckets[s]!] = above[s]!;
  return out;
}

/** The bins from pass-1 bucket counts and pass-2 counts above each split. */
export function binsFromSplits(buckets: Float64Array, above: Float64Array, splits: BucketSplits, bins: number): Float64Array {
  const counts = new Float64Array(bins);
  for (let bucket = 0; bucket < FINITE_BUCKETS; bucket++) {
    const count = buckets[bucket]!;
    if (count === 0) continue;
    const low = splits.lower[bucket]!;
    const upper = splits.thresholds[bucket] === UNSPLIT ? 0 : above[bucket]!;
    counts[low]! += count - upper;
    if (upper > 0) counts[low + 1]! += upper;
  }
  return counts;
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
