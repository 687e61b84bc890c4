/**
 * Synthetic samples for the Clauset–Shalizi–Newman goodness-of-fit test of a power law fitted on a
 * range [lo, hi] of a sample of n values (CSN, SIAM Review 51 (2009) 661–703, §4.1, the
 * "semi-parametric bootstrap", extended to a range with two bounds): each of n synthetic values is,
 * with the observed proportions, drawn from the fitted truncated power law on [lo, hi], or resampled
 * (uniformly, with replacement) from the observed values below lo, or from those above hi. The whole
 * fitting procedure — range choice included — is then repeated on each synthetic sample, and the
 * p-value is the fraction whose KS distance is at least the observed one (the caller does that).
 *
 * The sample comes out sorted in O(n) from one stream of sorted uniforms, made from exponential
 * spacings (U_(j) = S_j / S_(n+1), S the partial sums of n + 1 standard exponentials; L. Devroye,
 * Non-Uniform Random Variate Generation, 1986, §V.3): see semiParametricSample. With v = ln(x/lo),
 * u = ln(hi/lo), s = 1 − γ, the power law's inverse CDF is v = ln(1 + U·(e^(su) − 1))/s, written
 * without overflow.
 */

export interface SortedSample {
  values: Float64Array;
  /** ln of each value. */
  logs: Float64Array;
}

/** A synthetic sample and its scratch space, reused from one draw to the next. */
export interface SyntheticBuffers extends SortedSample {
  spacing: Float64Array;
}

/** A sorted sample with the logarithm of each value (a loop: TypedArray.from with a map is slow). */
export function withLogs(sorted: Float64Array): SortedSample {
  const logs = new Float64Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) logs[i] = Math.log(sorted[i]!);
  return { values: sorted, logs };
}

/** v = ln(x/lo) as a function of the CDF level U of the truncated power law (γ, u = ln(hi/lo)). */
export function powerLawLogQuantile(gamma: number, u: number): (U: number) => number {
  const s = 1 - gamma;
  const su = s * u;
  if (Math.abs(su) < 1e-9) return (U) => U * u;
  if (s > 0) {
    const tail = Math.exp(-su);
    return (U) => u + Math.log(U + (1 - U) * tail) / s;
  }
  const span = Math.expm1(su);
  return (U) => Math.log1p(U * span) / s;
}

/**
 * One semi-parametric synthetic sample of the same size as `observed` (sorted; `below` values < lo,
 * `above` values > hi, the rest in the range). `into`, when given, is reused for the result.
 */
export function semiParametricSample(observed: SortedSample, below: number, above: number, lo: number, hi: number, gamma: number, random: () => number, into?: SyntheticBuffers): SyntheticBuffers {
  const n = observed.values.length;
  const firstAbove = n - above;
  const out: SyntheticBuffers = into && into.values.length === n ? into : { values: new Float64Array(n), logs: new Float64Array(n), spacing: new Float64Array(n + 1) };
  if (n === 0) return out;
  // n sorted uniforms U_(1) < … < U_(n) (exponential spacings), one per synthetic value, read as a
  // position p = U·n among the observed values: p < below resamples value ⌊p⌋ (below lo),
  // p ≥ firstAbove resamples value ⌊p⌋ (above hi), otherwise the value is a power-law draw at CDF
  // level (p − below)/(firstAbove − below), itself uniform and in increasing order. One stream picks
  // the part with the observed proportions, the resampled value uniformly, and the power-law level,
  // and the sample comes out sorted with sequential reads only.
  const spacing = out.spacing;
  let total = 0;
  for (let i = 0; i <= n; i++) {
    total += -Math.log(1 - random());
    spacing[i] = total;
  }
  const scale = n / total;
  const lnLo = Math.log(lo);
  const u = Math.log(hi / lo);
  const quantile = powerLawLogQuantile(gamma, u);
  const inside = firstAbove - below;
  const { values, logs } = out;
  for (let i = 0; i < n; i++) {
    const position = spacing[i]! * scale;
    if (position < below || position >= firstAbove) {
      const j = Math.min(n - 1, Math.floor(position));
      values[i] = observed.values[j]!;
      logs[i] = observed.logs[j]!;
    } else {
      const v = Math.min(u, Math.max(0, quantile((position - below) / inside)));
      logs[i] = lnLo + v;
      values[i] = Math.min(hi, Math.max(lo, lo * Math.exp(v)));
    }
  }
  return out;
}
