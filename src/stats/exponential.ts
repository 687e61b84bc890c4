/**
 * Exponential: |w| of a Laplace distribution with scale b, as a family of x = |w|/max
 * (sizeWeightedFamily.ts). Plain density p(x) = e^{−x/b}/b on x ≥ 0; its size-weighted density is
 * the Gamma(2, b) density
 *
 *   q(x; b) = (x/b²) · e^{−x/b},   ∂q/∂b = q · (x/b² − 2/b),
 *
 * fitted as ŷ = A q(x; b). Bin mass of p on [lo, hi): ∫ e^{−x/b} dx = |b| e^{−m/b} (1 − e^{−(hi−lo)/|b|})
 * with m the end where e^{−x/b} is largest, so a fit that lands on b < 0 (a rising curve, no longer a
 * Laplace) still gives proper probabilities on the truncated range. Start: b₀ = E_q[x]/2 (the
 * Gamma(2, b) mean is 2b). Reference: Johnson, Kotz, Balakrishnan, "Continuous Univariate
 * Distributions", vol. 1, 2nd ed., Wiley 1994, ch. 19 (exponential) and ch. 17 (gamma); vol. 2,
 * ch. 24 (Laplace).
 */
import { log1mExp } from "./normalTail.js";
import { type SizeWeightedFamily, histogramMoment } from "./sizeWeightedFamily.js";

export function exponentialDensity(x: number, b: number): number {
  if (!(x > 0)) return 0;
  return (x / (b * b)) * Math.exp(-x / b);
}

/** The size-weighted exponential family (|w| of a Laplace; METHOD §5). */
export const exponentialFamily: SizeWeightedFamily<"exponential"> = {
  name: "exponential",
  label: "exponential",
  description: "|w| of a Laplace",
  parameters: ["b"],
  density: (x, theta) => exponentialDensity(x, theta[0]!),
  densityGradient(x, theta, gradient) {
    const b = theta[0]!;
    const q = exponentialDensity(x, b);
    gradient[0] = q * (x / (b * b) - 2 / b);
    return q;
  },
  start(x, y) {
    const first = histogramMoment(x, y, 1);
    return [first > 0 ? first / 2 : x[x.length - 1]!];
  },
  logPlainMass(lo, hi, theta) {
    const b = theta[0]!;
    if (b === 0) return NaN;
    return Math.max(-lo / b, -hi / b) + log1mExp(-(hi - lo) / Math.abs(b));
  },
};
