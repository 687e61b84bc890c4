/**
 * The upper tail of the standard normal, in logs so that it never underflows:
 * ln Q(z) = ln P(Z > z) = ln(erfc(z/√2) / 2). For y ≥ 0, erfc(y) = t·exp(−y² + P(t)) with
 * t = 1/(1 + y/2) and the Chebyshev-fitted polynomial P of Numerical Recipes (2nd ed., §6.2,
 * `erfcc`), fractional error below 1.2e-7 everywhere, so ln erfc is accurate to 1.2e-7 absolutely
 * even where erfc itself is far below the smallest double. Negative arguments use erfc(−y) = 2 − erfc(y).
 */
const COEFFICIENTS = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];

/** ln erfc(y) for y ≥ 0. */
function logErfcNonNegative(y: number): number {
  const t = 1 / (1 + 0.5 * y);
  let poly = 0;
  for (let i = COEFFICIENTS.length - 1; i >= 0; i--) poly = poly * t + COEFFICIENTS[i]!;
  return Math.log(t) - y * y + poly;
}

export function logErfc(y: number): number {
  if (y >= 0) return logErfcNonNegative(y);
  return Math.log(2 - Math.exp(logErfcNonNegative(-y)));
}

/** ln Q(z) = ln P(Z > z) for the standard normal. */
export function logNormalUpperTail(z: number): number {
  return logErfc(z / Math.SQRT2) - Math.LN2;
}
