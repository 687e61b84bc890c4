/**
 * A weight bootstrap of the paper's fit that recomputes the maximum (METHOD §7.2), built from what
 * the accumulation kept — the exact histograms, the top order statistics and the fine table — with
 * no further pass over the weights.
 *
 * Poisson bootstrap (J. A. Hanley, B. MacGibbon, "Creating non-parametric bootstrap samples using
 * Poisson frequencies", Comput. Methods Programs Biomed. 83 (2006) 57–62; N. Chamandy et al.,
 * "Estimating uncertainty for massive data streams", Google 2012): every weight is drawn m ~
 * Poisson(1) times, independently. Then
 * - each of the K largest |w| gets its own multiplicity m_j; the replicate's maximum is the largest
 *   of them with m_j > 0, top_k (k = 0 with probability 1 − e⁻¹, k ≥ 3 with e⁻³ ≈ 5 %);
 * - the other values, binned at the scale top_k, give bin counts that are sums of independent
 *   Poisson(1) multiplicities: Poisson(n_i) for a bin holding n_i of them;
 * - the replicate histogram (those counts plus the top values with their multiplicities) is fitted
 *   by METHOD §2–3, and the replicates' μ and σ give `mu_sd`, `sigma_sd` and 95 % percentile
 *   intervals (B. Efron, R. Tibshirani, "An Introduction to the Bootstrap", Chapman & Hall 1993, §13).
 *
 * The histogram of the other values at scale top_k is exact for k ≤ 2 (grids accumulated at the
 * second and third largest |w|) and, for ≤ 16-bit dtypes, for every k (the exact code table). For
 * F32/F64 with k ≥ 3 it is rebinned from the fine table (F32 buckets of relative width ≤ 2⁻⁷, counts
 * split in proportion to length): an approximation in ≈ 5 % of the replicates, measured in
 * METHOD §7.2. Under `--normalize quantile:Q` the normaliser is held fixed (its sampling noise is
 * O(N^−½) and is not propagated).
 */
import { binCentres, binEdges, binIndex, sizeWeightedHistogram } from "./binning.js";
import { type FineTable, type LayerStatistics, findGrid, gridFromIntervals, gridsFromExact } from "./layerHistograms.js";
import { type LognormalStart, fitLognormal } from "./lognormal.js";
import { SeededRandom } from "./random.js";

export interface BootstrapSettings {
  /** Number of replicates; 0 turns the bootstrap off. */
  replicates: number;
  seed: number;
}

/** JSON field names are the output contract. */
export interface BootstrapResult {
  /** Replicates whose fit succeeded (finite μ and σ); the statistics are over these. */
  replicates: number;
  seed: number;
  mu_sd: number;
  sigma_sd: number;
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

function sampleSd(values: readonly number[]): number {
  if (values.length < 2) return NaN;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let sum = 0;
  for (const v of values) sum += (v - mean) ** 2;
  return Math.sqrt(sum / (values.length - 1));
}

/** Histogram at scale `scale` (B bins) of the values that are not among `top`. */
function restHistogram(stats: LayerStatistics, top: readonly number[], scale: number, bins: number, fine: FineTable | null): Float64Array {
  const grid = { scale, bins };
  let counts = findGrid(stats.grids, scale, bins);
  if (counts) {
    counts = Float64Array.from(counts);
  } else if (fine?.kind === "exact") {
    counts = gridsFromExact(fine.values, fine.counts, [grid])[0]!.counts;
  } else if (fine?.kind === "intervals") {
    const remaining = Float64Array.from(fine.counts);
    // Take the top values out of the intervals that hold them.
    for (const value of top) {
      let lo = 0;
      let hi = fine.lo.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (fine.lo[mid]! <= value) lo = mid;
        else hi = mid - 1;
      }
      if (remaining[lo]! > 0) remaining[lo]! -= 1;
    }
    return gridFromIntervals(fine.lo, fine.hi, remaining, grid);
  } else {
    return new Float64Array(bins);
  }
  const edges = binEdges(bins);
  for (const value of top) if (value <= scale && scale > 0) counts[binIndex(value, scale, edges)]! -= 1;
  for (let i = 0; i < bins; i++) if (counts[i]! < 0) counts[i] = 0;
  return counts;
}

/**
 * Bootstrap μ and σ of the paper's fit. `unitIsScale`: the fitted x axis is in units of |w|
 * (`--normalize none`), so the bin centres scale with the replicate's maximum. `fixedScale`: the
 * normaliser is a quantile, held fixed. Null when there is nothing to resample.
 */
export function bootstrapLognormal(stats: LayerStatistics, bins: number, settings: BootstrapSettings, options: { unitIsScale: boolean; fixedScale?: number; start?: LognormalStart }): BootstrapResult | null {
  if (!(settings.replicates > 0) || stats.maxAbs === 0 || stats.finite === 0) return null;
  const random = new SeededRandom(settings.seed);
  const mus: number[] = [];
  const sigmas: number[] = [];
  const top = stats.top;
  const rests = new Map<number, Float64Array>();
  const restAt = (k: number): Float64Array => {
    let rest = rests.get(k);
    if (!rest) {
      rest = restHistogram(stats, top, top[k]!, bins, stats.fine);
      rests.set(k, rest);
    }
    return rest;
  };
  const counts = new Float64Array(bins);
  const multiplicity = new Array<number>(top.length).fill(0);
  for (let r = 0; r < settings.replicates; r++) {
    let scale: number;
    counts.fill(0);
    if (options.fixedScale !== undefined) {
      scale = options.fixedScale;
      for (let i = 0; i < bins; i++) counts[i] = random.poisson(stats.counts[i]!);
    } else {
      let k = -1;
      for (let j = 0; j < top.length; j++) {
        multiplicity[j] = random.poisson(1);
        if (k < 0 && multiplicity[j]! > 0) k = j;
      }
      const rest = top.length > 0 ? restAt(Math.max(0, k)) : stats.counts;
      for (let i = 0; i < bins; i++) counts[i] = random.poisson(rest[i]!);
      if (k < 0) continue; // no top value drawn (probability e^−K): no maximum to normalise by
      scale = top[k]!;
      if (!(scale > 0)) continue;
      const edges = binEdges(bins);
      for (let j = k; j < top.length; j++) if (multiplicity[j]! > 0) counts[binIndex(top[j]!, scale, edges)]! += multiplicity[j]!;
    }
    const centres = binCentres(bins, options.unitIsScale ? scale : 1);
    // Each replicate starts from the layer's own fit when given (the same minimum, fewer iterations).
    const start = options.start && options.unitIsScale ? { ...options.start, mu: options.start.mu + Math.log(scale / stats.maxAbs) } : options.start;
    const fit = fitLognormal(centres, sizeWeightedHistogram(counts, centres), {}, start);
    if (Number.isFinite(fit.mu) && Number.isFinite(fit.sigma)) {
      mus.push(fit.mu);
      sigmas.push(fit.sigma);
    }
  }
  if (mus.length < 2) return null;
  const sortedMu = [...mus].sort((a, b) => a - b);
  const sortedSigma = [...sigmas].sort((a, b) => a - b);
  return {
    replicates: mus.length,
    seed: settings.seed,
    mu_sd: sampleSd(mus),
    sigma_sd: sampleSd(sigmas),
    mu_ci: [quantileSorted(sortedMu, 0.025), quantileSorted(sortedMu, 0.975)],
    sigma_ci: [quantileSorted(sortedSigma, 0.025), quantileSorted(sortedSigma, 0.975)],
  };
}
