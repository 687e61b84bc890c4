/**
 * Kolmogorov–Smirnov distance D = max |F_n(x) − F(x)| between the empirical CDF of a sorted sample
 * and a model CDF: with m values x_1 ≤ … ≤ x_m, D = max_i max(i/m − F(x_i), F(x_i) − (i−1)/m).
 * With `stopAbove`, the scan stops as soon as D exceeds it (a search for the smallest D needs no more).
 */
export function ksDistance(sorted: ArrayLike<number>, cdf: (x: number) => number, from = 0, to = sorted.length, stopAbove = Infinity): number {
  const m = to - from;
  if (m <= 0) return NaN;
  let distance = 0;
  for (let i = 0; i < m; i++) {
    const f = cdf(sorted[from + i]!);
    const above = (i + 1) / m - f;
    const below = f - i / m;
    if (above > distance) distance = above;
    if (below > distance) distance = below;
    if (distance > stopAbove) break;
  }
  return distance;
}

/** First position in `sorted` whose value is ≥ x (or > x with `strict`). */
export function lowerBound(sorted: ArrayLike<number>, x: number, strict = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strict ? sorted[mid]! <= x : sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
