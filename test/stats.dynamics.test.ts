/** The statistics of the training-dynamics analysis, each against a case with a known answer. */
import { describe, expect, it } from "vitest";
import { sampleIndices } from "../src/stats/indexSample.js";
import { logHistogram, logHistogramOfSorted, modeBin } from "../src/stats/logHistogram.js";
import { ksDistance, lowerBound } from "../src/stats/ksDistance.js";
import { fitPowerLaw, meanLogOffset, powerLawCdf, powerLawDensity, powerLawExponent, varianceLog } from "../src/stats/powerLaw.js";
import { candidateBounds, fitPowerLawOnRange, selectPowerLawRange, thinSorted, DEFAULT_POWER_LAW_RANGE, type PowerLawRangeOptions } from "../src/stats/powerLawRange.js";
import { logErfc, logNormalUpperTail } from "../src/stats/normalTail.js";
import { fitGaussianTail, gaussianTailCdf, gaussianTailDensity } from "../src/stats/gaussianTail.js";
import { minimize1d } from "../src/stats/minimize1d.js";
import { RealDft } from "../src/stats/dft.js";
import { normalRandom } from "../src/stats/normalRandom.js";
import { powerLawLogQuantile, semiParametricSample, withLogs } from "../src/stats/powerLawSample.js";
import { averagedPowerSpectrum, HANN_MAIN_LOBE_BINS, seriesPeriodograms } from "../src/stats/powerSpectrum.js";
import { MIN_VALID, quantileSorted, summarizeNull, summarizeReplicates } from "../src/stats/replicateSummary.js";
import { sortPositiveWithIndex } from "../src/stats/sortPositive.js";
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
  it("of a sorted sample (binary search per edge) equals the histogram of the values", () => {
    const random = mulberry32(71);
    for (const values of [sorted(Array.from({ length: 5000 }, () => 10 ** (-7 + 6 * random()))), sorted([1e-3, 1e-3, 0.01, 0.1, 0.1, 0.5]), new Float64Array(0)]) {
      const a = logHistogram(values, 10, 7000);
      const b = logHistogramOfSorted(values, 10, 7000);
      expect(Array.from(b.edges)).toEqual(Array.from(a.edges));
      expect(Array.from(b.counts)).toEqual(Array.from(a.counts));
      expect(Array.from(b.density)).toEqual(Array.from(a.density));
    }
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
  it("branch and bound chooses the range a full scan of every candidate chooses; flags the minimum span", () => {
    /** The plain algorithm: every admissible candidate, KS evaluated in full. */
    const bruteForce = (x: Float64Array, options: PowerLawRangeOptions): [number, number] | undefined => {
      const bounds = candidateBounds(x[0]!, x[x.length - 1]!, options.binsPerDecade);
      const scan = thinSorted(x, options.maxScanSamples);
      let best: { lo: number; hi: number; ks: number } | undefined;
      for (let a = 0; a < bounds.length; a++) {
        const lo = bounds[a]!;
        if (lo < options.minLo) continue;
        for (let b = bounds.length - 1; b > a; b--) {
          const hi = bounds[b]!;
          if (hi < lo * 10 ** options.minDecades * (1 - 1e-12)) break;
          if (lowerBound(x, hi, true) - lowerBound(x, lo) < options.minSamples) break;
          const from = lowerBound(scan, lo);
          const to = lowerBound(scan, hi, true);
          if (to - from < 2) continue;
          let sum = 0;
          for (let i = from; i < to; i++) sum += Math.log(scan[i]! / lo);
          const gamma = powerLawExponent(sum / (to - from), lo, hi);
          const ks = ksDistance(scan, (v) => powerLawCdf(v, gamma, lo, hi), from, to);
          if (!best || ks < best.ks) best = { lo, hi, ks };
        }
      }
      return best && [best.lo, best.hi];
    };
    const random = mulberry32(61);
    const normal = gaussian(random);
    const mixture = sorted(Array.from({ length: 15_000 }, () => 10 ** (-5 + 3 * random()) * Math.abs(normal())));
    const studentT = sorted(Array.from({ length: 15_000 }, () => Math.abs(normal() / Math.sqrt(-Math.log(1 - random())))));
    const withCore = sorted([...pareto(10_000, 2.2, 1e-2, 62), ...Array.from({ length: 4000 }, () => 1e-4 + 1e-2 * random())]);
    for (const [x, scan] of [
      [mixture, 100_000],
      [studentT, 100_000],
      [withCore, 5000],
      [mixture, 3000],
    ] as const) {
      const h = logHistogram(x, 10);
      const options = { ...DEFAULT_POWER_LAW_RANGE, minLo: h.edges[modeBin(h)]!, minSamples: 150, maxScanSamples: scan };
      const fit = selectPowerLawRange(x, options)!;
      expect([fit.lo, fit.hi]).toEqual(bruteForce(x, options));
      expect(fit.atMinimumSpan).toBe(fit.hi / fit.lo < 10 ** 1.1 * (1 - 1e-9));
      expect(selectPowerLawRange(x, { ...options, withKs: false }, withLogs(x).logs)!.gamma).toBeCloseTo(fit.gamma, 12);
    }
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

describe("DFT of any length (fft.js, Bluestein)", () => {
  it("equals the direct sum for prime, composite and power-of-two lengths, two series at once", () => {
    const random = mulberry32(21);
    for (const n of [2, 3, 5, 7, 16, 100, 127, 128, 160, 199, 257]) {
      const x = Array.from({ length: n }, () => random() - 0.5);
      const y = Array.from({ length: n }, () => random() - 0.5);
      const dft = new RealDft(n);
      const px = new Float64Array(dft.bins);
      const py = new Float64Array(dft.bins);
      dft.power(x, px, y, py);
      const alone = new Float64Array(dft.bins);
      dft.power(y, alone);
      let top = 0;
      let error = 0;
      for (const [series, power] of [
        [x, px],
        [y, py],
      ] as const) {
        for (let k = 0; k < dft.bins; k++) {
          let re = 0;
          let im = 0;
          for (let t = 0; t < n; t++) {
            re += series[t]! * Math.cos((-2 * Math.PI * k * t) / n);
            im += series[t]! * Math.sin((-2 * Math.PI * k * t) / n);
          }
          top = Math.max(top, re * re + im * im);
          error = Math.max(error, Math.abs(re * re + im * im - power[k]!));
        }
      }
      expect(error / top).toBeLessThan(1e-12);
      for (let k = 0; k < dft.bins; k++) expect(alone[k]).toBeCloseTo(py[k]!, 12);
    }
  });
});

describe("periodograms at the natural frequencies", () => {
  it("a sinusoid peaks at its frequency k/N for a length that is not a power of two (no padding); Parseval", () => {
    const T = 100;
    const values = Float64Array.from({ length: T }, (_, t) => Math.sin((2 * Math.PI * 10 * t) / T));
    const s = averagedPowerSpectrum(values, 1, T);
    expect(s.fftLength).toBe(T);
    expect(s.frequency.length).toBe(T / 2);
    expect(s.frequency[0]).toBeCloseTo(1 / T, 15);
    let peak = 0;
    for (let k = 0; k < s.power.length; k++) if (s.power[k]! > s.power[peak]!) peak = k;
    expect(s.frequency[peak]).toBeCloseTo(10 / T, 12);
    // The one-sided periodogram normalised by Σw² integrates (Δf = 1/N) to the mean square, ½.
    expect(s.power.reduce((a, b) => a + b, 0) / T).toBeCloseTo(0.5, 2);
  });
  it("white noise is flat from bin 2 on; bin 1, in the window's main lobe, reads 5/6 of the level", () => {
    const normal = gaussian(mulberry32(8));
    const T = 127;
    const count = 4000;
    const values = Float64Array.from({ length: count * T }, () => normal());
    const s = averagedPowerSpectrum(values, count, T);
    const level = s.power.slice(HANN_MAIN_LOBE_BINS - 1).reduce((a, b) => a + b, 0) / (s.power.length - 1);
    // One-sided: 2σ² per unit frequency.
    expect(level).toBeCloseTo(2, 1);
    expect(s.power[0]! / level).toBeCloseTo(5 / 6, 1);
    const x = Array.from(s.frequency.slice(1), Math.log);
    const y = Array.from(s.power.slice(1), Math.log);
    const fit = fitAtSplit(x, y, x[Math.floor(x.length / 2)]!)!;
    expect(Math.abs(fit.slopeLow)).toBeLessThan(0.1);
    expect(Math.abs(fit.slopeHigh)).toBeLessThan(0.1);
    // Per series, series after series: their average is the averaged spectrum.
    const each = seriesPeriodograms(values.subarray(0, 3 * T), 3, T);
    const three = averagedPowerSpectrum(values.subarray(0, 3 * T), 3, T);
    for (let k = 0; k < each.bins; k++) expect((each.power[k]! + each.power[each.bins + k]! + each.power[2 * each.bins + k]!) / 3).toBeCloseTo(three.power[k]!, 12);
  });
});

describe("sortPositive (bucket sort with the permutation)", () => {
  it("equals a comparison sort on wide, narrow, tied and float32-quantised samples", () => {
    const random = mulberry32(31);
    const samples = [
      Float64Array.from({ length: 20_000 }, () => 10 ** (-9 + 8 * random())),
      Float64Array.from({ length: 20_000 }, () => 1 + random() * 1e-9),
      Float64Array.from({ length: 5000 }, (_, i) => 1 + (i % 7)),
      Float64Array.from({ length: 20_000 }, () => Math.abs(Math.fround(0.05 + 1e-4 * (random() - 0.5)) - Math.fround(0.05)) + 1e-12),
      Float64Array.of(3),
      new Float64Array(0),
    ];
    for (const values of samples) {
      const { sorted, index } = sortPositiveWithIndex(values);
      const expected = Float64Array.from(values).sort();
      let mismatches = 0;
      for (let j = 0; j < index.length; j++) if (sorted[j] !== expected[j] || values[index[j]!] !== sorted[j]) mismatches++;
      expect(mismatches).toBe(0);
      expect(new Set(index).size).toBe(values.length);
    }
    expect(() => sortPositiveWithIndex(Float64Array.of(1, 0))).toThrow(RangeError);
  });
});

describe("replicate summaries", () => {
  it("type-7 quantiles, mean, sd; an interval needs half of the replicates and at least MIN_VALID", () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5, 15);
    expect(quantileSorted([1, 2, 3, 4, 5], 0.025)).toBeCloseTo(1.1, 12);
    const values = Array.from({ length: 41 }, (_, i) => i);
    const s = summarizeReplicates(values);
    expect(s.mean).toBe(20);
    expect(s.ci).toEqual([1, 39]);
    expect(s.sd).toBeCloseTo(Math.sqrt((41 * 42) / 12), 9);
    const sparse = summarizeReplicates([...Array.from({ length: 30 }, () => null), ...values.slice(0, 29)]);
    expect(sparse.ci).toBeNull();
    expect(sparse.valid).toBe(29);
    expect(summarizeReplicates(values.slice(0, MIN_VALID - 1)).ci).toBeNull();
    // Null: the rank interval, k = ⌊0.025·42⌋ = 1 of 41 values: [min, max].
    expect(summarizeNull(20, values).ci).toEqual([0, 40]);
    expect(summarizeNull(45, values).outside).toBe(true);
    expect(summarizeNull(39.5, values).outside).toBe(false);
    expect(summarizeNull(null, values).outside).toBeNull();
    const many = Array.from({ length: 199 }, (_, i) => i);
    expect(summarizeNull(0, many).ci).toEqual([4, 194]);
    expect(summarizeNull(3, many).outside).toBe(true);
  });
});

describe("Gaussian deviates (polar method)", () => {
  it("have mean 0 and variance 1", () => {
    const normal = normalRandom(mulberry32(41));
    const z = Array.from({ length: 200_000 }, normal);
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.01);
  });
});

describe("semi-parametric synthetic samples (CSN goodness of fit)", () => {
  it("the quantile inverts the truncated power law's CDF, for γ < 1, ≈ 1 and > 1", () => {
    const u = Math.log(1e3);
    for (const gamma of [-2, 0.5, 1, 1 + 1e-12, 2.5, 60]) {
      const quantile = powerLawLogQuantile(gamma, u);
      for (const U of [0, 0.1, 0.5, 0.9, 1]) expect(powerLawCdf(Math.exp(quantile(U)), gamma, 1, 1e3)).toBeCloseTo(U, 9);
    }
  });
  it("is sorted, keeps the proportions below, in and above the range, and is a power law inside", () => {
    const random = mulberry32(51);
    const observed = withLogs(sorted(Array.from({ length: 30_000 }, () => 10 ** (-6 + 5 * random()))));
    const lo = 1e-4;
    const hi = 1e-2;
    const below = lowerBound(observed.values, lo);
    const above = observed.values.length - lowerBound(observed.values, hi, true);
    const sample = semiParametricSample(observed, below, above, lo, hi, 1.7, random);
    expect(sample.values.length).toBe(observed.values.length);
    for (let i = 1; i < sample.values.length; i++) expect(sample.values[i]!).toBeGreaterThanOrEqual(sample.values[i - 1]!);
    for (let i = 0; i < sample.values.length; i += 97) expect(sample.logs[i]).toBeCloseTo(Math.log(sample.values[i]!), 12);
    const from = lowerBound(sample.values, lo);
    const to = lowerBound(sample.values, hi, true);
    expect(Math.abs(from - below)).toBeLessThan(4 * Math.sqrt(below));
    const fit = fitPowerLaw(sample.values, lo, hi, from, to);
    expect(Math.abs(fit.gamma - 1.7)).toBeLessThan(4 * fit.gammaSe);
    expect(fit.ks).toBeLessThan(0.02);
    // Values outside the range are resampled from the observed ones.
    const seen = new Set(observed.values);
    expect(seen.has(sample.values[0]!)).toBe(true);
    expect(seen.has(sample.values[sample.values.length - 1]!)).toBe(true);
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
