/** The statistics of the training-dynamics analysis, each against a case with a known answer. */
import { describe, expect, it } from "vitest";
import { sampleIndices } from "../src/stats/indexSample.js";
import { logHistogram, modeBin } from "../src/stats/logHistogram.js";
import { ksDistance, lowerBound } from "../src/stats/ksDistance.js";
import { fitPowerLaw, meanLogOffset, powerLawCdf, powerLawDensity, powerLawExponent, varianceLog } from "../src/stats/powerLaw.js";
import { fitPowerLawOnRange, selectPowerLawRange, DEFAULT_POWER_LAW_RANGE } from "../src/stats/powerLawRange.js";
import { logErfc, logNormalUpperTail } from "../src/stats/normalTail.js";
import { fitGaussianTail, gaussianTailCdf, gaussianTailDensity } from "../src/stats/gaussianTail.js";
import { minimize1d } from "../src/stats/minimize1d.js";
import { averagedPowerSpectrum, nextPowerOfTwo } from "../src/stats/powerSpectrum.js";
import { fitAtSplit, fitSegmentedLine } from "../src/stats/segmentedLine.js";
import { gaussian, mulberry32 } from "./helpers/random.js";

const sorted = (values: Iterable<number>): Float64Array => Float64Array.from(values).sort();

function pareto(n: number, gamma: number, xmin: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  return sorted(Array.from({ length: n }, () => xmin * (1 - random()) ** (-1 / (gamma - 1))));
}

/** Simpson's rule on a log grid: ∫ f(x) dx over [lo, hi]. */
function integrate(f: (x: number) => number, lo: number, hi: number, n = 2000): number {
  const h = Math.log(hi / lo) / n;
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const x = lo * Math.exp(i * h);
    sum += (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * f(x) * x;
  }
  return (sum * h) / 3;
}

describe("sampleIndices (Floyd)", () => {
  it("k distinct sorted indices in range, the same for the same seed, different for another", () => {
    const a = sampleIndices(1_000_000, 1000, 42);
    expect(a.length).toBe(1000);
    expect(new Set(a).size).toBe(1000);
    for (let i = 1; i < a.length; i++) expect(a[i]!).toBeGreaterThan(a[i - 1]!);
    expect(a[0]!).toBeGreaterThanOrEqual(0);
    expect(a[a.length - 1]!).toBeLessThan(1_000_000);
    expect(Array.from(sampleIndices(1_000_000, 1000, 42))).toEqual(Array.from(a));
    expect(Array.from(sampleIndices(1_000_000, 1000, 43))).not.toEqual(Array.from(a));
  });
  it("is uniform: the mean index is n/2 within 4 standard errors", () => {
    const n = 10_000;
    const a = sampleIndices(n, 5000, 7);
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    // Sampling without replacement: sd of the mean = sqrt((n²/12)/k · (n−k)/(n−1)).
    expect(Math.abs(mean - (n - 1) / 2)).toBeLessThan(4 * Math.sqrt(((n * n) / 12 / 5000) * 0.5));
  });
  it("k ≥ n returns every index", () => {
    expect(Array.from(sampleIndices(5, 10, 1))).toEqual([0, 1, 2, 3, 4]);
    expect(sampleIndices(0, 10, 1).length).toBe(0);
  });
});

describe("logHistogram", () => {
  it("bins on decade-aligned edges, densities integrate to the sample fraction", () => {
    const values = [1e-3, 1.5e-3, 0.01, 0.0999, 0.1, 0.5];
    const h = logHistogram(values, 2);
    expect(h.edges[0]).toBeCloseTo(1e-3, 15);
    expect(h.edges[h.edges.length - 1]!).toBeGreaterThan(0.5);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(values.length);
    // 0.1 is an edge: it belongs to the bin it starts.
    const k = lowerBound(h.edges, 0.1) ;
    expect(h.edges[k]).toBeCloseTo(0.1, 15);
    expect(h.counts[k]).toBe(1);
    let integral = 0;
    for (let i = 0; i < h.counts.length; i++) integral += h.density[i]! * (h.edges[i + 1]! - h.edges[i]!);
    expect(integral).toBeCloseTo(1, 12);
    expect(logHistogram(values, 2, 12).density[0]! * 12).toBeCloseTo(h.density[0]! * 6, 9);
  });
  it("the mode is the most populated bin", () => {
    const h = logHistogram([1, 1.1, 1.2, 10, 100], 1);
    expect(modeBin(h)).toBe(0);
  });
  it("rejects non-positive values", () => {
    expect(() => logHistogram([0, 1], 10)).toThrow(RangeError);
  });
});

describe("truncated power law", () => {
  it("density integrates to 1 and the CDF is its integral, for γ < 1, = 1 and > 1", () => {
    for (const gamma of [-0.5, 0.3, 1, 1 + 1e-12, 2.5, 7]) {
      expect(integrate((x) => powerLawDensity(x, gamma, 1e-4, 1e-1), 1e-4, 1e-1)).toBeCloseTo(1, 6);
      expect(integrate((x) => powerLawDensity(x, gamma, 1e-4, 1e-1), 1e-4, 3e-3)).toBeCloseTo(powerLawCdf(3e-3, gamma, 1e-4, 1e-1), 6);
    }
  });
  it("E[ln x] and Var[ln x] match numerical integration; MLE inverts E[ln x]", () => {
    const u = Math.log(1e3);
    for (const gamma of [-1, 0.5, 1, 2.2, 10]) {
      const mean = integrate((x) => Math.log(x) * powerLawDensity(x, gamma, 1, 1e3), 1, 1e3);
      const second = integrate((x) => Math.log(x) ** 2 * powerLawDensity(x, gamma, 1, 1e3), 1, 1e3);
      expect(meanLogOffset(gamma, u)).toBeCloseTo(mean, 6);
      expect(varianceLog(gamma, u)).toBeCloseTo(second - mean * mean, 5);
      expect(powerLawExponent(meanLogOffset(gamma, u), 1, 1e3)).toBeCloseTo(gamma, 8);
    }
  });
  it("recovers γ of an exact Pareto sample within 3 standard errors; the error estimate is honest", () => {
    const x = pareto(100_000, 2.5, 1e-3, 3);
    const fit = fitPowerLaw(x, 1e-3, x[x.length - 1]!, 0, x.length);
    expect(Math.abs(fit.gamma - 2.5)).toBeLessThan(3 * fit.gammaSe);
    expect(fit.gammaSe).toBeGreaterThan(0.002);
    expect(fit.gammaSe).toBeLessThan(0.01);
    expect(fit.ks).toBeLessThan(0.01);
  });
  it("the KS-minimum range of a Pareto sample starts at x_min", () => {
    const x = pareto(50_000, 2.2, 1e-2, 4);
    // A flat stretch below x_min (uniform on [1e-4, 1e-2]) must not be chosen as the power law.
    const random = mulberry32(5);
    const withCore = sorted([...x, ...Array.from({ length: 20_000 }, () => 1e-4 + (1e-2 - 1e-4) * random())]);
    const fit = selectPowerLawRange(withCore, { ...DEFAULT_POWER_LAW_RANGE, minLo: 1e-2 })!;
    expect(fit.lo).toBeGreaterThanOrEqual(1e-2);
    expect(fit.lo).toBeLessThan(2e-2);
    expect(Math.abs(fit.gamma - 2.2)).toBeLessThan(0.05);
    const given = fitPowerLawOnRange(withCore, 1e-2, 1)!;
    expect(Math.abs(given.gamma - 2.2)).toBeLessThan(0.05);
  });
  it("no candidate range ⇒ undefined (less than the minimum width above the floor)", () => {
    const x = sorted([1, 2, 3, 4, 5]);
    expect(selectPowerLawRange(x, { ...DEFAULT_POWER_LAW_RANGE, minLo: 1, minSamples: 2 })).toBeUndefined();
  });
});

describe("KS distance", () => {
  it("is 1/(2m) for the midpoints of a uniform sample, and stops early past a bound", () => {
    const m = 100;
    const x = Float64Array.from({ length: m }, (_, i) => (i + 0.5) / m);
    expect(ksDistance(x, (v) => v)).toBeCloseTo(0.5 / m, 12);
    expect(ksDistance(x, (v) => v * v, 0, m, 0.01)).toBeGreaterThan(0.01);
  });
});

describe("normal tail and the Gaussian tail fit", () => {
  it("ln erfc and ln Q agree with known values, far beyond double underflow", () => {
    expect(Math.exp(logErfc(0))).toBeCloseTo(1, 7);
    expect(Math.exp(logErfc(1))).toBeCloseTo(0.157299207050285, 7);
    expect(logErfc(5) - Math.log(1.5374597944280349e-12)).toBeCloseTo(0, 6);
    expect(Math.exp(logErfc(-1))).toBeCloseTo(1.842700792949715, 6);
    // erfc(30) ≈ e^{−900}/(30√π)(1 − 1/1800): far below the smallest double.
    expect(logErfc(30)).toBeCloseTo(-900 - Math.log(30 * Math.sqrt(Math.PI)) + Math.log(1 - 1 / 1800), 5);
    expect(Math.exp(logNormalUpperTail(1.959963984540054))).toBeCloseTo(0.025, 7);
  });
  it("x0 = 0: the half-normal MLE s² = mean(x²)", () => {
    const normal = gaussian(mulberry32(6));
    const x = sorted(Array.from({ length: 50_000 }, () => Math.abs(0.3 * normal())));
    const fit = fitGaussianTail(x, 0, 0)!;
    const rms = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    expect(fit.sigma / rms).toBeCloseTo(1, 6);
    expect(Math.abs(fit.sigma - 0.3) / 0.3).toBeLessThan(0.01);
    expect(fit.ks).toBeLessThan(0.01);
  });
  it("a tail above 2s recovers s within 3%; the conditional density and CDF are consistent", () => {
    const normal = gaussian(mulberry32(7));
    const all = Array.from({ length: 400_000 }, () => Math.abs(normal()));
    const x = sorted(all.filter((v) => v >= 2));
    const fit = fitGaussianTail(x, 2, 0)!;
    expect(Math.abs(fit.sigma - 1)).toBeLessThan(0.03);
    expect(integrate((v) => gaussianTailDensity(v, 1.3, 2), 2, 12)).toBeCloseTo(1, 6);
    expect(integrate((v) => gaussianTailDensity(v, 1.3, 2), 2, 3)).toBeCloseTo(gaussianTailCdf(3, 1.3, 2), 6);
  });
  it("minimize1d finds the minimum of a smooth function", () => {
    const { x } = minimize1d((v) => (v - 1.234) ** 2 + 3, -10, 10);
    // Near a minimum f changes by O(δx²): √ε relative precision in x is all doubles allow.
    expect(x).toBeCloseTo(1.234, 6);
  });
});

describe("averaged power spectrum (fft.js)", () => {
  it("a sinusoid peaks at its frequency; Parseval: Σ P·Δf ≈ the windowed variance", () => {
    const T = 128;
    const values = Float64Array.from({ length: T }, (_, t) => Math.sin((2 * Math.PI * 10 * t) / T));
    const s = averagedPowerSpectrum(values, 1, T);
    let peak = 0;
    for (let k = 0; k < s.power.length; k++) if (s.power[k]! > s.power[peak]!) peak = k;
    expect(s.frequency[peak]).toBeCloseTo(10 / T, 12);
    expect(s.fftLength).toBe(128);
    // The one-sided periodogram normalised by Σw² integrates (Δf = 1/N) to the mean square, ½.
    const total = s.power.reduce((a, b) => a + b, 0) / s.fftLength;
    expect(total).toBeCloseTo(0.5, 2);
  });
  it("white noise is flat; a length that is not a power of two is zero-padded", () => {
    const normal = gaussian(mulberry32(8));
    const T = 100;
    const count = 2000;
    const values = Float64Array.from({ length: count * T }, () => normal());
    const s = averagedPowerSpectrum(values, count, T);
    expect(s.fftLength).toBe(nextPowerOfTwo(T));
    const x = Array.from(s.frequency, Math.log);
    const y = Array.from(s.power, Math.log);
    const fit = fitAtSplit(x, y, x[Math.floor(x.length / 2)]!)!;
    expect(Math.abs(fit.slopeLow)).toBeLessThan(0.15);
    expect(Math.abs(fit.slopeHigh)).toBeLessThan(0.15);
  });
});

describe("two-segment line", () => {
  it("recovers a known hinge and its break", () => {
    const x = Array.from({ length: 60 }, (_, i) => i / 10);
    const y = x.map((v) => (v <= 2.5 ? 1 - 0.7 * (v - 2.5) : 1 - 2 * (v - 2.5)));
    const fit = fitSegmentedLine(x, y, { minPoints: 3, minSpan: 0.5 })!;
    expect(fit.split).toBeCloseTo(2.5, 9);
    expect(fit.slopeLow).toBeCloseTo(-0.7, 9);
    expect(fit.slopeHigh).toBeCloseTo(-2, 9);
    expect(fit.r2).toBeCloseTo(1, 12);
  });
  it("respects the minimum points and span per segment", () => {
    const x = [0, 1, 2, 3];
    expect(fitSegmentedLine(x, [0, 1, 2, 3], { minPoints: 3, minSpan: 2 })).toBeUndefined();
  });
});
