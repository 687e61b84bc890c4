/**
 * A batch scan: discover the models, keep this shard's share, reuse cached results, analyse the rest
 * a few models at a time on ONE shared executor (a worker pool of `jobs` threads, or this thread),
 * and write each model's layer tables and cache record the moment it is done — so an interrupted
 * scan loses at most the models in flight. One model failing (unreadable, truncated, invalid) never
 * stops the others: it becomes a failure entry with its one-line reason.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError, OutputError } from "../../errors.js";
import { describeIoError } from "../../io/byteSource.js";
import { withInputDeadline } from "../../io/inputSignal.js";
import { openModel } from "../../formats/open.js";
import { ensureOutputFolder, writeFileAtomic } from "../../io/atomicWrite.js";
import { type Executor, InlineExecutor } from "../../parallel/executor.js";
import { WorkerPool } from "../../parallel/pool.js";
import { renderCsv } from "../../report/csv.js";
import { type Failure, renderJson, replacer } from "../../report/json.js";
import { VERSION } from "../../version.js";
import { analyzeOpenedModel, mapLimited, type ModelResult, settingsRecord } from "../model.js";
import { type AnalysisSettings, resolveSettings } from "../settings.js";
import { type CacheIdentity, readCachedResult, stampFiles, writeCachedResult } from "./cache.js";
import { discoverModels, type ScanTarget } from "./discover.js";
import { CACHE_FOLDER, MODELS_FOLDER, modelOutputs } from "./outputs.js";
import { type Shard, shardOf } from "./shard.js";
import { type ScanResults, type ScanScope, sortScan } from "./summary.js";

export interface ScanOptions {
  roots: string[];
  /** Output folder: per-model tables, cache records (and the caller's summaries). */
  outDir: string;
  glob?: string[];
  settings?: Partial<AnalysisSettings>;
  /** Worker threads shared by all models (1 = this thread only). */
  jobs: number;
  shard?: Shard;
  /** Ignore cached results (they are still rewritten). */
  force?: boolean;
  /** Seconds one model may take (open and analysis); beyond it the model is a `timeout` failure. */
  timeout?: number;
  /** Called as each model is done, in completion order. */
  onModel?: (event: ScanEvent) => void;
}

export interface ScanEvent {
  model: string;
  status: "analysed" | "cached" | "failed";
  done: number;
  total: number;
  error?: string;
}

/** Results (fresh or cached, in the form JSON holds them) and failures, sorted by model name. */
export interface ScanRun extends ScanResults {
  analysed: number;
  cached: number;
  /** Models found before sharding. */
  discovered: number;
  notes: string[];
}

export async function runScan(options: ScanOptions): Promise<ScanRun> {
  const settings = resolveSettings(options.settings);
  const record = settingsRecord(settings);
  const scope: ScanScope = { roots: options.roots, glob: options.glob ?? [] };
  await ensureOutputFolder(join(options.outDir, MODELS_FOLDER));
  await ensureOutputFolder(join(options.outDir, CACHE_FOLDER));

  const discovery = await discoverModels(options.roots, { glob: scope.glob, skip: [options.outDir] });
  const shard = options.shard;
  const targets = shard ? discovery.targets.filter((target) => shardOf(target.model, shard.count) === shard.index) : discovery.targets;

  const failures: Failure[] = [...discovery.failures];
  const results: ModelResult[] = [];
  let analysed = 0;
  let cached = 0;
  let done = 0;
  const report = (model: string, status: ScanEvent["status"], error?: string): void => {
    done++;
    options.onModel?.({ model, status, done, total: targets.length, ...(error !== undefined ? { error } : {}) });
  };

  const executor: Executor = options.jobs > 1 ? new WorkerPool(options.jobs) : new InlineExecutor();
  try {
    await mapLimited(targets, Math.max(1, options.jobs), async (target) => {
      const identity: CacheIdentity = { version: VERSION, settings: record, inputs: target.paths };
      const reused = options.force ? undefined : await readCachedResult(options.outDir, target.model, identity);
      if (reused) {
        await writingTo(options.outDir, writeModelTables(options.outDir, reused, true));
        results.push(reused);
        cached++;
        report(target.model, "cached");
        return;
      }
      const outcome = await analyzeTarget(target, settings, executor, options.timeout);
      if ("failure" in outcome) {
        failures.push(outcome.failure);
        report(target.model, "failed", outcome.failure.error);
        return;
      }
      // Tables first, the cache record last: a record on disk means the model's outputs are complete.
      await writingTo(options.outDir, writeModelTables(options.outDir, outcome.result, false));
      if (outcome.stamps) await writingTo(options.outDir, writeCachedResult(options.outDir, target.model, identity, outcome.stamps, outcome.result));
      results.push(outcome.result);
      analysed++;
      report(target.model, "analysed");
    });
  } finally {
    await executor.close();
  }
  const sorted = sortScan(results, failures);
  return { scope, settings: record, results: sorted.results, failures: sorted.failures, analysed, cached, discovered: discovery.targets.length, notes: discovery.notes };
}

/** An output folder that cannot be written ends the scan: every later model would fail the same way. */
async function writingTo(outDir: string, writing: Promise<void>): Promise<void> {
  try {
    await writing;
  } catch (error) {
    if (error instanceof OutputError) throw error;
    throw new OutputError(`cannot write into ${outDir}: ${describeIoError(error)}`);
  }
}

type Outcome = { result: ModelResult; stamps: Awaited<ReturnType<typeof stampFiles>> } | { failure: Failure };

/** Open and analyse one model; input errors (and bugs) become a failure entry instead of a throw. */
async function analyzeTarget(target: ScanTarget, settings: AnalysisSettings, executor: Executor, timeout: number | undefined): Promise<Outcome> {
  try {
    return await withInputDeadline(target.model, timeout, async () => {
      const model = await openModel(target.paths.length === 1 ? target.paths[0]! : target.paths);
      // Stamped before the data is read: a file changed during the analysis misses the cache next time.
      const stamps = await stampFiles(model.files);
      const result = await analyzeOpenedModel(model, settings, { executor });
      return { result: asStored({ ...result, model: target.model }), stamps };
    });
  } catch (error) {
    if (error instanceof InputError) return { failure: { model: target.model, error: error.message, code: error.code } };
    // A bug in one model's analysis must not cost the other models; the CLI exits 70 for it.
    const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    return { failure: { model: target.model, error: `${target.model}: internal error: ${message}`, code: "internal" } };
  }
}

/**
 * The result as JSON holds it (non-finite numbers become null). Fresh, cached and merged results all
 * pass through JSON, so rendering them the same way needs them in the same form.
 */
export function asStored(result: ModelResult): ModelResult {
  return JSON.parse(JSON.stringify(result, replacer)) as ModelResult;
}

/** A model's layer table as CSV and as JSON (the `jaynes fit --format json` document). */
export async function writeModelTables(outDir: string, result: ModelResult, onlyIfMissing: boolean): Promise<void> {
  const outputs = modelOutputs(result.model);
  const files: [string, () => string][] = [
    [outputs.csv, () => renderCsv([result])],
    [outputs.json, () => renderJson({ tool: "jaynes", version: VERSION, models: [result], failures: [] })],
  ];
  for (const [relative, render] of files) {
    const path = join(outDir, relative);
    if (onlyIfMissing && (await stat(path).then(() => true, () => false))) continue;
    await writeFileAtomic(path, render());
  }
}
