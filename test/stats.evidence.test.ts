/**
 * METHOD §4–5: the alternative families, the binned likelihood, AIC and `best`, the null baseline
 * and the teleodynamic parameters — on samples with known answers and on the real MNIST MLP.
 */
import { describe, expect, it } from "vitest";
import { layerResult, type LayerResult } from "../src/analysis/layerResult.js";
import { resolveSettings } from "../src/analysis/settings.js";
import { analyzeFile, binCentres } from "../src/index.js";
import { exponentialFamily } from "../src/stats/exponential.js";
import { halfNormalFamily } from "../src/stats/halfNormal.js";
import { lognormalFamily } from "../src/stats/lognormal.js";
import { akaike, multinomialLogLikelihood } from "../src/stats/multinomial.js";
import { erfc, logErfc, logNormalInterval, logNormalUpperTail } from "../src/stats/normalTail.js";
import { gaussianNullCounts, gaussianNullR2, medianHalfNormalMaximum } from "../src/stats/nullBaseline.js";
import { powerLawFamily } from "../src/stats/powerLawFamily.js";
import { fitFamily, logBinMasses } from "../src/stats/sizeWeightedFamily.js";
import { teleodynamicParameters, teleodynamics } from "../src/stats/teleodynamics.js";
import type { LayerStatistics } from "../src/stats/layerHistograms.js";
import { statisticsFromValues } from "../src/stats/valueStatistics.js";
import { HAVE_SHARED, SHARED_REAL } from "./helpers/oracle.js";
import { gaussian, mulberry32 } from "./helpers/random.js";

/** The statistics the streaming pass would produce for these values (F64 path: exact). */
function statisticsOf(values: Float64Array, bins = 100): LayerStatistics {
  return statisticsFromValues(values, bins);
}

function fitted(values: Float64Array): LayerResult {
  const identity = { name: "w", shape: [values.length], params: values.length, dtype: "F64", depth: 0 };
  const result = layerResult(identity, statisticsOf(values), resolveSettings());
  if (!("mu" in result)) throw new Error(result.reason);
  return result;
}

function sample(n: number, draw: () => number): Float64Array {
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = draw();
  return values;
}

describe("normal tails in log space", () => {
  it("matches scipy (log erfc, log Q, interval probabilities) deep into the tails", () => {
    // scipy.special.erfc / log_ndtr and scipy.stats.norm (float64).
    for (const [x, expected] of [
      [0.3, -0.3984300514400853],
      [1.0, -1.849605509933248],
      [1.99, -5.320852015139977],
      [2.0, -5.364941264616638],
      [2.01, -5.409215264190246],
      [3.0, -10.720363041981113],
      [5.0, -27.200889545537436],
      [10.0, -102.87988902484489],
    ] as const) {
      expect(Math.abs(logErfc(x) - expected)).toBeLessThan(1e-13 * Math.max(1, Math.abs(expected)));
    }
    expect(erfc(-1)).toBeCloseTo(2 - 0.15729920705028513, 15);
    expect(logNormalUpperTail(-5)).toBeCloseTo(-2.8665161296376294e-7, 20);
    expect(logNormalUpperTail(1)).toBeCloseTo(-1.8410216450092634, 14);
    expect(logNormalUpperTail(40)).toBeCloseTo(-804.6084420137539, 10);
    expect(logNormalUpperTail(30)).toBeCloseTo(-454.32124395634327, 10);
    expect(logNormalInterval(-1.5, 0.5)).toBeCloseTo(-0.4705553654158995, 14);
    expect(logNormalInterval(10, 10.5)).toBeCloseTo(-53.23696937175251, 10);
    expect(logNormalInterval(-10.5, -10)).toBeCloseTo(-53.23696937175251, 10);
    // Narrow interval around 0: ln(2e-9 φ(0)) exactly (scipy's CDF difference loses 8 digits here).
    expect(logNormalInterval(-1e-9, 1e-9)).toBeCloseTo(Math.log(2e-9 / Math.sqrt(2 * Math.PI)), 13);
    expect(logNormalInterval(-Infinity, Infinity)).toBe(0);
    expect(logNormalInterval(1, 1)).toBe(-Infinity);
  });
});

describe("multinomial log-likelihood and AIC", () => {
  it("matches scipy.stats.multinomial.logpmf, from unnormalised log masses", () => {
    const logMass = [0.2, 0.1, 0.5, 0.2].map((p) => Math.log(p) + 7); // any common offset
    expect(multinomialLogLikelihood([3, 0, 5, 2], logMass)).toBeCloseTo(-3.6809112844647576, 12);
    expect(multinomialLogLikelihood([300, 100, 500, 200], logMass)).toBeCloseTo(-26.966175264340563, 9);
    expect(akaike(-3.5, 2)).toBe(11);
  });

  it("an observed bin of probability 0, or infinite mass, gives ln L = −∞ (AIC +∞); empty bins are free", () => {
    expect(multinomialLogLikelihood([1, 2], [-Infinity, 0])).toBe(-Infinity);
    expect(multinomialLogLikelihood([0, 2], [-Infinity, 0])).toBeCloseTo(0, 12);
    expect(multinomialLogLikelihood([1, 2], [Infinity, 0])).toBe(-Infinity);
    expect(akaike(-Infinity, 1)).toBe(Infinity);
  });
});

describe("the alternative families", () => {
  const centres = binCentres(100);

  it("each recovers its own parameters from its exact curve", () => {
    const cases = [
      { family: halfNormalFamily, theta: [0.21] },
      { family: exponentialFamily, theta: [0.12] },
      { family: powerLawFamily, theta: [1.7] },
      { family: lognormalFamily, theta: [-2.3, 0.6] },
    ];
    for (const { family, theta } of cases) {
      const y = centres.map((x) => 0.0103 * family.density(x, theta));
      const fit = fitFamily(family, centres, y);
      expect(fit.converged).toBe(true);
      expect(fit.A).toBeCloseTo(0.0103, 8);
      fit.theta.forEach((value, j) => expect(value).toBeCloseTo(theta[j]!, 7));
      expect(fit.r2).toBeCloseTo(1, 10);
    }
  });

  it("the analytic ∂q/∂θ matches finite differences", () => {
    const gradient = new Float64Array(2);
    for (const [family, theta] of [
      [halfNormalFamily, [0.3]],
      [exponentialFamily, [0.2]],
      [powerLawFamily, [0.8]],
      [lognormalFamily, [-2, 0.7]],
    ] as const) {
      for (const x of [0.05, 0.3, 0.9]) {
        family.densityGradient(x, theta, gradient);
        theta.forEach((_, j) => {
          const h = 1e-6;
          const plus = [...theta];
          const minus = [...theta];
          plus[j]! += h;
          minus[j]! -= h;
          const numeric = (family.density(x, plus) - family.density(x, minus)) / (2 * h);
          expect(Math.abs(gradient[j]! - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
        });
      }
    }
  });

  it("plain bin masses: size weighting undone (q/x), truncated to [0, U], summing to the CDF", () => {
    // Half-normal s = 0.3 on [0, 1]: Σ bins = P(0 < Z < 1/0.3).
    const masses = logBinMasses(halfNormalFamily, [0.3], 100, 1);
    const total = masses.reduce((sum, value) => sum + Math.exp(value), 0);
    expect(total).toBeCloseTo(Math.exp(logNormalInterval(0, 1 / 0.3)), 12);
    // Lognormal size-weighted LN(μ, σ) ⇒ plain LN(μ − σ², σ): bin 0 = Φ((ln 0.01 − μ + σ²)/σ).
    const [mu, sigma] = [-2, 0.5];
    const first = logBinMasses(lognormalFamily, [mu, sigma], 100, 1)[0]!;
    expect(first).toBeCloseTo(logNormalInterval(-Infinity, (Math.log(0.01) - mu + sigma * sigma) / sigma), 12);
    // Power law k: plain ∝ x^(k−1), mass of [0, 1] is 1/k; k ≤ 0 is not a distribution.
    const power = Array.from(logBinMasses(powerLawFamily, [2], 4, 1), Math.exp);
    expect(power.map((m) => m * 2)).toEqual([1 / 16, 3 / 16, 5 / 16, 7 / 16].map((p) => expect.closeTo(p, 14)));
    expect(logBinMasses(powerLawFamily, [-0.5], 4, 1)[0]).toBe(Infinity);
    // Exponential b < 0 (a rising curve) still gives proper masses.
    const rising = logBinMasses(exponentialFamily, [-0.5], 2, 1).map(Math.exp);
    expect(rising[1]! / rising[0]!).toBeCloseTo(Math.exp(1), 12);
  });
});

describe("best model by AIC on samples with a known law (200,000 weights each)", () => {
  const n = 200_000;

  it("Gaussian weights → halfnormal, and null_r2 is what the lognormal scores on them", () => {
    const normal = gaussian(mulberry32(21));
    const layer = fitted(sample(n, () => 0.05 * normal()));
    expect(layer.best).toBe("halfnormal");
    expect(layer.alternatives.halfnormal.aic).toBeLessThan(layer.aic! - 100);
    expect(layer.alternatives.halfnormal.r2).toBeGreaterThan(0.995);
    // s in units of x = |w|/max: s · max|w| is the Gaussian's sd.
    expect(layer.alternatives.halfnormal.s * layer.max_abs).toBeCloseTo(0.05, 3);
    // A Gaussian sample scores about the null baseline (the expected histogram, no sampling noise).
    expect(Math.abs(layer.r2 - layer.null_r2)).toBeLessThan(0.01);
  });

  it("Laplace weights → exponential", () => {
    const random = mulberry32(22);
    const layer = fitted(sample(n, () => (random() < 0.5 ? -1 : 1) * -0.03 * Math.log(1 - random())));
    expect(layer.best).toBe("exponential");
    expect(layer.alternatives.exponential.b * layer.max_abs).toBeCloseTo(0.03, 3);
  });

  it("lognormal weights → lognormal", () => {
    const normal = gaussian(mulberry32(23));
    const layer = fitted(sample(n, () => (normal() < 0 ? -1 : 1) * Math.exp(-3 + 0.6 * normal())));
    expect(layer.best).toBe("lognormal");
    expect(layer.aic).toBeLessThan(Math.min(layer.alternatives.halfnormal.aic!, layer.alternatives.exponential.aic!) - 100);
  });

  it("uniform weights → not lognormal (the power law k = 1, and the flat limits of the others)", () => {
    const random = mulberry32(24);
    const layer = fitted(sample(n, () => 0.1 * (2 * random() - 1)));
    expect(layer.best).not.toBe("lognormal");
    expect(layer.alternatives.powerlaw.k).toBeCloseTo(1, 1);
    expect(layer.alternatives.powerlaw.aic).toBeLessThan(layer.aic! - 100);
  });
});

describe("null baseline", () => {
  it("the median maximum solves (1 − 2Q(z))^N = ½", () => {
    for (const n of [10, 10_000, 1e9]) {
      const z = medianHalfNormalMaximum(n);
      expect(n * Math.log1p(-2 * Math.exp(logNormalUpperTail(z)))).toBeCloseTo(-Math.LN2, 9);
    }
    const counts = gaussianNullCounts(50_000, 100);
    expect(counts.reduce((a, b) => a + b, 0)).toBeCloseTo(50_000, 6);
  });

  it("is deterministic, ≈ 0.95 as METHOD §5 says, and independent of the layer's scale", () => {
    const r2 = gaussianNullR2(200_704, 100);
    expect(r2).toBe(gaussianNullR2(200_704, 100));
    expect(r2).toBeGreaterThan(0.93);
    expect(r2).toBeLessThan(0.97);
    const normal = gaussian(mulberry32(5));
    const values = sample(50_000, () => normal());
    const a = fitted(values);
    const b = fitted(values.map((v) => v * 1e-3));
    expect(a.null_r2).toBe(b.null_r2);
  });
});

describe("teleodynamics", () => {
  it("β = 1/(2σ²), α = μ_plain/σ² − 1 with μ_plain = μ − σ²", () => {
    const { alpha, beta } = teleodynamicParameters(-2.5, 0.65);
    expect(beta).toBeCloseTo(1 / (2 * 0.65 ** 2), 14);
    expect(alpha).toBeCloseTo((-2.5 - 0.65 ** 2) / 0.65 ** 2 - 1, 14);
  });

  it("the equilibrium spread is 0 when ln n_i follows the plain lognormal exactly, > 0 otherwise", () => {
    const centres = binCentres(100);
    const [mu, sigma] = [-2.5, 0.65];
    const { alpha, beta } = teleodynamicParameters(mu, sigma);
    const equilibrium = centres.map((c) => Math.exp(alpha * Math.log(c) - beta * Math.log(c) ** 2 + 12));
    expect(teleodynamics(mu, sigma, equilibrium, centres).equilibriumSpread).toBeLessThan(1e-12);
    const perturbed = equilibrium.map((n, i) => n * (i % 2 === 0 ? 1.5 : 1));
    expect(teleodynamics(mu, sigma, perturbed, centres).equilibriumSpread).toBeGreaterThan(0.1);
  });

  it("layer results carry α, β from their own fit", () => {
    const normal = gaussian(mulberry32(9));
    const layer = fitted(sample(50_000, () => Math.exp(-3 + 0.5 * normal())));
    expect(layer.beta).toBeCloseTo(1 / (2 * layer.sigma ** 2), 12);
    expect(layer.alpha).toBeCloseTo(layer.mu_plain / layer.sigma ** 2 - 1, 12);
    expect(layer.equilibrium_spread).toBeGreaterThanOrEqual(0);
  });
});

describe.skipIf(!HAVE_SHARED)("real weights (../shared/real)", () => {
  it("uniform initialisation (mnist-mlp epoch 0) is not lognormal; the likelihood matches scipy on epoch 10", async () => {
    const init = await analyzeFile(`${SHARED_REAL}mnist-mlp/ckpt_epoch00.safetensors`);
    expect(init.layers.length).toBe(2);
    for (const layer of init.layers) {
      expect(layer.best).not.toBe("lognormal");
      expect(layer.alternatives.powerlaw.k).toBeCloseTo(1, 1);
    }
    const trained = await analyzeFile(`${SHARED_REAL}mnist-mlp/ckpt_epoch10.safetensors`);
    const first = trained.layers.find((layer) => layer.tensor === "0.weight")!;
    // numpy histogram + scipy.stats.{lognorm,expon}.cdf + scipy.stats.multinomial.logpmf at our parameters
    // (recomputed when the LM core became MINPACK's algorithm: the parameters moved by ~1e-5).
    expect(first.loglik).toBeCloseTo(-74714.70076117385, 5);
    expect(first.alternatives.exponential.loglik).toBeCloseTo(-13408.757161441259, 5);
    // Half-normal in log space (scipy.special.log_ndtr): scipy's plain CDF differences underflow.
    expect(first.alternatives.halfnormal.loglik).toBeCloseTo(-20314.93895621621, 5);
  });
});
