/**
 * Training dynamics of a checkpoint series (METHOD §6): open and order the checkpoints, choose the
 * tracked weights of every analysed layer, read only those elements from each checkpoint, then per
 * layer (and pooled over layers) the fluctuation statistics and the averaged power spectrum; beside
 * them, the lognormal fit of every checkpoint (the trajectory of μ, σ, R²: how the microstructure
 * emerges during training).
 *
 * Memory is O(K × T) per tracked layer (8 bytes per tracked value), whatever the model size: tensors
 * are never held whole, and each checkpoint's header is parsed again when it is read.
 */
import { InputError } from "../../errors.js";
import { SourcePool } from "../../io/byteSource.js";
import { hashString } from "../../stats/seededRandom.js";
import { sampleIndices } from "../../stats/indexSample.js";
import { averagedPowerSpectrum, type PowerSpectrum } from "../../stats/powerSpectrum.js";
import { analyzeOpenedModel, settingsRecord, tensorSelector, tensorSkipReason, type ModelSettingsRecord } from "../model.js";
import type { QualityFlag } from "../layerResult.js";
import { readElements } from "../readElements.js";
import { type AnalysisSettings, resolveSettings } from "../settings.js";
import type { SkippedEntry } from "../../formats/trainingFiles.js";
import { type CheckpointOrder, openCheckpoint, openCheckpointSeries } from "./checkpoints.js";
import { absoluteIncrements, analyzeFluctuations, DEFAULT_FLUCTUATION_SETTINGS, type FluctuationResult, type FluctuationSettings } from "./fluctuations.js";
import { analyzeSpectrum, DEFAULT_SPECTRUM_SETTINGS, type FrequencyScale, type SpectrumResult, type SpectrumSettings } from "./spectrum.js";

export interface DynamicsSettings {
  /** K: weights tracked per layer (default 1000; a layer with fewer elements is tracked whole). */
  track: number;
  /** Seed of the sample of tracked indices. */
  seed: number;
  fluctuations: FluctuationSettings;
  spectrum: SpectrumSettings;
  /** Fit every checkpoint's lognormal (reads every checkpoint whole). */
  trajectory: boolean;
  /** Layer selection and the lognormal settings (METHOD §1–3), as for `jaynes fit`. */
  analysis: Partial<AnalysisSettings>;
  /** Worker threads for each checkpoint's lognormal fits (as `jaynes fit --jobs`; large models only). */
  jobs?: number;
}

export const DEFAULT_DYNAMICS_SETTINGS: DynamicsSettings = {
  track: 1000,
  seed: 0,
  fluctuations: DEFAULT_FLUCTUATION_SETTINGS,
  spectrum: DEFAULT_SPECTRUM_SETTINGS,
  trajectory: true,
  analysis: {},
};

/** A spectrum needs at least this many checkpoints. */
export const MIN_SPECTRUM_CHECKPOINTS = 4;

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

export interface DynamicsLayer {
  tensor: string;
  shape: number[];
  params: number;
  dtype: string;
  /** Weights tracked (K, or all of a smaller layer). */
  tracked: number;
  /** Tracked weights left out because they were NaN/Inf in some checkpoint. */
  nonfinite_series: number;
  fluctuations: FluctuationResult;
  spectrum: SpectrumResult | null;
  /** Per checkpoint, in time order; empty without the trajectory. */
  trajectory: TrajectoryPoint[];
}

export interface DynamicsSettingsRecord extends ModelSettingsRecord {
  track: number;
  seed: number;
  bins_per_decade: number;
  min_decades: number;
  min_samples: number;
  min_fraction: number;
  range: [number, number] | null;
  split: number | null;
  trajectory: boolean;
}

export interface DynamicsResult {
  checkpoints: { name: string; step: number | null }[];
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

/** Average of spectra of equal length, weighted by their series counts. */
function poolSpectra(spectra: PowerSpectrum[]): PowerSpectrum | undefined {
  const total = spectra.reduce((sum, s) => sum + s.series, 0);
  if (spectra.length === 0 || total === 0) return undefined;
  const power = new Float64Array(spectra[0]!.power.length);
  for (const s of spectra) for (let k = 0; k < power.length; k++) power[k]! += (s.power[k]! * s.series) / total;
  return { ...spectra[0]!, power, series: total };
}

export async function analyzeDynamics(paths: string[], partial: Partial<DynamicsSettings> = {}, options: DynamicsOptions = {}): Promise<DynamicsResult> {
  const settings: DynamicsSettings = { ...DEFAULT_DYNAMICS_SETTINGS, ...partial };
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
  const spectra: PowerSpectrum[] = [];
  const allIncrements: Float64Array[] = [];
  let pooledTracked = 0;
  let pooledDropped = 0;
  const layers: DynamicsLayer[] = tracks.map((track) => {
    const finite = finiteSeries(track.values, track.indices.length, T);
    const increments = absoluteIncrements(finite.values, finite.count, T);
    allIncrements.push(increments);
    pooledTracked += track.indices.length;
    pooledDropped += finite.dropped;
    let spectrum: SpectrumResult | null = null;
    if (T >= MIN_SPECTRUM_CHECKPOINTS && finite.count > 0) {
      const power = averagedPowerSpectrum(finite.values, finite.count, T);
      spectra.push(power);
      spectrum = analyzeSpectrum(power, scale, settings.spectrum);
    }
    return {
      tensor: track.tensor,
      shape: track.shape,
      params: track.params,
      dtype: track.dtype,
      tracked: track.indices.length,
      nonfinite_series: finite.dropped,
      fluctuations: analyzeFluctuations(increments, settings.fluctuations),
      spectrum,
      trajectory: trajectories.get(track.tensor) ?? [],
    };
  });

  let pooled: DynamicsResult["pooled"] = null;
  if (layers.length > 0) {
    const total = allIncrements.reduce((sum, part) => sum + part.length, 0);
    const increments = new Float64Array(total);
    let at = 0;
    for (const part of allIncrements) {
      increments.set(part, at);
      at += part.length;
    }
    const power = poolSpectra(spectra);
    pooled = {
      tensor: "(all tracked)",
      tracked: pooledTracked,
      nonfinite_series: pooledDropped,
      fluctuations: analyzeFluctuations(increments, settings.fluctuations),
      spectrum: power ? analyzeSpectrum(power, scale, settings.spectrum) : null,
    };
  }

  return {
    checkpoints: series.checkpoints.map((checkpoint) => ({ name: checkpoint.name, step: checkpoint.step ?? null })),
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
