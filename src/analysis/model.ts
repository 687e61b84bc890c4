/**
 * Per-model analysis: open (format detected by content) → for each tensor, decide whether it is
 * analysed → accumulate → fit → collect results and the summary.
 */
import { type ModelSource, openModel } from "../formats/open.js";
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
import { type AnalysisSettings, type SettingsInput, normalizeQuantile, resolveSettings } from "./settings.js";
import { tensorSelector } from "./selection.js";
import { type ModelSummary, summarizeLayers } from "./summary.js";

/** The settings a result records (`settings` in JSON): pass it back as settings to reproduce the result. */
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

/** One analysed model: what `jaynes fit --format json` prints for it. */
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

/** How to run an analysis (its settings are separate: SettingsInput). */
export interface AnalyzeOptions {
  /** Stop as soon as this is aborted: the call rejects with the signal's reason, nothing keeps reading. */
  signal?: AbortSignal;
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
  /**
   * Called for each tensor in the order of the model's tensor list, as soon as it and every tensor
   * before it are done, with its index: the fitted layer with its statistics, or the skipped tensor
   * (a duplicate of an earlier layer included: the outcome is final).
   */
  onOutcome?: (index: number, outcome: LayerResult | SkippedTensor, statistics?: LayerStatistics) => void;
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
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      if (signal?.aborted) {
        failed = true;
        throw signal.reason;
      }
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

/** Analyse an already opened model (its tensors in `model.tensors` order; results in that order). */
export async function analyzeOpenedModel(model: OpenedModel, partialSettings: SettingsInput = {}, options: AnalyzeOptions = {}): Promise<ModelResult> {
  const signal = options.signal;
  signal?.throwIfAborted();
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
  const outcomes = new Array<LayerResult | SkippedTensor>(plan.length);
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
  const statistics = new Array<LayerStatistics | undefined>(plan.length);
  const duplicates = duplicateResolver(plan.map(({ tensor }) => tensor), outcomes, aliasOf, digests);
  // Tensors finish out of order; their outcomes are made final (duplicates) and reported in file order.
  const settled = new Array<boolean>(plan.length).fill(false);
  let next = 0;
  let finalising: Promise<void> = Promise.resolve();
  let finalFailure: { error: unknown } | undefined;
  const settle = (index: number): void => {
    settled[index] = true;
    finalising = finalising.then(async () => {
      try {
        while (finalFailure === undefined && next < plan.length && settled[next]) {
          const i = next++;
          await duplicates.resolve(i);
          const outcome = outcomes[i]!;
          options.onOutcome?.(i, outcome, isLayerResult(outcome) ? statistics[i] : undefined);
        }
      } catch (error) {
        finalFailure ??= { error };
      }
    });
  };
  try {
    // Several tensors in flight keep every worker busy while small tensors come and go.
    await mapLimited(
      plan,
      Math.max(2, executor.parallelism * 2),
      async ({ tensor, skip }, index) => {
        // The model's tensors are in depth order (formats/open.ts), so a tensor's index is its depth.
        const depth = index;
        if (skip !== undefined || !tensor.data || aliasOf[index] !== undefined) {
          const skipped: SkippedTensor = { tensor: tensor.name, ...(tensor.originalName !== undefined ? { original_name: tensor.originalName } : {}), shape: tensor.shape, params: tensor.params, dtype: tensor.dtype, reason: skip ?? "not analysed", depth };
          outcomes[index] = skipped;
          settle(index);
          return;
        }
        const identity = { name: tensor.name, shape: tensor.shape, params: tensor.params, dtype: tensor.dtype, ...(tensor.originalName !== undefined ? { originalName: tensor.originalName } : {}), ...(tensor.quantization !== undefined ? { quantization: tensor.quantization } : {}), ...(tensor.quantizationInfo !== undefined ? { quantizationInfo: tensor.quantizationInfo } : {}), depth };
        const quantile = normalizeQuantile(settings.normalize);
        const normaliser = quantile !== undefined ? { kind: "quantile" as const, q: quantile } : { kind: "max" as const };
        const stats = await accumulateTensor(tensor.data, undefined, { bins: settings.bins, executor, normaliser, ...(options.chunkBytes !== undefined ? { chunkBytes: options.chunkBytes } : {}), ...(options.onBytes ? { onBytes: options.onBytes } : {}), ...(signal ? { signal } : {}) });
        signal?.throwIfAborted();
        const result = layerResult(identity, stats, settings);
        if (isLayerResult(result)) {
          digests[index] = statisticsDigest(tensor.dtype, tensor.params, stats);
          statistics[index] = stats;
          options.onLayer?.(result, stats);
        }
        outcomes[index] = result;
        settle(index);
      },
      signal,
    );
    await finalising;
    if (finalFailure) throw finalFailure.error;
  } finally {
    if (ownExecutor) await executor.close();
    await finalising;
    await duplicates.close();
  }
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
 * Duplicates in file order (METHOD §7.5): `resolve(i)`, called for i = 0, 1, … once tensor i and every
 * tensor before it are done, replaces an alias or a bit-identical copy of an earlier fitted layer by a
 * skipped entry naming it (`duplicate_of`), so that every summary counts distinct tensors and a
 * streamed outcome (`onOutcome`) is already final. Each duplicate names an earlier tensor, so deciding
 * tensor i needs only tensors 0 … i (duplicates.ts).
 */
function duplicateResolver(tensors: readonly TensorRecord[], outcomes: (LayerResult | SkippedTensor)[], aliasOf: readonly (number | undefined)[], digests: readonly (string | undefined)[]) {
  /** Each resolved tensor's outcome before it was marked (an alias names what its storage holds). */
  const original: (LayerResult | SkippedTensor)[] = [];
  /** Per statistics digest, the earlier distinct fitted layers that have it. */
  const groups = new Map<string, number[]>();
  const prefixes = new Map<number, Promise<string>>();
  let pool: SourcePool | undefined;
  const unitBytes = (index: number): number => createCodec(tensors[index]!.data!.encoding).unitBytes;
  const prefixOf = (index: number): Promise<string> => {
    let prefix = prefixes.get(index);
    if (prefix === undefined) {
      pool ??= new SourcePool();
      prefix = prefixDigest(tensors[index]!.data!, pool, unitBytes(index));
      prefixes.set(index, prefix);
    }
    return prefix;
  };
  const duplicate = (index: number, of: number, how: string): void => {
    const first = original[of]!;
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
  return {
    async resolve(index: number): Promise<void> {
      original[index] = outcomes[index]!;
      const of = aliasOf[index];
      if (of !== undefined) return duplicate(index, of, "the same stored data");
      const key = digests[index];
      if (key === undefined) return;
      const earlier = groups.get(key) ?? [];
      if (earlier.length > 0) {
        // Same statistics: tell them apart by their first bytes, then compare in full.
        const mine = await prefixOf(index);
        for (const of of earlier) {
          if ((await prefixOf(of)) !== mine) continue;
          if (await sameBytes(tensors[of]!.data!, tensors[index]!.data!, pool!, unitBytes(of))) return duplicate(index, of, "bit-identical values");
        }
      }
      groups.set(key, [...earlier, index]);
    },
    async close(): Promise<void> {
      await pool?.close();
    },
  };
}

/**
 * Open and analyse one model: a path (a file, a shard index, a directory, `hf://…`, an http(s) URL), a
 * URL object, a ByteSource, or the shard files of one model. Settings as in `analyze`, which takes
 * them together with the options.
 */
export async function analyzeFile(source: ModelSource, settings: SettingsInput = {}, options: AnalyzeOptions = {}): Promise<ModelResult> {
  options.signal?.throwIfAborted();
  const model = await openModel(source);
  return analyzeOpenedModel(model, settings, options);
}
