/**
 * Power law y ∝ x^k on the size-weighted histogram, as a family of x = |w|/max
 * (sizeWeightedFamily.ts): the curve
 *
 *   ŷ = A q(x; k),   q(x; k) = x^k,   ∂q/∂k = x^k ln x,
 *
 * with A the coefficient (a power law has no normalisable form on [0, ∞), so A is not a mass as for
 * the other families). Size weighting multiplies by x, so the plain density is p(x) ∝ x^(k−1),
 * a proper density on [0, U] only for k > 0; bin mass ∫_lo^hi x^(k−1) dx = (hi^k − lo^k)/k. For
 * k ≤ 0 bin 0 holds infinite mass and the likelihood is 0 (a curve that cannot describe counts).
 * A uniform |w| (the default initialisation of many frameworks) is the power law k = 1.
 * Start: k₀ from the least-squares line through (ln x, ln y) weighted by y² (which approximates
 * least squares on y itself), then A by linear least squares. Reference: A. Clauset, C. R. Shalizi,
 * M. E. J. Newman, "Power-law distributions in empirical data", SIAM Review 51 (2009) 661–703.
 * (The truncated power law of training fluctuations, METHOD §6, is powerLaw.ts.)
 */
import { log1mExp } from "./normalTail.js";
import type { SizeWeightedFamily } from "./sizeWeightedFamily.js";

export function sizeWeightedPowerLaw(x: number, k: number): number {
  return x > 0 ? Math.pow(x, k) : 0;
}

/** The size-weighted power law ŷ = A x^k (METHOD §5). */
export const powerLawFamily: SizeWeightedFamily<"powerlaw"> = {
  name: "powerlaw",
  label: "power law",
  description: "y = A x^k",
  parameters: ["k"],
  density: (x, theta) => sizeWeightedPowerLaw(x, theta[0]!),
  densityGradient(x, theta, gradient) {
    const q = sizeWeightedPowerLaw(x, theta[0]!);
    gradient[0] = x > 0 ? q * Math.log(x) : 0;
    return q;
  },
  start(x, y) {
    let w = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < x.length; i++) {
      if (!(y[i]! > 0 && x[i]! > 0)) continue;
      const weight = y[i]! * y[i]!;
      const lx = Math.log(x[i]!);
      const ly = Math.log(y[i]!);
      w += weight;
      sx += weight * lx;
      sy += weight * ly;
      sxx += weight * lx * lx;
      sxy += weight * lx * ly;
    }
    const denominator = w * sxx - sx * sx;
    return [w > 0 && denominator > 0 ? (w * sxy - sx * sy) / denominator : 1];
  },
  logPlainMass(lo, hi, theta) {
    const k = theta[0]!;
    if (Number.isNaN(k)) return NaN;
    if (lo === 0) return k > 0 ? k * Math.log(hi) - Math.log(k) : Infinity;
    const logLo = Math.log(lo);
    const logHi = Math.log(hi);
    if (k === 0) return Math.log(logHi - logLo);
    // (hi^k − lo^k)/k = e^{k·ln m}(1 − e^{−|k|(ln hi − ln lo)})/|k|, m the end with the larger x^k.
    return Math.max(k * logLo, k * logHi) + log1mExp(-Math.abs(k) * (logHi - logLo)) - Math.log(Math.abs(k));
  },
};
