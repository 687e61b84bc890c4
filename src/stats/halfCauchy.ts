/**
 * Half-Cauchy (toy family): |w| of a Cauchy with scale γ. Plain density p(x) ∝ 1/(1 + (x/γ)²) on
 * x ≥ 0; size-weighted curve q(x; γ) = (x/γ²)/(1 + (x/γ)²), ∂q/∂γ = q·(−2/γ + 2x²/(γ³(1 + (x/γ)²))).
 * Bin mass ∫ p = γ (atan(hi/γ) − atan(lo/γ)).
 */
import { type SizeWeightedFamily, histogramMoment } from "./sizeWeightedFamily.js";

function halfCauchyDensity(x: number, g: number): number {
  if (!(x > 0)) return 0;
  const r = x / g;
  return x / (g * g) / (1 + r * r);
}

export const halfCauchyFamily: SizeWeightedFamily<"halfcauchy"> = {
  name: "halfcauchy",
  label: "half-Cauchy",
  description: "|w| of a Cauchy",
  parameters: ["gamma"],
  density: (x, theta) => halfCauchyDensity(x, theta[0]!),
  densityGradient(x, theta, gradient) {
    const g = theta[0]!;
    const q = halfCauchyDensity(x, g);
    const r = x / g;
    gradient[0] = q * (-2 / g + (2 * x * x) / (g * g * g * (1 + r * r)));
    return q;
  },
  start(x, y) {
    const first = histogramMoment(x, y, 1);
    return [first > 0 ? first / 2 : x[x.length - 1]!];
  },
  canonical: (theta) => [Math.abs(theta[0]!)],
  logPlainMass(lo, hi, theta) {
    const g = Math.abs(theta[0]!);
    return Math.log(g * (Math.atan(hi / g) - Math.atan(lo / g)));
  },
};
