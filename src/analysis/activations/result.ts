/**
 * Results of `jaynes activations` (METHOD §8). Each observed value gives up to two layers, one per
 * view, built by the same `layerResult` as weights (same fit, same evidence columns and flags):
 * - `pooled`: every |a| of the value over all inputs (samples × units × positions);
 * - `per_unit`: one number per unit (neuron or channel), its mean |a| over the inputs.
 * Field names extend the per-layer contract of `fit`; nothing there changes meaning.
 */
import type { LayerResult, SkippedTensor } from "../layerResult.js";
import type { ModelResult, ModelSettingsRecord } from "../model.js";
import type { ModelSummary } from "../summary.js";

/** The two views of an observed value: every |a| (`pooled`), or one mean |a| per unit (`per_unit`). */
export type ActivationViewName = "pooled" | "per_unit";
/** The views, in the order outputs list them. */
export const ACTIVATION_VIEWS: readonly ActivationViewName[] = ["pooled", "per_unit"];

/** What every activation layer (fitted or skipped) adds to the weight layer's fields. */
export interface ActivationFields {
  view: ActivationViewName;
  /** op_type of the node producing the value. */
  op: string;
  /** The producing node (with the path of the If branch it was inlined from). */
  node: string;
  /** Inputs (samples) the model was run on. */
  samples: number;
  /** Units (neurons, channels) along `unit_axis`; null when the value has no unit axis. */
  units: number | null;
  unit_axis: number | null;
}

/** A fitted activation layer: the fields of a weight layer plus where the value came from. */
export type ActivationLayer = LayerResult & ActivationFields;
/** An observed value not fitted in a view, with the reason. */
export type SkippedActivation = SkippedTensor & ActivationFields;

/** One view of a model's activations: its layers, skipped values and summary row. */
export interface ActivationView {
  layers: ActivationLayer[];
  skipped: SkippedActivation[];
  summary: ModelSummary;
}

export interface ActivationSettingsRecord extends ModelSettingsRecord {
  min_units: number;
  unit_axis: "auto" | number;
  batch: number;
  limit: number | null;
  random: string | null;
}

/** One graph input of an activation run: its name, element type, where its values came from, and shape. */
export interface ActivationInput {
  name: string;
  type: string;
  source: string;
  shape: number[];
}

/** How the model was run: the runtime and its version, threads, batch size, runs and passes. */
export interface ActivationRunInfo {
  runtime: string;
  runtime_version: string;
  threads: number;
  /** Samples per run (the --batch given, reduced so that one run's outputs fit the memory bound). */
  batch: number;
  /** Runs per batch: the values are split into groups when one sample's outputs do not fit. */
  groups: number;
  /** Runs of the model in all (both passes). */
  runs: number;
  /** Where pass 2 of the pooled histograms read the values: the spill file, or a second run. */
  second_pass: "spill" | "rerun";
  /** Seconds in the runtime's run calls. */
  run_seconds: number;
  /** Seconds rewriting the model and creating sessions (including resolving If branches). */
  prepare_seconds: number;
  /** Seconds binning (pass 2 from the spill) and fitting after the runs. */
  analysis_seconds: number;
  /** Bytes of activations written to the temporary spill file. */
  spill_bytes: number;
  /** Bytes of all observed values of one sample. */
  output_bytes_per_sample: number;
}

/** What `runActivations` returns for one model: the run (inputs, runtime, batches) and both views. */
export interface ActivationResult {
  model: string;
  format: string;
  files: string[];
  bytes: number;
  metadata: Record<string, string>;
  settings: ActivationSettingsRecord;
  run: ActivationRunInfo;
  inputs: { samples: number; sources: ActivationInput[] };
  /** Values observed (floating, input-dependent node outputs selected by --include/--exclude). */
  values: number;
  /** If nodes replaced by the branch their condition selected. */
  branches: Record<string, string>;
  /** Parts of the model whose values are not observed, and why. */
  unreached: { name: string; reason: string }[];
  pooled: ActivationView;
  per_unit: ActivationView;
}

const VIEW_TITLES: Record<ActivationViewName, string> = { pooled: "pooled |a|", per_unit: "per-unit mean |a|" };

/** One view of a result in the shape of a weight ModelResult, for the renderers and `compare`. */
export function viewAsModelResult(result: ActivationResult, view: ActivationViewName): ModelResult {
  const part = result[view];
  return {
    model: `${result.model} · ${VIEW_TITLES[view]}`,
    format: result.format,
    files: result.files,
    bytes: result.bytes,
    metadata: result.metadata,
    settings: result.settings,
    tensors: result.values,
    layers: part.layers,
    skipped: part.skipped,
    summary: part.summary,
  };
}
