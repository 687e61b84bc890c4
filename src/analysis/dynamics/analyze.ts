/**
 * Training dynamics of a checkpoint series (METHOD §6): open and order the checkpoints, choose the
 * tracked weights of every analysed layer, read only those elements from each checkpoint, then per
 * layer (and pooled over layers) the fluctuation statistics and the averaged power spectrum; beside
 * them, the lognormal fit of every checkpoint (the trajectory of μ, σ, R²: how the microstructure
 * emerges during training).
 *
 * Every statistic is a function of the tracked weights' steps (increments.ts): fluctuations.ts and
 * spectrum.ts give the point estimates, evidence.ts their bootstrap intervals, surrogate nulls and
 * goodness of fit; the same is computed (point estimates only) with the other step scaling, raw or
 * standardised, so the two can be compared.
 *
 * Memory is O(K × T) per tracked layer (8 bytes per tracked value), whatever the model size: tensors
 * are never held whole, and each checkpoint's header is parsed again when it is read.
 */
import { InputError } from "../../errors.js";
import { SourcePool } from "../../io/byteSource.js";
import { hashString } from "../../stats/seededRandom.js";
import { sampleIndices } from "../../stats/indexSample.js";
import { analyzeOpenedModel, settingsRecord, tensorSelector, tensorSkipReason, type ModelSettingsRecord } from "../model.js";
import type { QualityFlag } from "../layerResult.js";
import { readElements } from "../readElements.js";
import { type AnalysisSettings, resolveSettings } from "../settings.js";
import type { SkippedEntry } from "../../formats/trainingFiles.js";
import { type CheckpointOrder, openCheckpoint, openCheckpointSeries } from "./checkpoints.js";
import { DEFAULT_EVIDENCE_SETTINGS, withEvidence, type EvidenceSettings } from "./evidence.js";
import { analyzeFluctuations, DEFAULT_FLUCTUATION_SETTINGS, type FluctuationResult, type FluctuationSettings } from "./fluctuations.js";
import { absoluteSteps, concatSteps, rmsStepSummary, stepsWithScaling, trackedSteps, type StepScaling, type TrackedSteps } from "./increments.js";
import { analyzeSpectrum, DEFAULT_SPECTRUM_SETTINGS, spectrumOfW, stepPeriodograms, type FrequencyScale, type SpectrumResult, type SpectrumSettings } from "./spectrum.js";

/** Settings of `jaynes dynamics` (METHOD §6). */
export interface DynamicsSettings {
  /** K: weights tracked per layer (default 1000; a layer with fewer elements is tracked whole). */
  track: number;
  /** Seed of the sample of tracked indices. */
  seed: number;
  fluctuations: FluctuationSettings;
  spectrum: SpectrumSettings;
  /** Divide each weight's steps by its own RMS step before pooling (`--standardize`). */
  standardize: boolean;
  /** Bootstrap replicates, surrogate draws and goodness-of-fit samples (0 turns each off). */
  evidence: EvidenceSettings;
  /** Fit every checkpoint's lognormal (reads every checkpoint whole). */
  trajectory: boolean;
  /** Layer selection and the lognormal settings (METHOD §1–3), as for `jaynes fit`. */
  analysis: Partial<AnalysisSettings>;
  /** Worker threads for each checkpoint's lognormal fits (as `jaynes fit --jobs`; large models only). */
  jobs?: number;
}

/** The defaults of `jaynes dynamics` (K = 1000 tracked weights, seed 0, the trajectory on). */
export const DEFAULT_DYNAMICS_SETTINGS: DynamicsSettings = {
  track: 1000,
  seed: 0,
  fluctuations: DEFAULT_FLUCTUATION_SETTINGS,
  spectrum: DEFAULT_SPECTRUM_SETTINGS,
  standardize: false,
  evidence: DEFAULT_EVIDENCE_SETTINGS,
  trajectory: true,
  analysis: {},
};

/** A spectrum needs at least this many checkpoints (4 steps); a split needs about 33. */
export const MIN_SPECTRUM_CHECKPOINTS = 5;

/** A tracked layer's lognormal fit at one checkpoint. */
export interface TrajectoryPoint {
  checkpoint: string;
  step: number | null;
  A: number | null;
  mu: number | null;
  sigma: number | null;
  r2: number | null;
  flags: QualityFlag[];
  /** Why the layer was not fitted at this checkpoint (e.g. all values zero). */
  skipped?: string;
}

/** The per-weight scale of the steps and the scaling the statistics use. */
export interface StepsRecord {
  scaling: StepScaling;
  /** Smallest, median and largest RMS step of a tracked weight (raw units; null when none moved). */
  rms_min: number | null;
  rms_median: number | null;
  rms_max: number | null;
  /** Tracked weights that never moved (left out when standardised). */
  static_series: number;
}

/** The statistics with the other step scaling: point estimates only, for comparison. */
export interface AlternateScaling {
  scaling: StepScaling;
  fluctuations: FluctuationResult;
  spectrum: SpectrumResult | null;
}

/** The dynamics of one tracked layer: fluctuation statistics, spectrum and lognormal trajectory. */
export interface DynamicsLayer {
  tensor: string;
  shape: number[];
  params: number;
  dtype: string;
  /** Weights tracked (K, or all of a smaller layer). */
  tracked: number;
  /** Tracked weights left out because they were NaN/Inf in some checkpoint. */
  nonfinite_series: number;
  steps: StepsRecord;
  fluctuations: FluctuationResult;
  spectrum: SpectrumResult | null;
  alternate: AlternateScaling;
  /** Per checkpoint, in time order; empty without the trajectory. */
  trajectory: TrajectoryPoint[];
}

/** The settings a dynamics result records (snake_case, as in JSON). */
export interface DynamicsSettingsRecord extends ModelSettingsRecord {
  track: number;
  seed: number;
  bins_per_decade: number;
  min_decades: number;
  min_samples: number;
  min_fraction: number;
  range: [number, number] | null;
  split: number | null;
  min_frequencies: number;
  scan_samples: number;
  standardize: boolean;
  bootstrap: number;
  surrogates: number;
  gof: number;
  trajectory: boolean;
}

/** `jaynes dynamics` as data (its JSON document without the header). */
export interface DynamicsResult {
  checkpoints: { name: string; step: number | null }[];
  /** The step scaling of the reported statistics: "raw", or "standardized" with --standardize. */
  scaling: StepScaling;
  order: CheckpointOrder;
  frequency_unit: FrequencyScale["unit"];
  step_interval: number | null;
  settings: DynamicsSettingsRecord;
  layers: DynamicsLayer[];
  /** All tracked weights of all layers together (null when no layer is tracked). */
  pooled: Omit<DynamicsLayer, "trajectory" | "dtype" | "shape" | "params"> | null;
  skipped: { tensor: string; reason: string }[];
  /** Tensor bytes read for the tracked weights, and for the trajectory (whole checkpoints). */
  bytes_read: { tracked: number; trajectory: number };
}

/** Callbacks of `analyzeDynamics`. */
export interface DynamicsOptions {
  /** Called before each checkpoint is read (index from 0, in time order). */
  onCheckpoint?: (index: number, total: number, name: string) => void;
  /** Told of files and folders left out of the series (training companions, …) and why. */
  onSkipped?: (entry: SkippedEntry) => void;
}

interface Track {
  tensor: string;
  shape: number[];
  params: number;
  dtype: string;
  indices: Float64Array;
  /** tracked × T values, series after series. */
  values: Float64Array;
}

function settingsRecordFor(settings: DynamicsSettings, analysis: AnalysisSettings): DynamicsSettingsRecord {
  const f = settings.fluctuations;
  return {
    ...settingsRecord(analysis),
    track: settings.track,
    seed: settings.seed,
    bins_per_decade: f.binsPerDecade,
    min_decades: f.minDecades,
    min_samples: f.minSamples,
    min_fraction: f.minFraction,
    range: f.range ?? null,
    split: settings.spectrum.split ?? null,
    min_frequencies: settings.spectrum.minFrequencies,
    scan_samples: f.maxScanSamples,
    standardize: settings.standardize,
    bootstrap: settings.evidence.bootstrap,
    surrogates: settings.evidence.surrogates,
    gof: settings.evidence.gof,
    trajectory: settings.trajectory,
  };
}

/** Drop series holding a NaN/Inf value; returns the finite series and how many were dropped. */
function finiteSeries(values: Float64Array, count: number, length: number): { values: Float64Array; count: number; dropped: number } {
  const keep: number[] = [];
  for (let i = 0; i < count; i++) {
    let finite = true;
    for (let t = 0; t < length && finite; t++) finite = Number.isFinite(values[i * length + t]!);
    if (finite) keep.push(i);
  }
  if (keep.length === count) return { values, count, dropped: 0 };
  const out = new Float64Array(keep.length * length);
  keep.forEach((i, j) => out.set(values.subarray(i * length, (i + 1) * length), j * length));
  return { values: out, count: keep.length, dropped: count - keep.length };
}

interface RowContext {
  settings: DynamicsSettings;
  scale: FrequencyScale;
  /** Checkpoints per series. */
  length: number;
}

/** Point estimates of fluctuations and spectrum for steps in one scaling. */
function pointEstimates(steps: TrackedSteps, context: RowContext): { fluctuations: FluctuationResult; spectrum: SpectrumResult | null; periodograms: ReturnType<typeof stepPeriodograms> | null } {
  const fluctuations = analyzeFluctuations(absoluteSteps(steps), context.settings.fluctuations);
  if (context.length < MIN_SPECTRUM_CHECKPOINTS || steps.count === 0) return { fluctuations, spectrum: null, periodograms: null };
  const periodograms = stepPeriodograms(steps);
  return { fluctuations, spectrum: analyzeSpectrum(spectrumOfW(periodograms), context.scale, context.settings.spectrum), periodograms };
}

/** Everything one row reports about its tracked weights' steps (raw units in, chosen scaling out). */
function analyzeRow(name: string, raw: TrackedSteps, context: RowContext): SeriesStatistics {
  const scaling: StepScaling = context.settings.standardize ? "standardized" : "raw";
  const other: StepScaling = context.settings.standardize ? "raw" : "standardized";
  const steps = stepsWithScaling(raw, scaling);
  const point = pointEstimates(steps, context);
  const evidence = withEvidence(
    { steps, ...point, fluctuationSettings: context.settings.fluctuations, spectrumSettings: context.settings.spectrum, scale: context.scale, seed: hashString(name, context.settings.seed) },
    context.settings.evidence,
  );
  const alternate = pointEstimates(stepsWithScaling(raw, other), context);
  const rms = rmsStepSummary(raw);
  return {
    steps: { scaling, rms_min: rms?.min ?? null, rms_median: rms?.median ?? null, rms_max: rms?.max ?? null, static_series: rms?.static ?? raw.count },
    fluctuations: evidence.fluctuations,
    spectrum: evidence.spectrum,
    alternate: { scaling: other, fluctuations: alternate.fluctuations, spectrum: alternate.spectrum },
  };
}

/** What one row of `jaynes dynamics` reports about its tracked weights' steps. */
export type SeriesStatistics = Pick<DynamicsLayer, "steps" | "fluctuations" | "spectrum" | "alternate">;

/**
 * The statistics of `count` tracked series of `length` checkpoints held in memory (series after
 * series), as `analyzeDynamics` computes them for a layer: for tests and library use on series that
 * do not come from checkpoint files. `name` seeds the row's random streams, with `settings.seed`.
 */
export function analyzeTrackedSeries(values: Float64Array, count: number, length: number, options: { name?: string; scale?: FrequencyScale; settings?: Partial<DynamicsSettings> } = {}): SeriesStatistics {
  const settings: DynamicsSettings = { ...DEFAULT_DYNAMICS_SETTINGS, ...options.settings };
  const finite = finiteSeries(values, count, length);
  return analyzeRow(options.name ?? "series", trackedSteps(finite.values, finite.count, length), { settings, scale: options.scale ?? { unit: "1/checkpoint", interval: 1 }, length });
}

/**
 * Analyse a series of checkpoints of one architecture (METHOD §6): order them, track K weights per layer,
 * and compute the fluctuation statistics, the averaged spectrum and the lognormal trajectory. An
 * InputError names a checkpoint that cannot be read or does not match the first.
 */
export async function analyzeDynamics(paths: string[], partial: Partial<DynamicsSettings> = {}, options: DynamicsOptions = {}): Promise<DynamicsResult> {
  const settings: DynamicsSettings = { ...DEFAULT_DYNAMICS_SETTINGS, ...partial };
  for (const [name, count] of Object.entries(settings.evidence)) if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`${name} must be a non-negative integer (got ${count})`);
  if (!Number.isSafeInteger(settings.track) || settings.track < 1) throw new RangeError(`track must be a positive integer (got ${settings.track})`);
  const analysis = resolveSettings(settings.analysis);
  const series = await openCheckpointSeries(paths, options.onSkipped ? { onSkipped: options.onSkipped } : {});
  const T = series.checkpoints.length;
  if (T < 2) throw new InputError("model", paths.join(" "), `the dynamics need at least 2 checkpoints (found ${T})`);

  const tracks: Track[] = [];
  const skipped: { tensor: string; reason: string }[] = [];
  const trajectories = new Map<string, TrajectoryPoint[]>();
  const bytes = { tracked: 0, trajectory: 0 };
  const selected = tensorSelector(analysis);

  for (let t = 0; t < T; t++) {
    const checkpoint = series.checkpoints[t]!;
    options.onCheckpoint?.(t, T, checkpoint.name);
    const model = await openCheckpoint(checkpoint);
    if (t === 0) {
      for (const tensor of model.tensors) {
        const reason = tensorSkipReason(tensor, analysis, selected);
        if (reason !== undefined) {
          skipped.push({ tensor: tensor.name, reason });
          continue;
        }
        const indices = sampleIndices(tensor.params, settings.track, hashString(tensor.name, settings.seed));
        tracks.push({ tensor: tensor.name, shape: tensor.shape, params: tensor.params, dtype: tensor.dtype, indices, values: new Float64Array(indices.length * T) });
        trajectories.set(tensor.name, []);
      }
    }
    const byName = new Map(model.tensors.map((tensor) => [tensor.name, tensor]));
    const pool = new SourcePool();
    try {
      for (const track of tracks) {
        const tensor = byName.get(track.tensor);
        if (!tensor?.data) throw new InputError("model", checkpoint.name, `tensor cannot be read here (${tensor?.skipReason ?? "missing"}) though it is analysed in ${series.checkpoints[0]!.name}`, track.tensor);
        const values = await readElements(tensor.data, pool, track.indices, { onBytes: (n) => (bytes.tracked += n) });
        for (let i = 0; i < values.length; i++) track.values[i * T + t] = values[i]!;
      }
    } finally {
      await pool.close();
    }
    if (settings.trajectory) {
      // Only the tracked layers (names are compared exactly, never as globs).
      const tracked = { ...model, tensors: model.tensors.filter((tensor) => trajectories.has(tensor.name)) };
      const result = await analyzeOpenedModel(tracked, analysis, { onBytes: (n) => (bytes.trajectory += n), ...(settings.jobs !== undefined ? { jobs: settings.jobs } : {}) });
      const step = checkpoint.step ?? null;
      for (const layer of result.layers) trajectories.get(layer.tensor)?.push({ checkpoint: checkpoint.name, step, A: layer.A, mu: layer.mu, sigma: layer.sigma, r2: layer.r2, flags: layer.flags });
      for (const layer of result.skipped) trajectories.get(layer.tensor)?.push({ checkpoint: checkpoint.name, step, A: null, mu: null, sigma: null, r2: null, flags: [], skipped: layer.reason });
    }
  }

  const scale: FrequencyScale = series.stepInterval !== undefined ? { unit: "1/step", interval: series.stepInterval } : { unit: "1/checkpoint", interval: 1 };
  const context: RowContext = { settings, scale, length: T };
  const allSteps: TrackedSteps[] = [];
  let pooledTracked = 0;
  let pooledDropped = 0;
  const layers: DynamicsLayer[] = tracks.map((track) => {
    const finite = finiteSeries(track.values, track.indices.length, T);
    const steps = trackedSteps(finite.values, finite.count, T);
    allSteps.push(steps);
    pooledTracked += track.indices.length;
    pooledDropped += finite.dropped;
    return {
      tensor: track.tensor,
      shape: track.shape,
      params: track.params,
      dtype: track.dtype,
      tracked: track.indices.length,
      nonfinite_series: finite.dropped,
      ...analyzeRow(track.tensor, steps, context),
      trajectory: trajectories.get(track.tensor) ?? [],
    };
  });

  let pooled: DynamicsResult["pooled"] = null;
  const POOLED = "(all tracked)";
  if (layers.length === 1) {
    // One layer: the pooled row is that layer.
    const only = layers[0]!;
    pooled = { tensor: POOLED, tracked: only.tracked, nonfinite_series: only.nonfinite_series, steps: only.steps, fluctuations: only.fluctuations, spectrum: only.spectrum, alternate: only.alternate };
  } else if (layers.length > 1) {
    pooled = { tensor: POOLED, tracked: pooledTracked, nonfinite_series: pooledDropped, ...analyzeRow(POOLED, concatSteps(allSteps), context) };
  }

  return {
    checkpoints: series.checkpoints.map((checkpoint) => ({ name: checkpoint.name, step: checkpoint.step ?? null })),
    scaling: settings.standardize ? "standardized" : "raw",
    order: series.order,
    frequency_unit: scale.unit,
    step_interval: series.stepInterval ?? null,
    settings: settingsRecordFor(settings, analysis),
    layers,
    pooled,
    skipped,
    bytes_read: bytes,
  };
}
