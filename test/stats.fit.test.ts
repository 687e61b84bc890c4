/** The LM core and the lognormal fit on synthetic data with known answers. */
import { levenbergMarquardt as mlLevenbergMarquardt } from "ml-levenberg-marquardt";
import { describe, expect, it } from "vitest";
import { binCentres, fitLognormal, levenbergMarquardt, lognormalCurve, sizeWeightedHistogram } from "../src/index.js";
import { binValues } from "../src/stats/binning.js";
import { solveSymmetric } from "../src/stats/levenbergMarquardt.js";
import { gaussian, mulberry32 } from "./helpers/random.js";

describe("Levenberg–Marquardt core", () => {
  it("solves a symmetric positive definite system and rejects an indefinite one", () => {
    const matrix = Float64Array.from([4, 2, 0, 2, 5, 1, 0, 1, 3]);
    const rhs = Float64Array.from([2, 3, 4]);
    expect(solveSymmetric(matrix.slice(), rhs, 3)).toBe(true);
    // Check A x = b.
    const x = rhs;
    const b = [4 * x[0]! + 2 * x[1]!, 2 * x[0]! + 5 * x[1]! + x[2]!, x[1]! + 3 * x[2]!];
    expect(b[0]).toBeCloseTo(2, 12);
    expect(b[1]).toBeCloseTo(3, 12);
    expect(b[2]).toBeCloseTo(4, 12);
    expect(solveSymmetric(Float64Array.from([1, 2, 2, 1]), Float64Array.from([1, 1]), 2)).toBe(false);
  });

  it("fits an exponential decay exactly (Rosenbrock-style scale differences)", () => {
    const x = Float64Array.from({ length: 40 }, (_, i) => i / 4);
    const y = x.map((xi) => 3.5 * Math.exp(-0.7 * xi) + 0.2);
    const result = levenbergMarquardt(
      {
        parameters: 3,
        points: x.length,
        evaluate(p, residuals, jacobian) {
          for (let i = 0; i < x.length; i++) {
            const e = Math.exp(-p[1]! * x[i]!);
            residuals[i] = p[0]! * e + p[2]! - y[i]!;
            if (jacobian) {
              jacobian[3 * i] = e;
              jacobian[3 * i + 1] = -p[0]! * x[i]! * e;
              jacobian[3 * i + 2] = 1;
            }
          }
        },
      },
      [1, 0.1, 0],
    );
    expect(result.converged).toBe(true);
    expect(result.parameters[0]).toBeCloseTo(3.5, 8);
    expect(result.parameters[1]).toBeCloseTo(0.7, 8);
    expect(result.parameters[2]).toBeCloseTo(0.2, 8);
  });

  it("reports no convergence when the budget runs out", () => {
    const x = Float64Array.from({ length: 20 }, (_, i) => (i + 0.5) / 20);
    const y = x.map((xi) => xi); // a straight line: the lognormal can only chase it with σ → ∞
    const fit = fitLognormal(x, y, { maxIterations: 5 });
    expect(fit.converged).toBe(false);
  });
});

describe("lognormal fit", () => {
  const B = 100;
  const centres = binCentres(B);

  it("recovers A, μ, σ from an exact curve", () => {
    const y = centres.map((c) => lognormalCurve(c, 0.0098, -2.7, 0.65));
    const fit = fitLognormal(centres, y);
    expect(fit.converged).toBe(true);
    expect(fit.A).toBeCloseTo(0.0098, 10);
    expect(fit.mu).toBeCloseTo(-2.7, 8);
    expect(fit.sigma).toBeCloseTo(0.65, 8);
    expect(fit.r2).toBeCloseTo(1, 12);
  });

  it("agrees with ml-levenberg-marquardt (independent implementation) on noisy curves", () => {
    const random = mulberry32(11);
    for (const [mu, sigma] of [
      [-2.5, 0.65],
      [-1.8, 0.5],
      [-3.0, 0.8],
    ] as const) {
      const y = centres.map((c) => lognormalCurve(c, 0.01, mu, sigma) * (1 + 0.03 * (random() - 0.5)));
      const ours = fitLognormal(centres, y);
      const theirs = mlLevenbergMarquardt(
        { x: Array.from(centres), y: Array.from(y) },
        ([A, m, s]: number[]) => (x: number) => lognormalCurve(x, A!, m!, s!),
        // The library's defaults (absolute gradient step 0.1, tolerance 1e-2) are far too coarse
        // for curves of height ~0.03; these settings make it a fair cross-check.
        { initialValues: [0.01, mu + 0.2, sigma * 1.2], gradientDifference: 1e-7, centralDifference: true, maxIterations: 2000, errorTolerance: 1e-14, damping: 1e-3 },
      );
      const [A, m, s] = theirs.parameterValues as [number, number, number];
      expect(Math.abs(ours.mu - m)).toBeLessThan(1e-3);
      expect(Math.abs(ours.sigma - Math.abs(s))).toBeLessThan(1e-3);
      expect(Math.abs(ours.A - A) / A).toBeLessThan(1e-3);
      // Ours is a least-squares minimum: no worse than the library's.
      const ssr = (a: number, mm: number, ss: number): number => centres.reduce((sum, c, i) => sum + (lognormalCurve(c, a, mm, ss) - y[i]!) ** 2, 0);
      expect(ssr(ours.A, ours.mu, ours.sigma)).toBeLessThanOrEqual(ssr(A, m, Math.abs(s)) * (1 + 1e-9));
    }
  });

  it("recovers μ and σ of lognormal samples (size-weighted μ = μ_plain + σ²)", () => {
    const normal = gaussian(mulberry32(3));
    const n = 1_000_000;
    const sigma = 0.65;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = Math.exp(-3.2 + sigma * normal());
    let max = 0;
    for (const v of values) max = Math.max(max, v);
    const counts = new Float64Array(B);
    binValues(values, counts, max);
    const fit = fitLognormal(centres, sizeWeightedHistogram(counts, centres));
    const expectedMu = -3.2 - Math.log(max) + sigma * sigma;
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.sigma - sigma)).toBeLessThan(0.02);
    expect(Math.abs(fit.mu - expectedMu)).toBeLessThan(0.02);
    expect(fit.r2).toBeGreaterThan(0.99);
  });
});
