/**
 * A weight bootstrap of the paper's fit that recomputes the maximum (METHOD §7.2), built from what
 * the accumulation kept — the exact 2B-bin histogram and the K = 32 largest |w| — with no further
 * pass over the weights.
 *
 * Every weight is drawn m ~ Poisson(1) times (the Poisson bootstrap: J. A. Hanley, B. MacGibbon,
 * Comput. Methods Programs Biomed. 83 (2006) 57–62), so a bin holding n values receives
 * Poisson(n). The plain bootstrap cannot resample the maximum: a replicate's maximum is one of the
 * observed top values (the largest with probability 1 − e⁻¹), so its distribution is too narrow and
 * one-sided and μ — which moves with ln max|w| — gets intervals that miss the truth in a third of
 * the cases (measured: 31/50). The top of the sample is therefore resampled from a tail model
 * (the semi-parametric bootstrap of extremes; A. C. Davison, D. V. Hinkley, "Bootstrap Methods and
 * their Application", CUP 1997, §2.4; J. R. M. Hosking, J. R. Wallis, Technometrics 29 (1987)
 * 339–349): the K − 1 values above u = the K-th largest are exceedances of u, fitted by a
 * generalised Pareto distribution (probability-weighted moments, shape clamped to [−½, ½]), refitted
 * in each replicate to a resample of the observed exceedances (so the tail's own uncertainty is
 * carried along); a replicate draws Poisson(K − 1) exceedances from it and u itself Poisson(1)
 * times, and its maximum is the largest of these. The other values (below u, exact counts on the 2B-bin grid at the
 * observed maximum) are drawn Poisson(n_i) per bin and rebinned to B bins at the replicate's maximum
 * in proportion to overlap (exact when the maximum is unchanged: two bins of 2B make one of B). Each
 * replicate is fitted by METHOD §2–3 (started at the layer's own fit), and μ and σ of the replicates
 * give `mu_sd`, `sigma_sd` and 95 % percentile intervals (B. Efron, R. Tibshirani, "An Introduction
 * to the Bootstrap", Chapman & Hall 1993, §13). Under `--normalize quantile:Q` the normaliser is
 * held fixed (its sampling noise, O(N^−½), is not propagated) and the B bins are resampled directly.
 */
import { binCentres, binEdges, binIndex, sizeWeightedHistogram } from "./binning.js";
import { type LayerStatistics, findGrid } from "./layerHistograms.js";
import { levenbergMarquardt } from "./levenbergMarquardt.js";
import { type LognormalStart, lognormalProblem, lognormalStart } from "./lognormal.js";
import { SeededRandom } from "./random.js";

/** How many bootstrap replicates to draw, and the seed of their random numbers (METHOD §7.2). */
export interface BootstrapSettings {
  /** Number of replicates; 0 turns the bootstrap off. */
  replicates: number;
  /** Seed of the random numbers (the same for every layer). */
  seed: number;
}

/** JSON field names are the output contract. */
export interface BootstrapResult {
  /** Replicates whose fit succeeded (finite μ and σ); the statistics are over these. */
  replicates: number;
  seed: number;
  mu_sd: number;
  sigma_sd: number;
  /** 95 % percentile intervals. */
  mu_ci: [number, number];
  sigma_ci: [number, number];
}

/** Linear-interpolation quantile (numpy's default) of ascending values. */
function quantileSorted(sorted: readonly number[], p: number): number {
  const position = (sorted.length - 1) * p;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
}

/** The 95 % percentile interval: the 2.5 % and 97.5 % quantiles of the replicates. */
export function percentileInterval(values: readonly number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  return [quantileSorted(sorted, 0.025), quantileSorted(sorted, 0.975)];
}

function sampleSd(values: readonly number[]): number {
  if (values.length < 2) return NaN;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let sum = 0;
  for (const v of values) sum += (v - mean) ** 2;
  return Math.sqrt(sum / (values.length - 1));
}

/** Generalised Pareto fit of exceedances by probability-weighted moments (Hosking & Wallis 1987). */
export function fitExceedances(exceedances: readonly number[]): { shape: number; scale: number } {
  const y = [...exceedances].sort((a, b) => a - b);
  const n = y.length;
  if (n < 2) return { shape: 0, scale: y[0] ?? 0 };
  let a0 = 0;
  let a1 = 0;
  for (let i = 0; i < n; i++) {
    a0 += y[i]!;
    a1 += (1 - (i + 1 - 0.35) / n) * y[i]!;
  }
  a0 /= n;
  a1 /= n;
  const denominator = a0 - 2 * a1;
  if (!(denominator > 0)) return { shape: 0, scale: a0 };
  const shape = Math.max(-0.5, Math.min(0.5, 2 - a0 / denominator));
  const scale = (2 * a0 * a1) / denominator;
  return { shape, scale: scale > 0 ? scale : a0 };
}

/** A generalised Pareto draw (inversion). */
function drawExceedance(random: SeededRandom, shape: number, scale: number): number {
  let u = random.uniform();
  while (u === 0) u = random.uniform();
  return Math.abs(shape) < 1e-9 ? -scale * Math.log(u) : (scale / shape) * (u ** -shape - 1);
}

/** Rebin counts of `from` equal bins on [0, fromScale] to `bins` equal bins on [0, scale] (scale ≥ every counted value), in proportion to overlap. */
function rebin(counts: Float64Array, fromScale: number, bins: number, scale: number, out: Float64Array): void {
  out.fill(0);
  const fromWidth = fromScale / counts.length;
  const width = scale / bins;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (count === 0) continue;
    const lo = i * fromWidth;
    const hi = (i + 1) * fromWidth;
    const first = Math.min(bins - 1, Math.floor(lo / width));
    const last = Math.min(bins - 1, Math.floor(hi / width));
    if (first === last) {
      out[first]! += count;
      continue;
    }
    for (let k = first; k <= last; k++) {
      const overlap = Math.min(hi, k === bins - 1 ? Infinity : (k + 1) * width) - Math.max(lo, k * width);
      if (overlap > 0) out[k]! += (count * overlap) / (hi - lo);
    }
  }
}

/**
 * Bootstrap μ and σ of the paper's fit. `unitIsScale`: the fitted x axis is in units of |w|
 * (`--normalize none`), so the bin centres scale with the replicate's maximum. `fixedScale`: the
 * normaliser is a quantile, held fixed. `start`: the layer's own fit. Null when there is nothing to
 * resample.
 */
export function bootstrapLognormal(stats: LayerStatistics, bins: number, settings: BootstrapSettings, options: { unitIsScale: boolean; fixedScale?: number; start?: LognormalStart }): BootstrapResult | null {
  if (!(settings.replicates > 0) || stats.maxAbs === 0 || stats.finite === 0) return null;
  const random = new SeededRandom(settings.seed);
  const mus: number[] = [];
  const sigmas: number[] = [];
  const M = stats.maxAbs;
  const top = stats.top;
  const fine = findGrid(stats.grids, options.fixedScale ?? M, 2 * bins);
  // Below u: the values that are not top order statistics, on the exact 2B grid at the maximum.
  const rest = fine ? Float64Array.from(fine) : new Float64Array(2 * bins);
  if (options.fixedScale === undefined) {
    const edges = binEdges(2 * bins);
    for (const value of top) rest[binIndex(value, M, edges)]! -= 1;
    for (let i = 0; i < rest.length; i++) if (rest[i]! < 0) rest[i] = 0;
  }
  const u = top[top.length - 1] ?? 0;
  const observed = top.slice(0, -1).map((value) => value - u);
  const resampled = new Array<number>(observed.length).fill(0);
  const drawn = new Float64Array(2 * bins);
  const counts = new Float64Array(bins);
  const exceedances: number[] = [];
  for (let r = 0; r < settings.replicates; r++) {
    let scale: number;
    if (options.fixedScale !== undefined) {
      scale = options.fixedScale;
      for (let i = 0; i < bins; i++) counts[i] = random.poisson(stats.counts[i]!);
    } else {
      exceedances.length = 0;
      // The tail is refitted to a resample of the observed exceedances, so that the uncertainty of
      // its shape and scale reaches the replicate maxima.
      for (let j = 0; j < observed.length; j++) resampled[j] = observed[Math.floor(random.uniform() * observed.length)]!;
      const tail = fitExceedances(resampled);
      const above = random.poisson(top.length - 1);
      for (let j = 0; j < above; j++) exceedances.push(u + drawExceedance(random, tail.shape, tail.scale));
      const atU = random.poisson(1);
      for (let i = 0; i < drawn.length; i++) drawn[i] = random.poisson(rest[i]!);
      scale = exceedances.length > 0 ? Math.max(...exceedances) : atU > 0 ? u : 0;
      if (!(scale > 0)) {
        // No value at or above u drawn (probability e^−K): the maximum is in the rest.
        let i = drawn.length - 1;
        while (i >= 0 && drawn[i] === 0) i--;
        if (i < 0) continue;
        scale = ((i + 1) / drawn.length) * M;
      }
      rebin(drawn, M, bins, scale, counts);
      const edges = binEdges(bins);
      for (const value of exceedances) counts[binIndex(value, scale, edges)]! += 1;
      if (atU > 0) counts[binIndex(u, scale, edges)]! += atU;
    }
    const centres = binCentres(bins, options.unitIsScale ? scale : 1);
    // Each replicate starts from the layer's own fit when given (the same minimum, fewer iterations).
    const start = options.start && options.unitIsScale ? { ...options.start, mu: options.start.mu + Math.log(scale / M) } : options.start;
    const y = sizeWeightedHistogram(counts, centres);
    const from = start ?? lognormalStart(centres, y);
    // Only μ and σ are needed: the LM core without R², covariance or curves.
    const fit = levenbergMarquardt(lognormalProblem(centres, y), [from.A, from.mu, from.sigma], { covariance: false });
    const mu = fit.parameters[1]!;
    const sigma = Math.abs(fit.parameters[2]!);
    if (Number.isFinite(mu) && Number.isFinite(sigma)) {
      mus.push(mu);
      sigmas.push(sigma);
    }
  }
  if (mus.length < 2) return null;
  return {
    replicates: mus.length,
    seed: settings.seed,
    mu_sd: sampleSd(mus),
    sigma_sd: sampleSd(sigmas),
    mu_ci: percentileInterval(mus),
    sigma_ci: percentileInterval(sigmas),
  };
}
