/**
 * A model's result together with what its renderers need beyond the JSON contract: each fitted
 * layer's bin counts, from which the figures draw the histogram under the fitted curves. The counts
 * are not part of `ModelResult` (they would change every JSON output); they travel beside it.
 */
import type { OpenedModel } from "../formats/tensor.js";
import { type AnalyzeOptions, analyzeOpenedModel, type ModelResult } from "./model.js";
import type { SettingsInput } from "./settings.js";

/** A result with the bin counts of its layers, what the figures are drawn from. */
export interface FittedModel {
  result: ModelResult;
  /** Bin counts by tensor name of every fitted layer (empty when not kept). */
  histograms: ReadonlyMap<string, Float64Array>;
}

/** Analyse a model; with `keepHistograms`, keep every fitted layer's bin counts beside the result. */
export async function fitModel(model: OpenedModel, settings: SettingsInput, options: AnalyzeOptions & { keepHistograms?: boolean } = {}): Promise<FittedModel> {
  const histograms = new Map<string, Float64Array>();
  const { keepHistograms, ...analyzeOptions } = options;
  const onLayer = keepHistograms ? { onLayer: (layer: { tensor: string }, statistics: { counts: Float64Array }) => histograms.set(layer.tensor, statistics.counts) } : {};
  const result = await analyzeOpenedModel(model, settings, { ...analyzeOptions, ...onLayer });
  return { result, histograms };
}
