/**
 * Per-model analysis: open (format detected by content) → for each tensor, decide whether it is
 * analysed → accumulate → fit → collect results and the summary.
 */
import { openModel } from "../formats/open.js";
import type { OpenedModel, TensorRecord } from "../formats/tensor.js";
import { tensorBytes } from "../io/tensorChunks.js";
import { readsOnMainThread } from "../io/byteSource.js";
import { throwIfInputAborted } from "../io/inputSignal.js";
import type { LayerStatistics } from "../stats/layerHistograms.js";
import { type Executor, InlineExecutor, defaultJobs } from "../parallel/executor.js";
import { WorkerPool } from "../parallel/pool.js";
import { createCodec } from "../decode/encodings.js";
import { SourcePool } from "../io/byteSource.js";
import { accumulateTensor } from "./accumulate.js";
import { prefixDigest, sameBytes, statisticsDigest, storageKey } from "./duplicates.js";
import { type LayerResult, type SkippedTensor, isLayerResult, layerResult } from "./layerResult.js";
import { type AnalysisSettings, normalizeQuantile, resolveSettings } from "./settings.js";
import { tensorSelector } from "./selection.js";
import { type ModelSummary, summarizeLayers } from "./summary.js";

export interface ModelSettingsRecord {
  bins: number;
  normalize: AnalysisSettings["normalize"];
  min_params: number;
  include_flagged: boolean;
  include: string[];
  exclude: string[];
  /** Bootstrap replicates per layer (0: off) and their seed (METHOD §7.2). */
  bootstrap: number;
  seed: number;
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
  /** Worker threads for the accumulation (default: the cores Node may use; 1 = this thread only). */
  jobs?: number;
  /** Run tasks here instead of a pool of `jobs` workers created for this model (e.g. shared by a batch). */
  executor?: Executor;
}

/** Below this much tensor data, starting worker threads costs more than it saves. */
export const PARALLEL_MIN_BYTES = 64 * 1024 * 1024;

/** The executor for a model of `bytes` tensor bytes under `jobs`. */
export function executorFor(bytes: number, jobs: number): Executor {
  return jobs > 1 && bytes >= PARALLEL_MIN_BYTES ? new WorkerPool(jobs) : new InlineExecutor();
}

/**
 * Run `work` over `items` with at most `limit` in flight, results in input order. After a failure no
 * new item starts, and the error is thrown once the items in flight have settled, so nothing is
 * still reading (or downloading) when the caller closes the sources.
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      throwIfInputAborted();
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  if (failure) throw failure.reason;
  return results;
}

export function settingsRecord(settings: AnalysisSettings): ModelSettingsRecord {
  return {
    bins: settings.bins,
    normalize: settings.normalize,
    min_params: settings.minParams,
    include_flagged: settings.includeFlagged,
    include: settings.include,
    exclude: settings.exclude,
    bootstrap: settings.bootstrap,
    seed: settings.seed,
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

export { tensorSelector } from "./selection.js";

/** Analyse an already opened model. */
export async function analyzeOpenedModel(model: OpenedModel, partialSettings: Partial<AnalysisSettings> = {}, options: AnalyzeOptions = {}): Promise<ModelResult> {
  const settings = resolveSettings(partialSettings);
  const selected = tensorSelector(settings);
  const plan = model.tensors.map((tensor) => ({ tensor, skip: tensorSkipReason(tensor, settings, selected) }));
  const bytesToRead = plan.reduce((sum, { tensor, skip }) => sum + (skip === undefined && tensor.data ? tensorBytes(tensor.data) : 0), 0);
  options.onStart?.(model, bytesToRead);

  // Some sources are read on this thread only (registerSourceOpener `mainThreadOnly`): Hub models,
  // whose limit is the network and whose settings and download spill live here, and HDF5 datasets,
  // whose library costs ~80 MB per thread.
  const remote = plan.some(({ tensor }) => tensor.data?.ranges.some((range) => readsOnMainThread(range.source)));
  const ownExecutor = remote || options.executor === undefined;
  const executor = remote ? new InlineExecutor() : (options.executor ?? executorFor(bytesToRead, options.jobs ?? defaultJobs()));
  const outcomes: (LayerResult | SkippedTensor)[] = [];
  // Records that read the same storage the same way (aliases) are analysed once (duplicates.ts).
  const firstWithStorage = new Map<string, number>();
  const aliasOf = plan.map(({ tensor, skip }, index) => {
    if (skip !== undefined || !tensor.data) return undefined;
    const key = storageKey(tensor.data);
    const first = firstWithStorage.get(key);
    if (first === undefined) firstWithStorage.set(key, index);
    return first;
  });
  const digests = new Array<string | undefined>(plan.length);
  try {
    // Several tensors in flight keep every worker busy while small tensors come and go.
    // The model's tensors are in depth order (formats/open.ts), so a tensor's index is its depth.
    const results = await mapLimited(plan, Math.max(2, executor.parallelism * 2), async ({ tensor, skip }, index) => {
      const depth = index;
      if (skip !== undefined || !tensor.data || aliasOf[index] !== undefined) {
        return { tensor: tensor.name, ...(tensor.originalName !== undefined ? { original_name: tensor.originalName } : {}), shape: tensor.shape, params: tensor.params, dtype: tensor.dtype, reason: skip ?? "not analysed", depth };
      }
      const identity = { name: tensor.name, shape: tensor.shape, params: tensor.params, dtype: tensor.dtype, ...(tensor.originalName !== undefined ? { originalName: tensor.originalName } : {}), ...(tensor.quantization !== undefined ? { quantization: tensor.quantization } : {}), ...(tensor.quantizationInfo !== undefined ? { quantizationInfo: tensor.quantizationInfo } : {}), depth };
      const quantile = normalizeQuantile(settings.normalize);
      const normaliser = quantile !== undefined ? { kind: "quantile" as const, q: quantile } : { kind: "max" as const };
      const stats = await accumulateTensor(tensor.data, undefined, { bins: settings.bins, executor, normaliser, ...(options.chunkBytes !== undefined ? { chunkBytes: options.chunkBytes } : {}), ...(options.onBytes ? { onBytes: options.onBytes } : {}) });
      const result = layerResult(identity, stats, settings);
      if (isLayerResult(result)) {
        digests[index] = statisticsDigest(tensor.dtype, tensor.params, stats);
        options.onLayer?.(result, stats);
      }
      return result;
    });
    // One by one: a spread of ~150k results overflows the call stack.
    for (const result of results) outcomes.push(result);
  } finally {
    if (ownExecutor) await executor.close();
  }
  await markDuplicates(plan.map(({ tensor }) => tensor), outcomes, aliasOf, digests);
  const layers = outcomes.filter(isLayerResult);
  const skipped = outcomes.filter((outcome): outcome is SkippedTensor => !isLayerResult(outcome));
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

/**
 * Replace aliases and bit-identical copies of an earlier fitted layer by skipped entries naming it
 * (`duplicate_of`), so that every summary counts distinct tensors (duplicates.ts).
 */
async function markDuplicates(tensors: readonly TensorRecord[], outcomes: (LayerResult | SkippedTensor)[], aliasOf: readonly (number | undefined)[], digests: readonly (string | undefined)[]): Promise<void> {
  const duplicate = (index: number, of: number, how: string): void => {
    const first = outcomes[of]!;
    const tensor = tensors[index]!;
    if (!isLayerResult(first)) {
      outcomes[index] = { ...outcomes[index]!, reason: (first as SkippedTensor).reason } as SkippedTensor;
      return;
    }
    outcomes[index] = {
      tensor: tensor.name,
      ...(tensor.originalName !== undefined ? { original_name: tensor.originalName } : {}),
      shape: tensor.shape,
      params: tensor.params,
      dtype: tensor.dtype,
      depth: index,
      reason: `duplicate of ${first.tensor} (${how})`,
      duplicate_of: first.tensor,
    };
  };
  aliasOf.forEach((of, index) => {
    if (of !== undefined) duplicate(index, of, "the same stored data");
  });
  const groups = new Map<string, number[]>();
  digests.forEach((key, index) => {
    if (key !== undefined) groups.set(key, [...(groups.get(key) ?? []), index]);
  });
  let pool: SourcePool | undefined;
  try {
    for (const members of groups.values()) {
      if (members.length < 2) continue;
      pool ??= new SourcePool();
      // Same statistics: tell them apart by their first bytes, then compare in full.
      const byPrefix = new Map<string, number[]>();
      for (const index of members) {
        const data = tensors[index]!.data!;
        const key = await prefixDigest(data, pool, createCodec(data.encoding).unitBytes);
        const earlier = byPrefix.get(key) ?? [];
        let matched = false;
        for (const of of earlier) {
          const a = tensors[of]!.data!;
          if (await sameBytes(a, data, pool, createCodec(a.encoding).unitBytes)) {
            duplicate(index, of, "bit-identical values");
            matched = true;
            break;
          }
        }
        if (!matched) byPrefix.set(key, [...earlier, index]);
      }
    }
  } finally {
    await pool?.close();
  }
}

/** Open and analyse one model given by path (a file, a shard index, a directory or a list of shards). */
export async function analyzeFile(path: string | string[], settings: Partial<AnalysisSettings> = {}, options: AnalyzeOptions = {}): Promise<ModelResult> {
  const model = await openModel(path);
  return analyzeOpenedModel(model, settings, options);
}
