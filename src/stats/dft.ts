/**
 * The discrete Fourier transform of a real series of any length N, X_k = Σ_n x_n e^(−2πikn/N), on the
 * natural frequencies k/N (no zero-padding). fft.js transforms powers of two only; other lengths go
 * through Bluestein's chirp-z identity kn = (k² + n² − (k − n)²)/2, which turns the DFT into a
 * circular convolution of length M = the power of two ≥ 2N − 1:
 *   X_k = c_k Σ_n (x_n c_n) conj(c_(k−n)),   c_n = e^(−iπn²/N),
 * computed with two FFTs of length M (the transform of the chirp is precomputed). Reference:
 * L. I. Bluestein, "A linear filtering approach to the computation of the discrete Fourier
 * transform", IEEE Trans. Audio Electroacoust. 18 (1970) 451–455. Two real series are transformed
 * at once as the real and imaginary parts of one complex series, X_k = (Z_k + conj Z_(N−k))/2 and
 * Y_k = (Z_k − conj Z_(N−k))/2i, so a spectrum of K series costs K/2 complex transforms.
 * Accuracy: about 1e-13 relative to the largest |X_k| (test/stats.dynamics.test.ts, against the
 * direct sum).
 */
import FFT from "fft.js";

function isPowerOfTwo(n: number): boolean {
  return n >= 2 && (n & (n - 1)) === 0;
}

function nextPowerOfTwo(n: number): number {
  let size = 2;
  while (size < n) size *= 2;
  return size;
}

/** The discrete Fourier transform of a real series of any length (fft.js for powers of two, Bluestein otherwise). */
export class RealDft {
  readonly length: number;
  /** Bins k = 0 … ⌊N/2⌋. */
  readonly bins: number;
  private readonly fft: FFT;
  private readonly input: Float64Array;
  private readonly output: Float64Array;
  /** Bluestein only: the chirp c_n (interleaved re, im), the FFT of the filter, a work array. */
  private readonly chirp: Float64Array | undefined;
  private readonly filter: Float64Array | undefined;
  private readonly work: Float64Array | undefined;

  /** A transform for series of `length` samples (at least 2). */
  constructor(length: number) {
    if (!Number.isSafeInteger(length) || length < 2) throw new RangeError(`a DFT needs at least 2 samples (got ${length})`);
    this.length = length;
    this.bins = Math.floor(length / 2) + 1;
    const size = isPowerOfTwo(length) ? length : nextPowerOfTwo(2 * length - 1);
    this.fft = new FFT(size);
    this.input = new Float64Array(2 * size);
    this.output = new Float64Array(2 * size);
    if (size === length) return;
    const chirp = new Float64Array(2 * length);
    for (let n = 0; n < length; n++) {
      // n² mod 2N keeps the angle exact for long series.
      const angle = (-Math.PI * ((n * n) % (2 * length))) / length;
      chirp[2 * n] = Math.cos(angle);
      chirp[2 * n + 1] = Math.sin(angle);
    }
    const b = new Float64Array(2 * size);
    for (let n = 0; n < length; n++) {
      for (const m of n === 0 ? [0] : [n, size - n]) {
        b[2 * m] = chirp[2 * n]!;
        b[2 * m + 1] = -chirp[2 * n + 1]!;
      }
    }
    this.filter = new Float64Array(2 * size);
    this.fft.transform(this.filter, b);
    this.chirp = chirp;
    this.work = new Float64Array(2 * size);
  }

  /** Z = DFT of x + iy into this.output (interleaved re, im), k = 0 … N − 1. */
  private transform(x: ArrayLike<number>, y: ArrayLike<number> | undefined): void {
    const n = this.length;
    const input = this.input;
    if (!this.chirp) {
      for (let t = 0; t < n; t++) {
        input[2 * t] = x[t]!;
        input[2 * t + 1] = y ? y[t]! : 0;
      }
      this.fft.transform(this.output, input);
      return;
    }
    const chirp = this.chirp;
    const filter = this.filter!;
    const work = this.work!;
    input.fill(0);
    for (let t = 0; t < n; t++) {
      const re = x[t]!;
      const im = y ? y[t]! : 0;
      const cr = chirp[2 * t]!;
      const ci = chirp[2 * t + 1]!;
      input[2 * t] = re * cr - im * ci;
      input[2 * t + 1] = re * ci + im * cr;
    }
    this.fft.transform(work, input);
    for (let m = 0; m < work.length; m += 2) {
      const re = work[m]!;
      const im = work[m + 1]!;
      const fr = filter[m]!;
      const fi = filter[m + 1]!;
      input[m] = re * fr - im * fi;
      input[m + 1] = re * fi + im * fr;
    }
    this.fft.inverseTransform(work, input);
    const out = this.output;
    for (let k = 0; k < n; k++) {
      const re = work[2 * k]!;
      const im = work[2 * k + 1]!;
      const cr = chirp[2 * k]!;
      const ci = chirp[2 * k + 1]!;
      out[2 * k] = re * cr - im * ci;
      out[2 * k + 1] = re * ci + im * cr;
    }
  }

  /**
   * |X_k|² of x (and |Y_k|² of y, when given) for k = 0 … ⌊N/2⌋, into `powerX` (`powerY`), each of
   * length ≥ bins.
   */
  power(x: ArrayLike<number>, powerX: Float64Array, y?: ArrayLike<number>, powerY?: Float64Array): void {
    this.transform(x, y);
    const z = this.output;
    const n = this.length;
    for (let k = 0; k < this.bins; k++) {
      const j = k === 0 ? 0 : n - k;
      const re = z[2 * k]!;
      const im = z[2 * k + 1]!;
      const reConj = z[2 * j]!;
      const imConj = -z[2 * j + 1]!;
      // X = (Z_k + conj Z_(N−k))/2, Y = (Z_k − conj Z_(N−k))/2i.
      const xr = (re + reConj) / 2;
      const xi = (im + imConj) / 2;
      powerX[k] = xr * xr + xi * xi;
      if (powerY) {
        const yr = (im - imConj) / 2;
        const yi = (reConj - re) / 2;
        powerY[k] = yr * yr + yi * yi;
      }
    }
  }
}
