/**
 * Evidence beside the exponents of the dynamics (METHOD §6.4): every number comes with the spread of
 * its own estimator and with the value a null model gives, each obtained by re-running the whole
 * procedure — range rule and split rule included — on resampled or surrogate data:
 *
 *   bootstrap   B resamples of the tracked weights with replacement (each keeps its whole series):
 *               sd and 95 % percentile interval of γ, a_low and a_high. One resample serves all three.
 *   a nulls     S surrogate random walks: each weight's own steps shuffled in time (same steps, same
 *               per-weight scale, no temporal order): a_low_null, a_high_null.
 *   γ null      S surrogates in which each weight's nonzero steps are redrawn from a Gaussian with
 *               that weight's own RMS step: the pooled |d| of Gaussian random walks with the observed
 *               mixture of step scales, γ fitted on the observed range (see gaussianStepsNull).
 *               (Shuffling in time leaves the set of |d| unchanged, so it is no null for γ.) A γ
 *               inside this null is explained by mixing step scales.
 *   GoF         G semi-parametric synthetic samples (powerLawSample.ts): the CSN p-value.
 *
 * All draws come from streams seeded by the user's seed and the row's name: the same input gives the
 * same bytes on every run.
 */
import { hashString, mulberry32 } from "../../stats/seededRandom.js";
import { fillNormal } from "../../stats/normalRandom.js";
import { semiParametricSample, withLogs, type SortedSample, type SyntheticBuffers } from "../../stats/powerLawSample.js";
import { Periodogram } from "../../stats/powerSpectrum.js";
import { rankInterval, summarizeNull, summarizeReplicates } from "../../stats/replicateSummary.js";
import { powerLawExponent } from "../../stats/powerLaw.js";
import { sortPositiveWithIndex } from "../../stats/sortPositive.js";
import { WeightedSample } from "../../stats/sortedSample.js";
import { lowerBound } from "../../stats/ksDistance.js";
import { estimatePowerLaw, GOF_REJECT_BELOW, type FluctuationResult, type FluctuationSettings } from "./fluctuations.js";
import type { TrackedSteps } from "./increments.js";
import { averagedSpectrumOfW, recolor, SpectrumSlopes, type FrequencyScale, type SpectrumResult, type SpectrumSettings, type StepPeriodograms } from "./spectrum.js";

/** How much evidence `jaynes dynamics` computes (`--bootstrap`, `--surrogates`, `--gof`; docs/METHOD.md §6.4). */
export interface EvidenceSettings {
  /** Bootstrap replicates over tracked weights (0: none). */
  bootstrap: number;
  /** Surrogate draws for each null (0: none). */
  surrogates: number;
  /** Synthetic samples of the goodness-of-fit test (0: none). */
  gof: number;
}

/** The defaults: 200 bootstrap replicates, 50 surrogates per null, 50 synthetic samples for the goodness of fit. */
export const DEFAULT_EVIDENCE_SETTINGS: EvidenceSettings = { bootstrap: 200, surrogates: 50, gof: 50 };

/** Positive |d| pooled over series, sorted, with ln of each and the series each came from. */
interface PooledSteps extends SortedSample {
  series: Int32Array;
}

function pooledSteps(steps: TrackedSteps): PooledSteps {
  const positive: number[] = [];
  const owner: number[] = [];
  for (let i = 0; i < steps.count; i++) {
    for (let t = 0; t < steps.length; t++) {
      const d = Math.abs(steps.values[i * steps.length + t]!);
      if (d > 0) {
        positive.push(d);
        owner.push(i);
      }
    }
  }
  const { sorted, index } = sortPositiveWithIndex(Float64Array.from(positive));
  const series = new Int32Array(index.length);
  for (let j = 0; j < index.length; j++) series[j] = owner[index[j]!]!;
  return { ...withLogs(sorted), series };
}

function stream(seed: number, purpose: string): () => number {
  return mulberry32(hashString(purpose, seed));
}

export interface EvidenceInput {
  steps: TrackedSteps;
  fluctuations: FluctuationResult;
  spectrum: SpectrumResult | null;
  periodograms: StepPeriodograms | null;
  fluctuationSettings: FluctuationSettings;
  spectrumSettings: SpectrumSettings;
  scale: FrequencyScale;
  /** Seed of this row's streams (the user's seed mixed with the row's name). */
  seed: number;
}

/** The point estimates with their bootstrap intervals, nulls and goodness of fit filled in. */
export function withEvidence(input: EvidenceInput, settings: EvidenceSettings): { fluctuations: FluctuationResult; spectrum: SpectrumResult | null } {
  const { steps, periodograms, fluctuationSettings } = input;
  let fluctuations = input.fluctuations;
  let spectrum = input.spectrum;
  const observedGamma = fluctuations.power_law?.gamma ?? null;
  const needPool = observedGamma !== null && (settings.bootstrap > 0 || settings.gof > 0);
  const pool = needPool ? pooledSteps(steps) : undefined;
  const slopes = periodograms && spectrum ? new SpectrumSlopes(periodograms.frequency, input.scale, input.spectrumSettings) : undefined;

  if (settings.bootstrap > 0 && steps.count > 1) {
    const random = stream(input.seed, "bootstrap");
    const counts = new Int32Array(steps.count);
    const gammas: (number | null)[] = [];
    const lows: (number | null)[] = [];
    const highs: (number | null)[] = [];
    const average = new Float64Array(periodograms?.bins ?? 0);
    let buffers: WeightedSample["buffers"] | undefined;
    for (let b = 0; b < settings.bootstrap; b++) {
      counts.fill(0);
      for (let r = 0; r < steps.count; r++) counts[Math.floor(random() * steps.count)]!++;
      if (pool) {
        // The resample's pooled |d|: each value counted as often as its series was drawn.
        const sample = new WeightedSample(pool.values, pool.logs, pool.series, counts, buffers);
        buffers = sample.buffers;
        gammas.push(estimatePowerLaw(sample, fluctuationSettings, false)?.gamma ?? null);
      }
      if (slopes && periodograms) {
        const fit = slopes.fit(averagedSpectrumOfW(periodograms, counts, average));
        lows.push(fit?.a_low ?? null);
        highs.push(fit?.a_high ?? null);
      }
    }
    if (pool && fluctuations.power_law) {
      const g = summarizeReplicates(gammas);
      fluctuations = { ...fluctuations, power_law: { ...fluctuations.power_law, gamma_sd: g.sd, gamma_ci: g.ci, bootstrap_valid: g.valid } };
    }
    if (spectrum && slopes) {
      const low = summarizeReplicates(lows);
      const high = summarizeReplicates(highs);
      spectrum = { ...spectrum, a_low_sd: low.sd, a_low_ci: low.ci, a_high_sd: high.sd, a_high_ci: high.ci, bootstrap_valid: Math.min(low.valid, high.valid) };
    }
  }

  if (settings.surrogates > 0 && spectrum && slopes && periodograms) {
    spectrum = { ...spectrum, ...shuffledStepsNull(steps, periodograms, slopes, spectrum, settings.surrogates, stream(input.seed, "shuffled-steps")) };
  }
  if (settings.surrogates > 0 && fluctuations.histogram.counts.length > 0) {
    fluctuations = { ...fluctuations, ...gaussianStepsNull(steps, fluctuations, settings.surrogates, stream(input.seed, "gaussian-steps")) };
  }
  if (settings.gof > 0 && pool && fluctuations.power_law) {
    const { p, valid } = goodnessOfFit(pool, fluctuationSettings, settings.gof, stream(input.seed, "goodness-of-fit"));
    const flags = p !== null && p < GOF_REJECT_BELOW ? [...fluctuations.power_law.flags, "gof-rejected" as const] : fluctuations.power_law.flags;
    fluctuations = { ...fluctuations, power_law: { ...fluctuations.power_law, gof_p: p, gof_samples: valid, flags } };
  }
  return { fluctuations, spectrum };
}

/** Fisher–Yates shuffle of values[from, from + length). */
function shuffle(values: Float64Array, from: number, length: number, random: () => number): void {
  for (let t = length - 1; t > 0; t--) {
    const j = from + Math.floor(random() * (t + 1));
    const v = values[from + t]!;
    values[from + t] = values[j]!;
    values[j] = v;
  }
}

/** Per column of a draws × width matrix (rows = draws), the null's rank interval (replicateSummary.ts). */
function band(draws: Float64Array[], width: number): { lo: number[]; hi: number[] } {
  const lo: number[] = [];
  const hi: number[] = [];
  const column = new Float64Array(draws.length);
  for (let j = 0; j < width && draws.length > 0; j++) {
    for (let s = 0; s < draws.length; s++) column[s] = draws[s]![j]!;
    const [low, high] = rankInterval(column.sort());
    lo.push(low);
    hi.push(high);
  }
  return { lo, hi };
}

function shuffledStepsNull(steps: TrackedSteps, periodograms: StepPeriodograms, slopes: SpectrumSlopes, observed: SpectrumResult, surrogates: number, random: () => number): Pick<SpectrumResult, "a_low_null" | "a_high_null" | "null_power_lo" | "null_power_hi"> {
  const periodogram = new Periodogram(steps.length);
  const all = Int32Array.from({ length: steps.count }, (_, i) => i);
  const buffer = new Float64Array(steps.values.length);
  const average = new Float64Array(periodograms.bins);
  const lows: (number | null)[] = [];
  const highs: (number | null)[] = [];
  const spectra: Float64Array[] = [];
  for (let s = 0; s < surrogates; s++) {
    buffer.set(steps.values);
    for (let i = 0; i < steps.count; i++) shuffle(buffer, i * steps.length, steps.length, random);
    average.fill(0);
    periodogram.forEach(buffer, all, (_, p) => {
      for (let k = 0; k < p.length; k++) average[k]! += p[k]!;
    });
    for (let k = 0; k < average.length; k++) average[k]! /= steps.count;
    const spectrum = recolor(periodograms.frequency, average);
    spectra.push(spectrum);
    const fit = slopes.fit(spectrum);
    lows.push(fit?.a_low ?? null);
    highs.push(fit?.a_high ?? null);
  }
  const { lo, hi } = band(spectra, periodograms.bins);
  return { a_low_null: summarizeNull(observed.a_low, lows), a_high_null: summarizeNull(observed.a_high, highs), null_power_lo: lo, null_power_hi: hi };
}

/**
 * The Gaussian-steps null of |d|: in each surrogate every tracked weight's nonzero steps are redrawn
 * from N(0, r²), r the RMS of that weight's nonzero steps (zeros stay zero). Per surrogate: the
 * density on the observed histogram's bins (for the band) and γ by maximum likelihood on the observed
 * power-law range. The range is held fixed: run on this null, the range rule lands elsewhere (the
 * curved Gaussian mixture has its straightest decade in the tail), so a re-chosen γ would compare
 * exponents of different regimes; the question the null answers is what slope Gaussian random walks
 * with the observed step scales give on the range where the power law was reported.
 */
function gaussianStepsNull(steps: TrackedSteps, observed: FluctuationResult, surrogates: number, random: () => number): Pick<FluctuationResult, "gamma_null" | "histogram"> {
  const moves = new Int32Array(steps.count);
  const scale = new Float64Array(steps.count);
  let total = 0;
  for (let i = 0; i < steps.count; i++) {
    let squares = 0;
    for (let t = 0; t < steps.length; t++) {
      const d = steps.values[i * steps.length + t]!;
      if (d !== 0) {
        moves[i]!++;
        squares += d * d;
      }
    }
    scale[i] = moves[i]! > 0 ? Math.sqrt(squares / moves[i]!) : 0;
    total += moves[i]!;
  }
  const h = observed.histogram;
  const bins = Math.max(0, h.edges.length - 1);
  const range = observed.power_law?.range;
  const gammas: (number | null)[] = [];
  const densities: Float64Array[] = [];
  const counts = new Float64Array(bins);
  const deviates = new Float64Array(steps.length);
  // Bin k holds ln edge_k ≤ ln x < ln edge_(k+1); ln x = ln r + ln|z| is also what γ needs.
  const lnEdges = Float64Array.from(h.edges, Math.log);
  const perLn = h.bins_per_decade / Math.LN10;
  const lnLo = range ? Math.log(range[0]) : Infinity;
  const lnHi = range ? Math.log(range[1]) : -Infinity;
  const lnFirst = lnEdges[0] ?? Infinity;
  const lnLast = lnEdges[bins] ?? -Infinity;
  for (let s = 0; s < surrogates; s++) {
    counts.fill(0);
    let inRange = 0;
    let sumLog = 0;
    for (let i = 0; i < steps.count; i++) {
      if (moves[i] === 0) continue;
      const lnR = Math.log(scale[i]!);
      fillNormal(deviates, random);
      for (let m = 0; m < moves[i]!; m++) {
        const z = Math.abs(deviates[m]!);
        if (z === 0) continue;
        const lnX = lnR + Math.log(z);
        if (lnX >= lnLo && lnX <= lnHi) {
          inRange++;
          sumLog += lnX;
        }
        if (!(lnX >= lnFirst && lnX < lnLast)) continue;
        let k = Math.min(bins - 1, Math.floor((lnX - lnFirst) * perLn));
        while (k > 0 && lnX < lnEdges[k]!) k--;
        while (k < bins - 1 && lnX >= lnEdges[k + 1]!) k++;
        counts[k]!++;
      }
    }
    gammas.push(range && inRange >= 2 ? powerLawExponent(sumLog / inRange - lnLo, range[0], range[1]) : null);
    densities.push(Float64Array.from(counts, (c, k) => c / (total * (h.edges[k + 1]! - h.edges[k]!))));
  }
  const { lo, hi } = band(densities, bins);
  return { gamma_null: range ? summarizeNull(observed.power_law!.gamma, gammas) : null, histogram: { ...h, null_lo: lo, null_hi: hi } };
}

function goodnessOfFit(pool: PooledSteps, settings: FluctuationSettings, samples: number, random: () => number): { p: number | null; valid: number } {
  const observed = estimatePowerLaw(pool.values, settings, settings.range !== undefined, pool.logs);
  if (!observed) return { p: null, valid: 0 };
  const below = lowerBound(pool.values, observed.lo);
  const above = pool.values.length - lowerBound(pool.values, observed.hi, true);
  let valid = 0;
  let atLeast = 0;
  let buffer: SyntheticBuffers | undefined;
  for (let g = 0; g < samples; g++) {
    const sample = semiParametricSample(pool, below, above, observed.lo, observed.hi, observed.gamma, random, buffer);
    buffer = sample;
    const fit = estimatePowerLaw(sample.values, settings, settings.range !== undefined, sample.logs);
    if (!fit) continue;
    valid++;
    if (fit.statistic >= observed.statistic) atLeast++;
  }
  return { p: valid > 0 ? atLeast / valid : null, valid };
}
