/**
 * Drawing a layer's values from a fitted lognormal, for `jaynes init` (METHOD §9). Pure: parameters
 * and element indices in, values out.
 *
 *   w_i = ± scale · x_i,   x_i ~ LN(μ, σ²) conditioned on x_i ≤ 1,
 *
 * with μ the plain (not size-weighted) μ, x in units of the layer's max `scale`. The tail above 1
 * (values beyond the max) is removed by rejection: a draw with μ + σz > 0 is drawn again, so the
 * accepted values follow the lognormal truncated at 1 exactly. One element, at a flat index chosen
 * by the generator, is set to ±scale, so the layer's max is exactly `scale` and a refit sees the
 * same normalisation as the fit the parameters came from.
 *
 * Reproducibility: element i's draw is a pure function of (seed, tensor name, i) — Philox4x32-10 at
 * counter (⌊i/2⌋, attempt, name hash) with key (seed, name hash); elements 2j and 2j+1 share one
 * output, two words each — so any range of elements can be drawn alone, in parallel, in any order,
 * with the same values; z = Φ⁻¹(u) by AS 241 and x = e^(μ+σz) use only exactly rounded arithmetic and
 * portable exp/log, so the values are the same on every platform.
 */
import { createHash } from "node:crypto";
import { logNormalUpperTail } from "./normalTail.js";
import { normalQuantile } from "./normalQuantile.js";
import { philox4x32, uniform52 } from "./philox.js";
import { portableExp } from "./portableMath.js";

/** One layer's draw: lognormal parameters, scale, seed and stream. */
export interface DrawSpec {
  /** μ and σ of the plain lognormal of x = |w| / scale. */
  muPlain: number;
  sigma: number;
  /** |w| = scale · x; also the value of the pinned element, hence the layer's max |w|. */
  scale: number;
  /** The generator's key: the user's seed (a 32-bit unsigned integer) and the stream of the tensor. */
  seed: number;
  stream: readonly [number, number];
  /** Flat index of the element set to ±scale (see pinnedIndex). */
  pinned: number;
}

/** Draws are refused below this acceptance P(x ≤ 1): the layer would be almost all tail. */
export const MIN_ACCEPTANCE = 0.01;
/** A draw rejected this many times in a row is a bug (with acceptance ≥ 1 %: probability < 10⁻²⁸⁵). */
const MAX_ATTEMPTS = 65_536;
/** Counter word 2 of the pinned-index draw; element draws use word 2 for the attempt number. */
const PIN_PURPOSE = 0x80000000;
const TWO32 = 4294967296;

/** The generator stream of a tensor: the first 64 bits of SHA-256 of its name (UTF-8). */
export function streamOf(tensor: string): [number, number] {
  const digest = createHash("sha256").update(tensor, "utf8").digest();
  return [digest.readUInt32BE(0), digest.readUInt32BE(4)];
}

/** The flat index of the element pinned to the max: uniform over [0, elements). */
export function pinnedIndex(seed: number, stream: readonly [number, number], elements: number): number {
  const words = new Uint32Array(4);
  philox4x32(0, 0, PIN_PURPOSE, stream[1], seed, stream[0], words);
  return Math.min(elements - 1, Math.floor(uniform52(words[0]!, words[1]!) * elements));
}

/** x = e^(μ + σz) with z = Φ⁻¹(u), or −1 when it lies above 1 (rejected). */
function magnitude(u: number, muPlain: number, sigma: number): number {
  const t = muPlain + sigma * normalQuantile(u);
  return t > 0 ? -1 : portableExp(t);
}

/**
 * The values of elements [first, first + out.length) into `out`. Signs come from the generator (the
 * lowest bit of the element's first word), or, with `negative`, from the reference: negative[k] ≠ 0
 * makes element first + k negative.
 */
const words = new Uint32Array(4);
const retry = new Uint32Array(4);

/** Fill `out` with the values `first`, `first+1`, … of the stream `spec` defines (pure: the same spec gives the same bits). */
export function drawValues(spec: DrawSpec, first: number, out: Float64Array, negative?: Uint8Array): void {
  const { muPlain, sigma, scale, seed, stream, pinned } = spec;
  const count = out.length;
  let k = 0;
  while (k < count) {
    const element = first + k;
    const pair = Math.floor(element / 2);
    const pairLow = pair >>> 0; // the low 32 bits (exact: pair < 2^53)
    const pairHigh = (pair - pairLow) / TWO32;
    philox4x32(pairLow, pairHigh, 0, stream[1], seed, stream[0], words);
    for (let half = element & 1; half < 2 && k < count; half++, k++) {
      const a = words[2 * half]!;
      let x = magnitude(uniform52(a, words[2 * half + 1]!), muPlain, sigma);
      for (let attempt = 1; x < 0; attempt++) {
        if (attempt >= MAX_ATTEMPTS) throw new Error(`lognormal draw rejected ${MAX_ATTEMPTS} times (μ ${muPlain}, σ ${sigma})`);
        philox4x32(pairLow, pairHigh, attempt, stream[1], seed, stream[0], retry);
        x = magnitude(uniform52(retry[2 * half]!, retry[2 * half + 1]!), muPlain, sigma);
      }
      if (first + k === pinned) x = 1;
      const isNegative = negative ? negative[k] !== 0 : (a & 1) === 1;
      const value = scale * x;
      out[k] = isNegative ? -value : value;
    }
  }
}

/** P(x ≤ 1) under LN(μ, σ²): the fraction of draws accepted. */
export function acceptance(muPlain: number, sigma: number): number {
  return Math.exp(logNormalUpperTail(muPlain / sigma)); // Φ(−μ/σ) = Q(μ/σ)
}

/** E[x² | x ≤ 1] under LN(μ, σ²) = e^(2μ + 2σ²) Φ((−μ − 2σ²)/σ) / Φ(−μ/σ). */
export function truncatedMeanSquare(muPlain: number, sigma: number): number {
  const logPhi = (z: number): number => logNormalUpperTail(-z);
  return Math.exp(2 * muPlain + 2 * sigma * sigma + logPhi((-muPlain - 2 * sigma * sigma) / sigma) - logPhi(-muPlain / sigma));
}
