/**
 * A batch scan: discover the models, keep this shard's share, reuse cached results, analyse the rest
 * a few models at a time on ONE shared executor (a worker pool of `jobs` threads, or this thread),
 * and write each model's layer tables and cache record the moment it is done — so an interrupted
 * scan loses at most the models in flight. The models run through the batch loop (run/batch.ts):
 * one model failing (unreadable, truncated, invalid, or a bug) never stops the others; an output
 * folder that cannot be written stops the scan.
 *
 * Results are kept in their stored form (analysis/stored.ts) from the start, so fresh, cached and
 * merged results render byte for byte the same.
 */
import type { SkippedEntry } from "../../formats/trainingFiles.js";
import { join } from "node:path";
import { analyzeOpenedModel, type ModelResult, type ModelSettingsRecord, settingsRecord } from "../../analysis/model.js";
import { CACHE_FOLDER, MODELS_FOLDER } from "../../analysis/scan/outputs.js";
import { type Shard, shardOf } from "../../analysis/scan/shard.js";
import { type ScanResults, type ScanScope, sortScan } from "../../analysis/scan/summary.js";
import { resolveSettings, type AnalysisSettings } from "../../analysis/settings.js";
import { type Stored, storedForm } from "../../analysis/stored.js";
import { type Failure, UsageError } from "../../errors.js";
import { nearestNames } from "../../analysis/selection.js";
import { openModel } from "../../formats/open.js";
import { ensureOutputFolder } from "../../io/atomicWrite.js";
import { withInputDeadline } from "../../io/inputSignal.js";
import { type Executor, InlineExecutor } from "../../parallel/executor.js";
import { WorkerPool } from "../../parallel/pool.js";
import { VERSION } from "../../version.js";
import { forEachInput } from "../batch.js";
import { applyEnvironment, type RunEnvironment } from "../environment.js";
import { openArgument } from "../inputs.js";
import { type CacheIdentity, readCachedResult, stampFiles, writeCachedResult } from "./cache.js";
import { discoverModels, type ScanTarget } from "./discover.js";
import { writeModelTables, writingTo } from "./modelTables.js";
import { checkSelection } from "../selection.js";

/** What `runScan` scans and where it writes. */
export interface ScanOptions {
  roots: string[];
  /** Output folder: per-model tables, cache records (and the caller's summaries). */
  outDir: string;
  glob?: string[];
  settings?: Partial<AnalysisSettings>;
  shard?: Shard;
  /** Ignore cached results (they are still rewritten). */
  force?: boolean;
  /** Seconds one model may take (open and analysis); beyond it the model is a `timeout` failure. */
  timeout?: number;
  /** Called as each model is done, in completion order. */
  onModel?: (event: ScanEvent) => void;
}

/** A model of a scan is done (analysed, from the cache, or failed). */
export interface ScanEvent {
  model: string;
  status: "analysed" | "cached" | "failed";
  done: number;
  total: number;
  error?: string;
}

/** Results (fresh or cached, in their stored form) and failures, sorted by model name. */
export interface ScanRun extends ScanResults {
  analysed: number;
  cached: number;
  /** Models found before sharding. */
  discovered: number;
  notes: string[];
  /** Files and folders left out on purpose (training companions, configs, …), with the reason. */
  skipped: SkippedEntry[];
}

/** Scan with `env.jobs` worker threads shared by all models (1 = this thread only). */
export async function runScan(options: ScanOptions, env: RunEnvironment): Promise<ScanRun> {
  applyEnvironment(env);
  const settings = resolveSettings(options.settings);
  const record = settingsRecord(settings);
  const scope: ScanScope = { roots: options.roots, glob: options.glob ?? [] };
  await ensureOutputFolder(join(options.outDir, MODELS_FOLDER));
  await ensureOutputFolder(join(options.outDir, CACHE_FOLDER));

  const discovery = await discoverModels(options.roots, { glob: scope.glob, skip: [options.outDir] });
  if (scope.glob.length > 0 && discovery.targets.length === 0 && discovery.unselected.length > 0) {
    throw new UsageError(`--glob ${scope.glob.map((pattern) => `'${pattern}'`).join(" --glob ")} selects no model under ${options.roots.join(", ")}`, [
      "--glob is matched against each file's path below the folder given: '*.onnx' matches only at its top, '**/*.onnx' at any depth",
      `model files found: ${nearestNames(scope.glob[0]!, discovery.unselected).map((path) => JSON.stringify(path)).join(", ")}`,
    ]);
  }
  const shard = options.shard;
  const targets = shard ? discovery.targets.filter((target) => shardOf(target.model, shard.count) === shard.index) : discovery.targets;

  let done = 0;
  const report = (model: string, status: ScanEvent["status"], error?: string): void => {
    done++;
    options.onModel?.({ model, status, done, total: targets.length, ...(error !== undefined ? { error } : {}) });
  };
  const onFailure = {
    failed: (failure: Failure, error: unknown): void => {
      env.failed(failure, error);
      report(failure.model, "failed", failure.error);
    },
  };

  const executor: Executor = env.jobs > 1 ? new WorkerPool(env.jobs) : new InlineExecutor();
  let outcome;
  try {
    outcome = await forEachInput(targets, (target) => scanTarget(target, settings, record, executor, options, report), { name: (target) => target.model, concurrency: env.jobs }, onFailure);
  } finally {
    await executor.close();
  }
  const results = outcome.results.map(({ result }) => result);
  // One shard's models are an arbitrary share: `merge` judges the selection over all of them.
  if (!shard) checkSelection(results, settings, env);
  const cached = outcome.results.filter((entry) => entry.cached).length;
  const failures = [...discovery.failures, ...outcome.failures];
  const sorted = sortScan(results, failures);
  return { scope, settings: record, results: sorted.results, failures: sorted.failures, analysed: results.length - cached, cached, discovered: discovery.targets.length, notes: discovery.notes, skipped: discovery.skipped };
}

/**
 * One model: its cached result when the cache key still holds, else open and analyse it; then its
 * layer tables and (for fresh results) its cache record. Input errors and bugs propagate to the
 * batch loop, which makes them failure entries.
 */
async function scanTarget(target: ScanTarget, settings: AnalysisSettings, record: ModelSettingsRecord, executor: Executor, options: ScanOptions, report: (model: string, status: ScanEvent["status"]) => void): Promise<{ result: Stored<ModelResult>; cached: boolean }> {
  const identity: CacheIdentity = { version: VERSION, settings: record, inputs: target.paths };
  const reused = options.force ? undefined : await readCachedResult(options.outDir, target.model, identity);
  if (reused) {
    await writingTo(options.outDir, writeModelTables(options.outDir, reused, true));
    report(target.model, "cached");
    return { result: reused, cached: true };
  }
  const { stamps, result } = await withInputDeadline(target.model, options.timeout, async () => {
    const model = await openModel(openArgument(target));
    // Stamped before the data is read: a file changed during the analysis misses the cache next time.
    const stamps = await stampFiles(model.files);
    return { stamps, result: storedForm({ ...(await analyzeOpenedModel(model, settings, { executor })), model: target.model }) };
  });
  // Tables first, the cache record last: a record on disk means the model's outputs are complete.
  await writingTo(options.outDir, writeModelTables(options.outDir, result, false));
  if (stamps) await writingTo(options.outDir, writeCachedResult(options.outDir, target.model, identity, stamps, result));
  report(target.model, "analysed");
  return { result, cached: false };
}
