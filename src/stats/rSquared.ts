/**
 * The coefficient of determination R² = 1 − SS_res / SS_tot of a fitted curve against the observed
 * histogram (the paper's goodness of fit), shared by the lognormal fit and every alternative family.
 * NaN when the observations are constant (SS_tot = 0): no fit explains anything there.
 */

/** Coefficient of determination of `predicted` against `observed`. */
export function rSquared(observed: Float64Array, predicted: Float64Array): number {
  let mean = 0;
  for (let i = 0; i < observed.length; i++) mean += observed[i]!;
  mean /= observed.length;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < observed.length; i++) {
    residual += (observed[i]! - predicted[i]!) ** 2;
    total += (observed[i]! - mean) ** 2;
  }
  return total === 0 ? NaN : 1 - residual / total;
}
