/**
 * Per-model analysis: open (format detected by content) → for each tensor, decide whether it is
 * analysed → accumulate → fit → collect results and the summary.
 */
import picomatch from "picomatch";
import { openModel } from "../formats/open.js";
import type { OpenedModel, TensorRecord } from "../formats/tensor.js";
import { SourcePool } from "../io/byteSource.js";
import type { LayerStatistics } from "../stats/valueSummary.js";
import { totalBytes } from "../io/chunks.js";
import { accumulateTensor } from "./accumulate.js";
import { type LayerResult, type SkippedTensor, isLayerResult, layerResult } from "./layerResult.js";
import { type AnalysisSettings, resolveSettings } from "./settings.js";
import { type ModelSummary, summarizeLayers } from "./summary.js";

export interface ModelSettingsRecord {
  bins: number;
  normalize: AnalysisSettings["normalize"];
  min_params: number;
  include_flagged: boolean;
  include: string[];
  exclude: string[];
}

export interface ModelResult {
  model: string;
  format: string;
  files: string[];
  bytes: number;
  metadata: Record<string, string>;
  settings: ModelSettingsRecord;
  tensors: number;
  layers: LayerResult[];
  skipped: SkippedTensor[];
  summary: ModelSummary;
}

export interface AnalyzeOptions {
  /** Called with the number of tensor bytes read, as they are read. */
  onBytes?: (bytes: number) => void;
  /** Called once the model is opened, with the bytes the analysis will read. */
  onStart?: (model: OpenedModel, bytesToRead: number) => void;
  chunkBytes?: number;
  /** Called for every fitted layer with the statistics it was fitted from (e.g. to draw its histogram). */
  onLayer?: (layer: LayerResult, statistics: LayerStatistics) => void;
}

export function settingsRecord(settings: AnalysisSettings): ModelSettingsRecord {
  return {
    bins: settings.bins,
    normalize: settings.normalize,
    min_params: settings.minParams,
    include_flagged: settings.includeFlagged,
    include: settings.include,
    exclude: settings.exclude,
  };
}

/** Why a tensor is not analysed under these settings, or undefined when it is. */
export function tensorSkipReason(tensor: TensorRecord, settings: AnalysisSettings, selected: (name: string) => boolean): string | undefined {
  if (!selected(tensor.name)) return "not selected by --include/--exclude";
  if (!tensor.data) return tensor.skipReason ?? "not analysed";
  if (tensor.params === 0) return "empty tensor";
  if (tensor.params < settings.minParams) return `fewer than --min-params ${settings.minParams} elements`;
  return undefined;
}

export function tensorSelector(settings: AnalysisSettings): (name: string) => boolean {
  const include = settings.include.length > 0 ? picomatch(settings.include, { dot: true }) : () => true;
  const exclude = settings.exclude.length > 0 ? picomatch(settings.exclude, { dot: true }) : () => false;
  return (name) => include(name) && !exclude(name);
}

/** Analyse an already opened model. */
export async function analyzeOpenedModel(model: OpenedModel, partialSettings: Partial<AnalysisSettings> = {}, options: AnalyzeOptions = {}): Promise<ModelResult> {
  const settings = resolveSettings(partialSettings);
  const selected = tensorSelector(settings);
  const plan = model.tensors.map((tensor) => ({ tensor, skip: tensorSkipReason(tensor, settings, selected) }));
  const bytesToRead = plan.reduce((sum, { tensor, skip }) => sum + (skip === undefined && tensor.data ? totalBytes(tensor.data.ranges) : 0), 0);
  options.onStart?.(model, bytesToRead);

  const pool = new SourcePool();
  const layers: LayerResult[] = [];
  const skipped: SkippedTensor[] = [];
  try {
    for (const { tensor, skip } of plan) {
      const identity = { name: tensor.name, shape: tensor.shape, params: tensor.params, dtype: tensor.dtype, ...(tensor.originalName !== undefined ? { originalName: tensor.originalName } : {}), ...(tensor.quantization !== undefined ? { quantization: tensor.quantization } : {}) };
      if (skip !== undefined || !tensor.data) {
        skipped.push({ tensor: tensor.name, ...(tensor.originalName !== undefined ? { original_name: tensor.originalName } : {}), shape: tensor.shape, params: tensor.params, dtype: tensor.dtype, reason: skip ?? "not analysed" });
        continue;
      }
      const stats = await accumulateTensor(tensor.data, pool, { bins: settings.bins, ...(options.chunkBytes !== undefined ? { chunkBytes: options.chunkBytes } : {}), ...(options.onBytes ? { onBytes: options.onBytes } : {}) });
      const result = layerResult(identity, stats, settings);
      if (isLayerResult(result)) {
        layers.push(result);
        options.onLayer?.(result, stats);
      } else skipped.push(result);
    }
  } finally {
    await pool.close();
  }
  return {
    model: model.path,
    format: model.format,
    files: model.files,
    bytes: model.bytes,
    metadata: model.metadata,
    settings: settingsRecord(settings),
    tensors: model.tensors.length,
    layers,
    skipped,
    summary: summarizeLayers(layers, settings.includeFlagged),
  };
}

/** Open and analyse one model given by path (a file, a shard index, a directory or a list of shards). */
export async function analyzeFile(path: string | string[], settings: Partial<AnalysisSettings> = {}, options: AnalyzeOptions = {}): Promise<ModelResult> {
  const model = await openModel(path);
  return analyzeOpenedModel(model, settings, options);
}
