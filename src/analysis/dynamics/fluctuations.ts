/**
 * Local fluctuations d = w_i(t+1) − w_i(t) of tracked weights (METHOD §6): the distribution of |d| on
 * log bins, a power law p(|d|) ∝ |d|^−γ on the intermediate range (KS-minimum bounds above the peak
 * of the distribution of ln|d|, or bounds the user gives), a zero-mean Gaussian fitted to the tail
 * above the power-law range, and the crossover between the two.
 *
 * The crossover is where the fitted Gaussian becomes steeper than the power law: the log-slope of
 * φ(x/s) is −x²/s², which equals −γ at x_c = s·√γ. Below x_c the power law falls faster, above it
 * the Gaussian does, so x_c is the scale where the Gaussian takes over (undefined when γ ≤ 0).
 *
 * This file is the point estimate; evidence.ts adds the bootstrap interval, the surrogate null and
 * the goodness-of-fit p-value, re-running `estimatePowerLaw` (the whole range rule) on every draw.
 */
import { fitGaussianTail } from "../../stats/gaussianTail.js";
import { lowerBound } from "../../stats/ksDistance.js";
import { logHistogram, logHistogramOfSorted, modeBin } from "../../stats/logHistogram.js";
import type { NullSummary } from "../../stats/replicateSummary.js";
import type { PowerLawFit } from "../../stats/powerLaw.js";
import { DEFAULT_POWER_LAW_RANGE, fitPowerLawOnRange, selectPowerLawRange } from "../../stats/powerLawRange.js";
import { plainSample, type SortedSampleView } from "../../stats/sortedSample.js";

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
  /** Order statistics the range scan runs on (default 20,000; the chosen range is refitted on all). */
  maxScanSamples: number;
  /** Tail KS distance above which the Gaussian tail is flagged `tail-not-gaussian` (default 0.05). */
  maxTailKs: number;
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
  maxScanSamples: 20_000,
  maxTailKs: 0.05,
};

/** `minimum-span`: the range is the shortest admissible; `gof-rejected`: CSN p-value below 0.1. */
export type PowerLawFlag = "minimum-span" | "gof-rejected";
/** `tail-not-gaussian`: the tail's KS distance exceeds 0.05. */
export type GaussianTailFlag = "tail-not-gaussian";

/** CSN's threshold: below it the power law is ruled out as a description of the range. */
export const GOF_REJECT_BELOW = 0.1;

/** The power law p(|d|) ∝ |d|^−γ fitted on its range. */
export interface PowerLawResult {
  gamma: number;
  /**
   * Deprecated for inference: the Fisher-information standard error of γ, conditional on the chosen
   * range and assuming independent samples (several times too small; kept for compatibility). Use
   * gamma_sd / gamma_ci.
   */
  gamma_se: number;
  /** Bootstrap over tracked weights (the range re-chosen in every replicate): sd and 95 % interval. */
  gamma_sd: number | null;
  gamma_ci: [number, number] | null;
  /** Bootstrap replicates in which an admissible range was found (null without a bootstrap). */
  bootstrap_valid: number | null;
  range: [number, number];
  range_source: "ks-minimum" | "given";
  /** The range spans the minimum admissible width (one grid step more is not reached). */
  range_at_minimum: boolean;
  samples: number;
  /** samples / all positive |d|. */
  fraction: number;
  ks: number;
  /** Clauset–Shalizi–Newman goodness-of-fit p-value (semi-parametric bootstrap); null when not run. */
  gof_p: number | null;
  /** Synthetic samples the p-value rests on. */
  gof_samples: number | null;
  flags: PowerLawFlag[];
}

/** The zero-mean Gaussian fitted to the tail of |d|. */
export interface GaussianTailResult {
  sigma: number;
  /** The tail starts here: the power law's upper bound (or the peak when there is no power law). */
  from: number;
  samples: number;
  fraction: number;
  ks: number;
  flags: GaussianTailFlag[];
}

/** The log-binned histogram of |d| (edges 10^(k/bins_per_decade)). */
export interface FluctuationHistogram {
  bins_per_decade: number;
  edges: number[];
  counts: number[];
  density: number[];
  /** Per bin, the 2.5 % and 97.5 % density of the Gaussian-steps null (absent without surrogates). */
  null_lo?: number[];
  null_hi?: number[];
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
  /** γ of the same procedure on surrogate steps: each weight's steps Gaussian at its own RMS step. */
  gamma_null: NullSummary | null;
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

/** A fit (its ks NaN when not asked for) with what the evidence needs besides. */
export interface PowerLawEstimate extends PowerLawFit {
  /** The statistic of the goodness-of-fit test: the scan's KS minimum (or, for a given range, ks). */
  statistic: number;
  atMinimumSpan: boolean;
}

/**
 * The power-law part of the procedure on a sorted sample of positive |d| — the peak of ln|d|, then the
 * KS-minimum range above it (or the given range) — as every bootstrap replicate, surrogate and
 * synthetic sample repeats it. `logs` (ln of each value) saves the logarithms when the caller has them.
 */
export function estimatePowerLaw(positive: Float64Array | SortedSampleView, settings: FluctuationSettings, withKs = true, logs?: Float64Array): PowerLawEstimate | undefined {
  const n = positive instanceof Float64Array ? positive.length : positive.size;
  if (n < 2) return undefined;
  if (settings.range) {
    const fit = fitPowerLawOnRange(positive, settings.range[0], settings.range[1], logs);
    return fit ? { ...fit, statistic: fit.ks, atMinimumSpan: false } : undefined;
  }
  const view = positive instanceof Float64Array ? plainSample(positive, logs) : positive;
  const histogram = logHistogramOfSorted(view, settings.binsPerDecade);
  const fit = selectPowerLawRange(
    view,
    {
      binsPerDecade: settings.binsPerDecade,
      minLo: histogram.edges[modeBin(histogram)]!,
      minDecades: settings.minDecades,
      minSamples: Math.max(settings.minSamples, Math.ceil(settings.minFraction * n)),
      maxScanSamples: settings.maxScanSamples,
      withKs,
    },
  );
  return fit ? { gamma: fit.gamma, gammaSe: fit.gammaSe, lo: fit.lo, hi: fit.hi, n: fit.n, ks: fit.ks, statistic: fit.scanKs, atMinimumSpan: fit.atMinimumSpan } : undefined;
}

/** The positive values of |d|, sorted, and how many were exactly zero. */
export function sortedPositive(increments: Float64Array): { positive: Float64Array; zeros: number } {
  const sorted = Float64Array.from(increments).sort();
  const zeros = lowerBound(sorted, 0, true);
  return { positive: sorted.subarray(zeros), zeros };
}

/** The point estimate on |d| (any order, zeros included). */
export function analyzeFluctuations(increments: Float64Array, settings: FluctuationSettings = DEFAULT_FLUCTUATION_SETTINGS): FluctuationResult {
  const { positive, zeros } = sortedPositive(increments);
  const histogram = logHistogram(positive, settings.binsPerDecade);
  const peakBin = modeBin(histogram);
  const base = {
    samples: increments.length,
    zeros,
    peak: peakBin >= 0 ? histogram.centres[peakBin]! : null,
    median: positive.length > 0 ? positive[Math.floor(positive.length / 2)]! : null,
    gamma_null: null,
    histogram: { bins_per_decade: settings.binsPerDecade, edges: Array.from(histogram.edges), counts: Array.from(histogram.counts), density: Array.from(histogram.density) },
  };
  if (positive.length < 2) return { ...base, power_law: null, gaussian: null, crossover: null };

  const n = positive.length;
  const fit = estimatePowerLaw(positive, settings);
  const powerLaw: PowerLawResult | null = fit
    ? {
        gamma: fit.gamma,
        gamma_se: fit.gammaSe,
        gamma_sd: null,
        gamma_ci: null,
        bootstrap_valid: null,
        range: [fit.lo, fit.hi],
        range_source: settings.range ? "given" : "ks-minimum",
        range_at_minimum: fit.atMinimumSpan,
        samples: fit.n,
        fraction: fit.n / n,
        ks: fit.ks,
        gof_p: null,
        gof_samples: null,
        flags: fit.atMinimumSpan ? ["minimum-span"] : [],
      }
    : null;

  // The tail starts where the power law ends; without a power law, at the peak.
  const tailFrom = fit ? fit.hi : histogram.edges[peakBin]!;
  const tailStart = fit ? lowerBound(positive, fit.hi, true) : lowerBound(positive, tailFrom);
  const tail = n - tailStart >= settings.minTailSamples ? fitGaussianTail(positive, tailFrom, tailStart) : undefined;
  const gaussian: GaussianTailResult | null = tail ? { sigma: tail.sigma, from: tail.from, samples: tail.n, fraction: tail.n / n, ks: tail.ks, flags: tail.ks > settings.maxTailKs ? ["tail-not-gaussian"] : [] } : null;
  const crossover = powerLaw && gaussian && powerLaw.gamma > 0 ? gaussian.sigma * Math.sqrt(powerLaw.gamma) : null;
  return { ...base, power_law: powerLaw, gaussian, crossover };
}
