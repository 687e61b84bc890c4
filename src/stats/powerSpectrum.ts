/**
 * Averaged power spectrum of many equally long series (METHOD §6): each series has its mean removed,
 * is multiplied by a periodic Hann window w_n = sin²(πn/T), zero-padded to the next power of two N
 * and transformed by a real FFT (fft.js, radix-4); the one-sided periodogram
 *   P_k = c_k |X_k|² / Σ w_n²,  c_k = 2 for 0 < k < N/2 and 1 at N/2,
 * is averaged over the series. Frequencies f_k = k/N are in cycles per sample (sample = one
 * checkpoint interval), k = 1 … N/2 (the zero frequency is dropped: the mean was removed).
 * Without padding (T a power of two) the bins are the T/2 Fourier frequencies; with padding they
 * interpolate the same spectrum on a finer grid, which leaves slopes unchanged.
 */
import FFT from "fft.js";

/** A power spectrum averaged over series. */
export interface PowerSpectrum {
  /** Cycles per sample, k/N for k = 1 … N/2. */
  frequency: Float64Array;
  power: Float64Array;
  /** Series averaged. */
  series: number;
  /** Samples per series and the FFT length after padding. */
  length: number;
  fftLength: number;
}

export function nextPowerOfTwo(n: number): number {
  let size = 2;
  while (size < n) size *= 2;
  return size;
}

/**
 * `values` holds `count` series of `length` samples each, series i at [i·length, (i+1)·length).
 * Needs length ≥ 4.
 */
export function averagedPowerSpectrum(values: Float64Array, count: number, length: number): PowerSpectrum {
  if (length < 4) throw new RangeError(`a spectrum needs at least 4 samples per series (got ${length})`);
  if (values.length < count * length) throw new RangeError("values hold fewer than count × length samples");
  const size = nextPowerOfTwo(length);
  const fft = new FFT(size);
  const input = new Float64Array(size);
  const output = new Float64Array(2 * size);
  const window = Float64Array.from({ length }, (_, n) => Math.sin((Math.PI * n) / length) ** 2);
  const windowPower = window.reduce((sum, w) => sum + w * w, 0);
  const half = size / 2;
  const power = new Float64Array(half);
  for (let i = 0; i < count; i++) {
    const offset = i * length;
    let mean = 0;
    for (let t = 0; t < length; t++) mean += values[offset + t]!;
    mean /= length;
    for (let t = 0; t < length; t++) input[t] = (values[offset + t]! - mean) * window[t]!;
    fft.realTransform(output, input);
    for (let k = 1; k <= half; k++) {
      const re = output[2 * k]!;
      const im = output[2 * k + 1]!;
      power[k - 1]! += (k === half ? 1 : 2) * (re * re + im * im);
    }
  }
  const scale = count > 0 ? 1 / (count * windowPower) : 0;
  for (let k = 0; k < half; k++) power[k]! *= scale;
  return { frequency: Float64Array.from({ length: half }, (_, k) => (k + 1) / size), power, series: count, length, fftLength: size };
}
