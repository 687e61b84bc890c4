/**
 * Local fluctuations d = w_i(t+1) − w_i(t) of tracked weights (METHOD §6): the distribution of |d| on
 * log bins, a power law p(|d|) ∝ |d|^−γ on the intermediate range (KS-minimum bounds above the peak
 * of the distribution of ln|d|, or bounds the user gives), a zero-mean Gaussian fitted to the tail
 * above the power-law range, and the crossover between the two.
 *
 * The crossover is where the fitted Gaussian becomes steeper than the power law: the log-slope of
 * φ(x/s) is −x²/s², which equals −γ at x_c = s·√γ. Below x_c the power law falls faster, above it
 * the Gaussian does, so x_c is the scale where the Gaussian takes over (undefined when γ ≤ 0).
 */
import { fitGaussianTail } from "../../stats/gaussianTail.js";
import { lowerBound } from "../../stats/ksDistance.js";
import { logHistogram, modeBin } from "../../stats/logHistogram.js";
import { DEFAULT_POWER_LAW_RANGE, fitPowerLawOnRange, selectPowerLawRange } from "../../stats/powerLawRange.js";

/** Settings of the fluctuation statistics (METHOD §6). */
export interface FluctuationSettings {
  /** Log bins per decade for the histogram and the candidate range bounds (default 10). */
  binsPerDecade: number;
  /** Shortest power-law range, in decades (default 1). */
  minDecades: number;
  /** Fewest samples in the power-law range: max(minSamples, minFraction · positive samples). */
  minSamples: number;
  minFraction: number;
  /** Fewest samples in the Gaussian tail (default 10). */
  minTailSamples: number;
  /** Power-law bounds given by the user instead of the KS minimum. */
  range?: [number, number];
}

/** The defaults of the fluctuation statistics. */
export const DEFAULT_FLUCTUATION_SETTINGS: FluctuationSettings = {
  binsPerDecade: DEFAULT_POWER_LAW_RANGE.binsPerDecade,
  minDecades: DEFAULT_POWER_LAW_RANGE.minDecades,
  minSamples: DEFAULT_POWER_LAW_RANGE.minSamples,
  minFraction: 0.01,
  minTailSamples: 10,
};

/** The power law p(|d|) ∝ |d|^−γ fitted on its range. */
export interface PowerLawResult {
  gamma: number;
  gamma_se: number;
  range: [number, number];
  range_source: "ks-minimum" | "given";
  samples: number;
  /** samples / all positive |d|. */
  fraction: number;
  ks: number;
}

/** The zero-mean Gaussian fitted to the tail of |d|. */
export interface GaussianTailResult {
  sigma: number;
  /** The tail starts here: the power law's upper bound (or the peak when there is no power law). */
  from: number;
  samples: number;
  fraction: number;
  ks: number;
}

/** The log-binned histogram of |d| (edges 10^(k/bins_per_decade)). */
export interface FluctuationHistogram {
  bins_per_decade: number;
  edges: number[];
  counts: number[];
  density: number[];
}

/** Statistics of the local fluctuations |d| = |w(t+1) − w(t)|. */
export interface FluctuationResult {
  /** All |d| values, zeros included: tracked series × (checkpoints − 1). */
  samples: number;
  /** d = 0 exactly (the weight did not change); left out of the histogram and the fits. */
  zeros: number;
  /** Centre of the most populated log bin: the peak of the distribution of ln|d|. */
  peak: number | null;
  median: number | null;
  power_law: PowerLawResult | null;
  gaussian: GaussianTailResult | null;
  crossover: number | null;
  histogram: FluctuationHistogram;
}

/** |w_i(t+1) − w_i(t)| for `count` series of `length` samples stored series after series. */
export function absoluteIncrements(values: Float64Array, count: number, length: number): Float64Array {
  const steps = Math.max(0, length - 1);
  const out = new Float64Array(count * steps);
  for (let i = 0; i < count; i++) {
    const offset = i * length;
    for (let t = 0; t < steps; t++) out[i * steps + t] = Math.abs(values[offset + t + 1]! - values[offset + t]!);
  }
  return out;
}

/** Statistics of |d| for the given increments: histogram, peak, median, power law and Gaussian tail. */
export function analyzeFluctuations(increments: Float64Array, settings: FluctuationSettings = DEFAULT_FLUCTUATION_SETTINGS): FluctuationResult {
  const sorted = Float64Array.from(increments).sort();
  const firstPositive = lowerBound(sorted, 0, true);
  const positive = sorted.subarray(firstPositive);
  const histogram = logHistogram(positive, settings.binsPerDecade);
  const peakBin = modeBin(histogram);
  const base = {
    samples: increments.length,
    zeros: firstPositive,
    peak: peakBin >= 0 ? histogram.centres[peakBin]! : null,
    median: positive.length > 0 ? positive[Math.floor(positive.length / 2)]! : null,
    histogram: { bins_per_decade: settings.binsPerDecade, edges: Array.from(histogram.edges), counts: Array.from(histogram.counts), density: Array.from(histogram.density) },
  };
  if (positive.length < 2) return { ...base, power_law: null, gaussian: null, crossover: null };

  const n = positive.length;
  const fit = settings.range
    ? fitPowerLawOnRange(positive, settings.range[0], settings.range[1])
    : selectPowerLawRange(positive, {
        binsPerDecade: settings.binsPerDecade,
        minLo: histogram.edges[peakBin]!,
        minDecades: settings.minDecades,
        minSamples: Math.max(settings.minSamples, Math.ceil(settings.minFraction * n)),
        maxScanSamples: DEFAULT_POWER_LAW_RANGE.maxScanSamples,
      });
  const powerLaw: PowerLawResult | null = fit
    ? { gamma: fit.gamma, gamma_se: fit.gammaSe, range: [fit.lo, fit.hi], range_source: settings.range ? "given" : "ks-minimum", samples: fit.n, fraction: fit.n / n, ks: fit.ks }
    : null;

  // The tail starts where the power law ends; without a power law, at the peak.
  const tailFrom = fit ? fit.hi : histogram.edges[peakBin]!;
  const tailStart = fit ? lowerBound(positive, fit.hi, true) : lowerBound(positive, tailFrom);
  const tail = n - tailStart >= settings.minTailSamples ? fitGaussianTail(positive, tailFrom, tailStart) : undefined;
  const gaussian: GaussianTailResult | null = tail ? { sigma: tail.sigma, from: tail.from, samples: tail.n, fraction: tail.n / n, ks: tail.ks } : null;
  const crossover = powerLaw && gaussian && powerLaw.gamma > 0 ? gaussian.sigma * Math.sqrt(powerLaw.gamma) : null;
  return { ...base, power_law: powerLaw, gaussian, crossover };
}
