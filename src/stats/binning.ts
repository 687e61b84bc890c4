/**
 * The paper's histogram (METHOD §2): x = |w| / max|w| ∈ [0, 1], B equal-width bins, bin i =
 * [i/B, (i+1)/B) with the last bin closed, centre c_i = (i + ½)/B, and the size-weighted
 * ("category weight") fractions y_i = c_i n_i / Σ_j c_j n_j.
 *
 * Bin index of a finite |w| is ⌊|w| · B / max|w|⌋, clamped to B − 1 (so x = 1 lands in the last
 * bin). The same rule serves every accumulator, so a value lands in the same bin whichever path
 * counted it.
 */

/** Multiplier that maps |w| to a fractional bin index: B / max|w|. */
export function binScale(bins: number, maxAbs: number): number {
  return bins / maxAbs;
}

export function binIndex(absValue: number, scale: number, bins: number): number {
  const index = Math.floor(absValue * scale);
  return index >= bins ? bins - 1 : index;
}

/**
 * Count |values| into `counts`; NaN and ±Inf (never ≤ maxAbs) are skipped. The JavaScript reference
 * of the hot loop (F32 in kernel memory runs the WebAssembly `bin32` instead).
 */
export function binValues(values: Float32Array | Float64Array, counts: Float64Array, maxAbs: number): void {
  const bins = counts.length;
  const scale = bins / maxAbs;
  const last = bins - 1;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    if (!(a <= maxAbs)) continue;
    let index = (a * scale) | 0;
    if (index > last) index = last;
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
  const scale = binScale(bins, maxAbs);
  const half = BUCKET_COUNT >>> 1;
  for (let bucket = 0; bucket < half; bucket++) {
    const lo = patternValue(bucket << BUCKET_SHIFT);
    if (!Number.isFinite(lo) || lo > maxAbs) break;
    const hi = Math.min(patternValue(((bucket + 1) << BUCKET_SHIFT) - 1), maxAbs);
    const flag = binIndex(lo, scale, bins) === binIndex(hi, scale, bins) ? 0 : 1;
    flags[bucket] = flag;
    flags[bucket + half] = flag;
  }
  return flags;
}

/** Bin the counts of every bucket that is not flagged (sign halves folded). */
export function binsFromBuckets(buckets: Float64Array, flags: Uint8Array, bins: number, maxAbs: number): Float64Array {
  const counts = new Float64Array(bins);
  const scale = binScale(bins, maxAbs);
  for (let bucket = 0; bucket < BUCKET_COUNT; bucket++) {
    const count = buckets[bucket]!;
    if (count === 0 || flags[bucket]) continue;
    counts[binIndex(patternValue((bucket << BUCKET_SHIFT) & 0x7fffffff), scale, bins)]! += count;
  }
  return counts;
}

/** Hot loop: bin only the values whose bucket is flagged. */
export function binFlagged32(values: Float32Array, flags: Uint8Array, counts: Float64Array, maxAbs: number): void {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const bins = counts.length;
  const scale = bins / maxAbs;
  const last = bins - 1;
  for (let i = 0; i < bits.length; i++) {
    if (flags[bits[i]! >>> BUCKET_SHIFT] === 0) continue;
    const a = Math.abs(values[i]!);
    if (!(a <= maxAbs)) continue;
    let index = (a * scale) | 0;
    if (index > last) index = last;
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
