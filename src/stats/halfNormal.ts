/**
 * Half-normal: |w| of a Gaussian N(0, s²) (a freshly initialised layer), as a family of x = |w|/max
 * (sizeWeightedFamily.ts). Plain density p(x) = √(2/π)/s · exp(−x²/(2s²)) on x ≥ 0; its
 * size-weighted density is the Rayleigh density
 *
 *   q(x; s) = (x/s²) · exp(−x²/(2s²)),   ∂q/∂s = q · (x²/s³ − 2/s),
 *
 * fitted as ŷ = A q(x; s). Bin mass of p on [lo, hi): P(lo/s < Z < hi/s), Z standard normal.
 * Start: s₀² = E_q[x²]/2 (the Rayleigh second moment is 2s²) from the histogram. s is reported as |s|
 * (q is even in s). Reference: N. L. Johnson, S. Kotz, N. Balakrishnan, "Continuous Univariate
 * Distributions", vol. 1, 2nd ed., Wiley 1994, ch. 13 (half-normal) and ch. 18 (Rayleigh).
 */
import { logNormalInterval } from "./normalTail.js";
import { type SizeWeightedFamily, histogramMoment } from "./sizeWeightedFamily.js";

export function halfNormalDensity(x: number, s: number): number {
  if (!(x > 0)) return 0;
  const inverseVariance = 1 / (s * s);
  return x * inverseVariance * Math.exp(-0.5 * x * x * inverseVariance);
}

/** The size-weighted half-normal family (|w| of a Gaussian; METHOD §5). */
export const halfNormalFamily: SizeWeightedFamily<"halfnormal"> = {
  name: "halfnormal",
  label: "half-normal",
  description: "|w| of a Gaussian",
  parameters: ["s"],
  density: (x, theta) => halfNormalDensity(x, theta[0]!),
  densityGradient(x, theta, gradient) {
    const s = theta[0]!;
    const q = halfNormalDensity(x, s);
    gradient[0] = q * ((x * x) / (s * s * s) - 2 / s);
    return q;
  },
  start(x, y) {
    const second = histogramMoment(x, y, 2);
    return [second > 0 ? Math.sqrt(second / 2) : x[x.length - 1]!];
  },
  canonical: (theta) => [Math.abs(theta[0]!)],
  logPlainMass(lo, hi, theta) {
    const s = Math.abs(theta[0]!);
    return logNormalInterval(lo / s, hi / s);
  },
};
