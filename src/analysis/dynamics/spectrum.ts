/**
 * The averaged power spectrum of tracked weights and its two exponents (METHOD §6): P(f) ∝ f^−a fitted
 * separately at low and high f by a continuous two-segment line in log–log, the break chosen by least
 * squares (or given with `--split`).
 *
 * Frequencies are discrete-time: a series sampled once per checkpoint has f ∈ (0, ½] cycles per
 * checkpoint, and uncorrelated jumps between checkpoints (a random walk) have P(f) ∝ 1/sin²(πf),
 * which is f^−2 only for f ≪ ½ and flattens to a ≈ 1 near the Nyquist frequency. The fit therefore
 * uses f̃ = sin(πf)/π (equal to f for f ≪ ½), under which a random walk is a ∝ f̃^−2 at every f, so
 * a ≈ 2 means uncorrelated jumps however close to the sampling rate. Reported frequencies are plain
 * f, in cycles per step when the checkpoints are evenly spaced in step, else per checkpoint.
 */
import type { PowerSpectrum } from "../../stats/powerSpectrum.js";
import { fitAtSplit, fitSegmentedLine } from "../../stats/segmentedLine.js";

/** Settings of the spectrum fit (METHOD §6). */
export interface SpectrumSettings {
  /** Break frequency given by the user, in `unit`. */
  split?: number;
  /** Fewest spectrum points per segment (default 3). */
  minPoints: number;
  /** Each segment spans at least this factor in frequency (default 2). */
  minRatio: number;
}

/** The defaults of the spectrum fit. */
export const DEFAULT_SPECTRUM_SETTINGS: SpectrumSettings = { minPoints: 3, minRatio: 2 };

/** The unit frequencies are reported in. */
export interface FrequencyScale {
  unit: "1/step" | "1/checkpoint";
  /** Steps per checkpoint interval (1 for "1/checkpoint"): f[unit] = f[1/checkpoint] / interval. */
  interval: number;
}

/** The averaged power spectrum and its two fitted slopes. */
export interface SpectrumResult {
  frequency_unit: FrequencyScale["unit"];
  /** Series averaged, samples per series, FFT length (after zero-padding to a power of two). */
  series: number;
  length: number;
  fft_length: number;
  a_low: number | null;
  a_high: number | null;
  split: number | null;
  split_source: "two-segment-fit" | "given";
  low_range: [number, number] | null;
  high_range: [number, number] | null;
  /** The fitted power at the split (the two segments meet there): with it, a_low and a_high the fit is drawn. */
  power_at_split: number | null;
  /** R² of the two-segment fit in log–log. */
  r2: number | null;
  frequency: number[];
  power: number[];
}

/** f̃ = sin(πf)/π for f in cycles per sample. */
export function discreteFrequency(f: number): number {
  return Math.sin(Math.PI * f) / Math.PI;
}

/** Fit P(f) ∝ f^−a below and above the split of an averaged spectrum. */
export function analyzeSpectrum(spectrum: PowerSpectrum, scale: FrequencyScale, settings: SpectrumSettings = DEFAULT_SPECTRUM_SETTINGS): SpectrumResult {
  const toUnit = (f: number): number => f / scale.interval;
  const x: number[] = [];
  const y: number[] = [];
  const kept: number[] = [];
  for (let k = 0; k < spectrum.frequency.length; k++) {
    const p = spectrum.power[k]!;
    if (p > 0 && Number.isFinite(p)) {
      x.push(Math.log(discreteFrequency(spectrum.frequency[k]!)));
      y.push(Math.log(p));
      kept.push(k);
    }
  }
  const base = {
    frequency_unit: scale.unit,
    series: spectrum.series,
    length: spectrum.length,
    fft_length: spectrum.fftLength,
    split_source: settings.split !== undefined ? ("given" as const) : ("two-segment-fit" as const),
    frequency: Array.from(spectrum.frequency, toUnit),
    power: Array.from(spectrum.power),
  };
  const empty = { ...base, a_low: null, a_high: null, split: null, low_range: null, high_range: null, power_at_split: null, r2: null };
  if (x.length < 2) return empty;

  let fit;
  if (settings.split !== undefined) {
    const f = settings.split * scale.interval;
    fit = f > 0 && f <= 0.5 ? fitAtSplit(x, y, Math.log(discreteFrequency(f))) : undefined;
  } else {
    fit = fitSegmentedLine(x, y, { minPoints: settings.minPoints, minSpan: Math.log(settings.minRatio) });
  }
  if (!fit) return empty;
  // Back from ln f̃ to f: f = asin(π f̃)/π.
  const split = Math.asin(Math.min(1, Math.PI * Math.exp(fit.split))) / Math.PI;
  const first = spectrum.frequency[kept[0]!]!;
  const last = spectrum.frequency[kept[kept.length - 1]!]!;
  return {
    ...base,
    a_low: fit.pointsLow >= 2 ? -fit.slopeLow : null,
    a_high: fit.pointsHigh >= 2 ? -fit.slopeHigh : null,
    split: toUnit(split),
    low_range: [toUnit(first), toUnit(split)],
    high_range: [toUnit(split), toUnit(last)],
    power_at_split: Math.exp(fit.intercept),
    r2: fit.r2,
  };
}
