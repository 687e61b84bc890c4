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

/** Count |values| into `counts`; NaN and ±Inf (never ≤ maxAbs) are skipped. Hot loop. */
export function binFloat32(values: Float32Array, counts: Float64Array, maxAbs: number): void {
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

export function binFloat64(values: Float64Array, counts: Float64Array, maxAbs: number): void {
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
