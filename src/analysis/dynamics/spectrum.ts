/**
 * The power spectrum of tracked weights and its two exponents (METHOD §6): P(f) ∝ f^−a fitted
 * separately at low and high f by a continuous two-segment line in log–log, the break chosen by least
 * squares (or given with `--split`).
 *
 * Estimator. A weight that moves like a random walk has no stationary spectrum of its own, and a
 * windowed periodogram of w leaks the enormous power near f = 0 into the lowest bins (a Hann-windowed
 * Gaussian random walk of 128 samples reads 1.8× the true level at bin 2 and slopes of 2.2–2.6 there).
 * So the spectrum of w is estimated from its steps d(t) = w(t+1) − w(t), which are stationary for
 * random walks and fractional motions alike: the periodogram of d (mean removed — i.e. the drift —,
 * Hann window, powerSpectrum.ts) at the natural frequencies f_k = k/L of the L = T − 1 steps, no
 * padding, then recoloured by the difference filter |1 − e^(−2πif)|² = 4 sin²(πf):
 *   P_w(f_k) = P_d(f_k) / (4 sin²(π f_k))
 * (prewhitening by differencing, Blackman & Tukey 1958). Bins k < 2 lie in the Hann window's main
 * lobe around the removed mean and are left out of the fit. Frequencies are discrete-time:
 * 4 sin²(πf) = (2π f̃)² with f̃ = sin(πf)/π, so the fit is against f̃ (= f for f ≪ ½), under which
 * uncorrelated steps give a = 2 at every frequency, however close to the sampling rate. Reported
 * frequencies are plain f, in cycles per step when the checkpoints are evenly spaced in step, else
 * per checkpoint.
 *
 * Each segment must hold at least `minFrequencies` independent frequencies (bins / 1.5, the Hann
 * window's noise bandwidth) and span a factor `minRatio` in f; no split qualifies ⇒ both exponents
 * are null, and a given split that leaves a segment short makes that segment's exponent null.
 */
import { HANN_MAIN_LOBE_BINS, HANN_NOISE_BANDWIDTH, Periodogram, type PowerSpectrum } from "../../stats/powerSpectrum.js";
import type { NullSummary } from "../../stats/replicateSummary.js";
import { fitAtSplit, fitSegmentedLine, type SegmentedLineFit } from "../../stats/segmentedLine.js";
import type { TrackedSteps } from "./increments.js";

/** Settings of the spectrum fit (METHOD §6). */
export interface SpectrumSettings {
  /** Break frequency given by the user, in `unit`. */
  split?: number;
  /** Fewest independent frequencies per segment (default 5). */
  minFrequencies: number;
  /** Each segment spans at least this factor in frequency (default 2). */
  minRatio: number;
}

/** The defaults of the spectrum fit. */
export const DEFAULT_SPECTRUM_SETTINGS: SpectrumSettings = { minFrequencies: 5, minRatio: 2 };

/** The unit frequencies are reported in. */
export interface FrequencyScale {
  unit: "1/step" | "1/checkpoint";
  /** Steps per checkpoint interval (1 for "1/checkpoint"): f[unit] = f[1/checkpoint] / interval. */
  interval: number;
}

export type SpectrumFlag = "few-frequencies";

/** The averaged power spectrum and its two fitted slopes. */
export interface SpectrumResult {
  frequency_unit: FrequencyScale["unit"];
  /** Series averaged; samples per series (checkpoints); length of the DFT (the T − 1 steps: no padding). */
  series: number;
  length: number;
  fft_length: number;
  /** Lowest frequency in the fit (bins below it lie in the window's main lobe). */
  fit_from: number;
  a_low: number | null;
  /** Bootstrap over tracked weights: standard deviation and 95 % interval (null without a bootstrap). */
  a_low_sd: number | null;
  a_low_ci: [number, number] | null;
  a_high: number | null;
  a_high_sd: number | null;
  a_high_ci: [number, number] | null;
  /** Bootstrap replicates in which a split qualified. */
  bootstrap_valid: number | null;
  /** The same exponents on surrogate random walks (each weight's steps shuffled in time). */
  a_low_null: NullSummary | null;
  a_high_null: NullSummary | null;
  /** Per frequency, the 2.5 % and 97.5 % power of the shuffled-steps surrogates (null without them). */
  null_power_lo: number[] | null;
  null_power_hi: number[] | null;
  split: number | null;
  split_source: "two-segment-fit" | "given";
  low_range: [number, number] | null;
  high_range: [number, number] | null;
  /** Spectrum bins and independent frequencies (bins / 1.5) in each segment. */
  low_bins: number | null;
  high_bins: number | null;
  low_frequencies: number | null;
  high_frequencies: number | null;
  /** The fitted power at the split (the two segments meet there): with it, a_low and a_high the fit is drawn. */
  power_at_split: number | null;
  /** R² of the two-segment fit in log–log. */
  r2: number | null;
  flags: SpectrumFlag[];
  frequency: number[];
  power: number[];
}

/** f̃ = sin(πf)/π for f in cycles per sample. */
export function discreteFrequency(f: number): number {
  return Math.sin(Math.PI * f) / Math.PI;
}

/** Spectrum bins per segment for `minFrequencies` independent frequencies. */
export function minimumBins(minFrequencies: number): number {
  return Math.ceil(minFrequencies * HANN_NOISE_BANDWIDTH - 1e-9);
}

export interface SlopeFit {
  a_low: number | null;
  a_high: number | null;
  fit: SegmentedLineFit;
}

/**
 * The two-segment fit of spectra on one frequency grid (cycles per sample), reused for the point
 * estimate, every bootstrap replicate and every surrogate.
 */
export class SpectrumSlopes {
  readonly first: number;
  readonly x: Float64Array;
  private readonly y: Float64Array;
  private readonly minBins: number;
  constructor(
    readonly frequency: Float64Array,
    private readonly scale: FrequencyScale,
    private readonly settings: SpectrumSettings,
  ) {
    this.first = HANN_MAIN_LOBE_BINS - 1;
    this.x = Float64Array.from(frequency.subarray(this.first), (f) => Math.log(discreteFrequency(f)));
    this.y = new Float64Array(this.x.length);
    this.minBins = minimumBins(settings.minFrequencies);
  }

  /** Fit ln P against ln f̃ on the bins from `first` on; undefined when no split qualifies or P ≤ 0. */
  fit(power: ArrayLike<number>): SlopeFit | undefined {
    for (let j = 0; j < this.x.length; j++) {
      const p = power[this.first + j]!;
      if (!(p > 0 && Number.isFinite(p))) return undefined;
      this.y[j] = Math.log(p);
    }
    if (this.x.length < 2) return undefined;
    let fit: SegmentedLineFit | undefined;
    if (this.settings.split !== undefined) {
      const f = this.settings.split * this.scale.interval;
      fit = f > 0 && f <= 0.5 ? fitAtSplit(this.x, this.y, Math.log(discreteFrequency(f))) : undefined;
    } else {
      fit = fitSegmentedLine(this.x, this.y, { minPoints: this.minBins, minSpan: Math.log(this.settings.minRatio) });
    }
    if (!fit) return undefined;
    return { a_low: fit.pointsLow >= this.minBins ? -fit.slopeLow : null, a_high: fit.pointsHigh >= this.minBins ? -fit.slopeHigh : null, fit };
  }
}

/** P_w = P_d / (4 sin²(πf)): the spectrum of w from the spectrum of its steps. */
export function recolor(frequency: Float64Array, stepPower: ArrayLike<number>, out = new Float64Array(frequency.length)): Float64Array {
  for (let k = 0; k < frequency.length; k++) out[k] = stepPower[k]! / (4 * Math.sin(Math.PI * frequency[k]!) ** 2);
  return out;
}

/** Periodograms of every series' steps: count × bins, series after series. */
export interface StepPeriodograms {
  frequency: Float64Array;
  /** Steps per series (the DFT length). */
  length: number;
  bins: number;
  count: number;
  power: Float64Array;
}

export function stepPeriodograms(steps: TrackedSteps): StepPeriodograms {
  const periodogram = new Periodogram(steps.length);
  const power = new Float64Array(steps.count * periodogram.bins);
  periodogram.forEach(
    steps.values,
    Int32Array.from({ length: steps.count }, (_, i) => i),
    (i, p) => power.set(p, i * periodogram.bins),
  );
  return { frequency: periodogram.frequency, length: steps.length, bins: periodogram.bins, count: steps.count, power };
}

/** Average of the series' periodograms with weights (bootstrap counts; default 1 each), recoloured to w. */
export function averagedSpectrumOfW(p: StepPeriodograms, weights?: ArrayLike<number>, out = new Float64Array(p.bins)): Float64Array {
  out.fill(0);
  let total = 0;
  for (let i = 0; i < p.count; i++) {
    const w = weights ? weights[i]! : 1;
    if (w === 0) continue;
    total += w;
    const offset = i * p.bins;
    for (let k = 0; k < p.bins; k++) out[k]! += w * p.power[offset + k]!;
  }
  if (total > 0) for (let k = 0; k < p.bins; k++) out[k]! /= total;
  return recolor(p.frequency, out, out);
}

/** The spectrum of w (T = steps + 1 samples per series) from the averaged periodogram of its steps. */
export function spectrumOfW(p: StepPeriodograms): PowerSpectrum {
  return { frequency: p.frequency, power: averagedSpectrumOfW(p), series: p.count, length: p.length + 1, fftLength: p.length };
}

/** Point estimate: the exponents, split and ranges of a spectrum of w (no bootstrap, no null). */
export function analyzeSpectrum(spectrum: PowerSpectrum, scale: FrequencyScale, settings: SpectrumSettings = DEFAULT_SPECTRUM_SETTINGS): SpectrumResult {
  const toUnit = (f: number): number => f / scale.interval;
  const slopes = new SpectrumSlopes(spectrum.frequency, scale, settings);
  const base = {
    frequency_unit: scale.unit,
    series: spectrum.series,
    length: spectrum.length,
    fft_length: spectrum.fftLength,
    fit_from: toUnit(spectrum.frequency[slopes.first] ?? NaN),
    a_low_sd: null,
    a_low_ci: null,
    a_high_sd: null,
    a_high_ci: null,
    bootstrap_valid: null,
    a_low_null: null,
    a_high_null: null,
    null_power_lo: null,
    null_power_hi: null,
    split_source: settings.split !== undefined ? ("given" as const) : ("two-segment-fit" as const),
    frequency: Array.from(spectrum.frequency, toUnit),
    power: Array.from(spectrum.power),
  };
  const result = slopes.fit(spectrum.power);
  if (!result) {
    return { ...base, a_low: null, a_high: null, split: null, low_range: null, high_range: null, low_bins: null, high_bins: null, low_frequencies: null, high_frequencies: null, power_at_split: null, r2: null, flags: [] };
  }
  const { fit } = result;
  // Back from ln f̃ to f: f = asin(π f̃)/π.
  const split = Math.asin(Math.min(1, Math.PI * Math.exp(fit.split))) / Math.PI;
  const first = spectrum.frequency[slopes.first]!;
  const last = spectrum.frequency[spectrum.frequency.length - 1]!;
  const independent = (bins: number): number => bins / HANN_NOISE_BANDWIDTH;
  return {
    ...base,
    a_low: result.a_low,
    a_high: result.a_high,
    split: toUnit(split),
    low_range: [toUnit(first), toUnit(split)],
    high_range: [toUnit(split), toUnit(last)],
    low_bins: fit.pointsLow,
    high_bins: fit.pointsHigh,
    low_frequencies: independent(fit.pointsLow),
    high_frequencies: independent(fit.pointsHigh),
    power_at_split: Math.exp(fit.intercept),
    r2: fit.r2,
    flags: result.a_low === null || result.a_high === null ? ["few-frequencies"] : [],
  };
}
