/**
 * Logarithms of standard normal tail and interval probabilities, accurate far into the tails (the
 * binned likelihood of a badly fitting curve needs ln P of bins 30 standard deviations out, where
 * 1 − Φ underflows long before its logarithm does).
 *
 *   Q(z) = P(Z > z) = ½ erfc(z/√2),   ln P(a < Z < b) from Q without cancellation.
 *
 * erfc(x) for x ≥ 0: below 2, 1 − erf(x) with the series of positive terms
 *   erf(x) = (2/√π) e^{−x²} Σ_{n≥0} 2ⁿ x^{2n+1} / (1·3·…·(2n+1))   (Abramowitz & Stegun 7.1.6);
 * from 2 on, the continued fraction
 *   erfc(x) = (e^{−x²}/√π) · 1/(x + ½/(x + 1/(x + (3/2)/(x + 2/(x + …)))))   (A&S 7.1.14),
 * evaluated by the modified Lentz method, which yields ln erfc directly as −x² − ½ ln π − ln K.
 */

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const SERIES_LIMIT = 2;

/** erf(x) for 0 ≤ x < 2 by the series of positive terms (full relative precision, also near 0). */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  const twoXSquared = 2 * x * x;
  for (let n = 1; n < 200; n++) {
    term *= twoXSquared / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
}

/** erf(x) for x ≥ 0. */
function erfNonNegative(x: number): number {
  return x < SERIES_LIMIT ? erfSeries(x) : -Math.expm1(logErfc(x));
}

/** ln erfc(x) for any x (erfc(−x) = 1 + erf(x) below 0). */
export function logErfc(x: number): number {
  if (x === Infinity) return -Infinity;
  if (x < 0) return Math.log1p(erfNonNegative(-x));
  if (x < SERIES_LIMIT) return Math.log1p(-erfSeries(x));
  // K = x + a₁/(x + a₂/(x + …)), aₙ = n/2 (modified Lentz).
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -x * x - LOG_SQRT_PI - Math.log(f);
}

export function erfc(x: number): number {
  return x >= 0 ? Math.exp(logErfc(x)) : 2 - Math.exp(logErfc(-x));
}

/** ln Q(z) = ln P(Z > z) for the standard normal, for any z (±∞ included). */
export function logNormalUpperTail(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z >= 0) return logErfc(z / Math.SQRT2) - Math.LN2;
  return Math.log1p(-0.5 * Math.exp(logErfc(-z / Math.SQRT2)));
}

/** ln(1 − e^d) for d ≤ 0, accurate near both ends. */
export function log1mExp(d: number): number {
  return d > -Math.LN2 ? Math.log(-Math.expm1(d)) : Math.log1p(-Math.exp(d));
}

/** ln P(a < Z < b) for the standard normal, a ≤ b (±∞ allowed); −∞ for an empty interval. */
export function logNormalInterval(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (!(a < b)) return -Infinity;
  // Work in the upper tail, where Q is small and its logarithm exact: mirror intervals below 0.
  if (b <= 0) [a, b] = [-b, -a];
  if (a >= 0) {
    const upper = logNormalUpperTail(a);
    const beyond = logNormalUpperTail(b);
    return beyond === -Infinity ? upper : upper + log1mExp(beyond - upper);
  }
  // a < 0 < b: P(a < Z < 0) + P(0 < Z < b), two positive terms (no cancellation for narrow intervals).
  return Math.log(0.5 * (erfNonNegative(b / Math.SQRT2) + erfNonNegative(-a / Math.SQRT2)));
}
