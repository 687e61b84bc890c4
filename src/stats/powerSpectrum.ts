/**
 * Periodograms of many equally long series at their natural frequencies (METHOD §6): each series of
 * N samples has its mean removed, is multiplied by the periodic Hann window w_n = sin²(πn/N) and
 * transformed by a DFT of length N (dft.ts: no zero-padding, any N); the one-sided periodogram is
 *   P_k = c_k |X_k|² / Σ w_n²,  c_k = 2 for 0 < k < N/2 and 1 at k = N/2,
 * at f_k = k/N cycles per sample, k = 1 … ⌊N/2⌋ (the zero frequency is dropped: the mean was removed).
 *
 * The Hann window's main lobe spans |k| < 2 bins (HANN_MAIN_LOBE_BINS): bin 1 still sees the removed
 * mean through it (white noise reads 5/6 of its level there), so fits leave it out. Neighbouring bins
 * are correlated (the power correlation of white noise is 4/9 one bin apart, 1/36 two apart), so a
 * stretch of b bins holds about b / 1.5 independent frequencies — 1.5 bins being the window's
 * equivalent noise bandwidth N Σw² / (Σw)² (F. J. Harris, Proc. IEEE 66 (1978) 51–83, Table 1).
 */
import { RealDft } from "./dft.js";

/** Bins with k below this lie in the Hann window's main lobe around the removed mean. */
export const HANN_MAIN_LOBE_BINS = 2;
/** Equivalent noise bandwidth of the Hann window, in bins: bins per independent frequency. */
export const HANN_NOISE_BANDWIDTH = 1.5;

/** A power spectrum averaged over series. */
export interface PowerSpectrum {
  /** Cycles per sample, k/N for k = 1 … ⌊N/2⌋. */
  frequency: Float64Array;
  power: Float64Array;
  /** Series averaged. */
  series: number;
  /** Samples per series, and the length of the DFT (the same: no padding). */
  length: number;
  fftLength: number;
}

/** Mean removal, Hann window, DFT and one-sided normalisation for series of one length. */
export class Periodogram {
  readonly length: number;
  /** Frequencies per series: k = 1 … ⌊N/2⌋. */
  readonly bins: number;
  readonly frequency: Float64Array;
  private readonly dft: RealDft;
  private readonly window: Float64Array;
  private readonly weight: Float64Array;
  private readonly x: Float64Array;
  private readonly y: Float64Array;
  private readonly px: Float64Array;
  private readonly py: Float64Array;

  constructor(length: number) {
    if (length < 4) throw new RangeError(`a spectrum needs at least 4 samples per series (got ${length})`);
    this.length = length;
    this.bins = Math.floor(length / 2);
    this.dft = new RealDft(length);
    this.window = Float64Array.from({ length }, (_, n) => Math.sin((Math.PI * n) / length) ** 2);
    const windowPower = this.window.reduce((sum, w) => sum + w * w, 0);
    this.weight = Float64Array.from({ length: this.bins }, (_, j) => (2 * (j + 1) === length ? 1 : 2) / windowPower);
    this.frequency = Float64Array.from({ length: this.bins }, (_, j) => (j + 1) / length);
    this.x = new Float64Array(length);
    this.y = new Float64Array(length);
    this.px = new Float64Array(this.dft.bins);
    this.py = new Float64Array(this.dft.bins);
  }

  private prepare(values: ArrayLike<number>, offset: number, out: Float64Array): void {
    const n = this.length;
    let mean = 0;
    for (let t = 0; t < n; t++) mean += values[offset + t]!;
    mean /= n;
    for (let t = 0; t < n; t++) out[t] = (values[offset + t]! - mean) * this.window[t]!;
  }

  /**
   * Calls `each(series, power)` with the periodogram of every series i (samples at [i·N, (i+1)·N)
   * of `values`) for i in `series` (default: 0 … count − 1); `power` is reused between calls.
   */
  forEach(values: ArrayLike<number>, series: ArrayLike<number>, each: (series: number, power: Float64Array) => void): void {
    const out = new Float64Array(this.bins);
    const emit = (i: number, p: Float64Array): void => {
      for (let j = 0; j < this.bins; j++) out[j] = p[j + 1]! * this.weight[j]!;
      each(i, out);
    };
    let j = 0;
    for (; j + 1 < series.length; j += 2) {
      const a = series[j]!;
      const b = series[j + 1]!;
      this.prepare(values, a * this.length, this.x);
      this.prepare(values, b * this.length, this.y);
      this.dft.power(this.x, this.px, this.y, this.py);
      emit(a, this.px);
      emit(b, this.py);
    }
    if (j < series.length) {
      const a = series[j]!;
      this.prepare(values, a * this.length, this.x);
      this.dft.power(this.x, this.px);
      emit(a, this.px);
    }
  }
}

function allSeries(count: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => i);
}

/** The periodogram of each of `count` series: count × ⌊N/2⌋ values, series after series. */
export function seriesPeriodograms(values: Float64Array, count: number, length: number): { frequency: Float64Array; power: Float64Array; bins: number } {
  if (values.length < count * length) throw new RangeError("values hold fewer than count × length samples");
  const periodogram = new Periodogram(length);
  const power = new Float64Array(count * periodogram.bins);
  periodogram.forEach(values, allSeries(count), (i, p) => power.set(p, i * periodogram.bins));
  return { frequency: periodogram.frequency, power, bins: periodogram.bins };
}

/**
 * `values` holds `count` series of `length` samples each, series i at [i·length, (i+1)·length); the
 * average of their periodograms. Needs length ≥ 4.
 */
export function averagedPowerSpectrum(values: Float64Array, count: number, length: number): PowerSpectrum {
  if (values.length < count * length) throw new RangeError("values hold fewer than count × length samples");
  const periodogram = new Periodogram(length);
  const power = new Float64Array(periodogram.bins);
  periodogram.forEach(values, allSeries(count), (_, p) => {
    for (let j = 0; j < p.length; j++) power[j]! += p[j]!;
  });
  if (count > 0) for (let j = 0; j < power.length; j++) power[j]! /= count;
  return { frequency: periodogram.frequency, power, series: count, length, fftLength: length };
}
