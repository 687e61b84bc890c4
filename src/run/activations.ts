/**
 * `jaynes activations` as a use case (METHOD §8): open a model in the runtime, feed it the inputs
 * batch by batch, hand the intermediate values to the collector, fit both views.
 * Source (runtime/) → accumulators and fit (analysis/activations/) → ActivationResult.
 *
 * 1. Prepare on the first sample alone: If branches chosen, values selected, bytes per sample of each.
 * 2. Memory: a run returns at most RUN_OUTPUT_BYTES of values. A runtime holds every graph output of
 *    a run until it ends (unlike the intermediate buffers it recycles), whether fetched or not, so
 *    the bound is kept by what a session exposes: the batch is reduced until all values fit one
 *    run; when one sample's values do not fit, they are split into groups, one session each, and
 *    every group is run over all the inputs in turn (the accumulators do not mind the order).
 * 3. Pass 1 over all samples; pass 2 from the spill, or from a second run over the same batches
 *    when the spill would be larger than `spillLimit` or the free disk (analysis/activations/collect.ts).
 */
import { ActivationCollector, type ActivationSettings, type SecondPassSource } from "../analysis/activations/collect.js";
import { ACTIVATION_VIEWS, type ActivationLayer, type ActivationResult, type ActivationViewName, viewAsModelResult } from "../analysis/activations/result.js";
import { compareModels } from "../analysis/compare.js";
import type { UnitAxisSetting } from "../analysis/activations/unitMeans.js";
import { executorFor, settingsRecord, tensorSelector } from "../analysis/model.js";
import { normalizeQuantile, resolveSettings, type AnalysisSettings } from "../analysis/settings.js";
import { ExitCode, type Failure, InputError, UsageError } from "../errors.js";
import { openModel } from "../formats/open.js";
import { withInputDeadline } from "../io/inputSignal.js";
import { SpillFile } from "../io/spillFile.js";
import { defaultJobs } from "../parallel/executor.js";
import { INPUT_BATCH_BYTES, type InputOptions, type InputPlan, type InputSpec, planInputs } from "../runtime/inputs.js";
import { OnnxActivationModel } from "../runtime/onnxModel.js";
import { loadOnnxRuntime, releaseFinishedOutputs } from "../runtime/onnxRuntime.js";
import type { LayerStatistics } from "../stats/layerHistograms.js";
import { writeFileAtomic } from "../io/atomicWrite.js";
import { ACTIVATIONS_HTML_INTRO, type ActivationComparisonDocument } from "../report/activations.js";
import { renderModelFigures, writeFigures } from "../report/figureFiles.js";
import { renderHtmlReport } from "../report/html.js";
import { VERSION } from "../version.js";
import { failureExitCode, failureOf, forEachInput } from "./batch.js";
import { checkSelection } from "./selection.js";
import { applyEnvironment, type Progress, type RunEnvironment } from "./environment.js";

/** Where pass 2 reads the values from (docs/METHOD.md §8.3): the spill, a second run, or chosen by size (`auto`). */
export type SecondPassChoice = SecondPassSource | "auto";

/** What `runActivations` observes, on which inputs, and how (the options of `jaynes activations`). */
export interface ActivationRunOptions {
  settings: Partial<AnalysisSettings> & { minUnits?: number; unitAxis?: UnitAxisSetting };
  inputs: readonly InputSpec[];
  input: InputOptions;
  /** Samples per run (reduced when their values would not fit RUN_OUTPUT_BYTES). */
  batch: number;
  jobs?: number;
  secondPass?: SecondPassChoice;
  /** Largest spill `auto` accepts (bytes). */
  spillLimit?: number;
  /** Folder for the spill file (default: the system's temporary folder). */
  spillDir?: string;
  /** Bytes of values one run may return (default RUN_OUTPUT_BYTES). */
  runOutputBytes?: number;
  /** Resident memory the runtime's process may reach (default: defaultRuntimeMemory of the model). */
  runtimeMemoryBytes?: number;
  /** Progress of each pass over the inputs, in bytes of observed values (run/environment.ts). */
  progress?: Progress;
  /** Called with each fitted layer and its statistics (bin counts included), as it is fitted. */
  onLayer?: (layer: ActivationLayer, statistics: LayerStatistics) => void;
}

export const DEFAULT_MIN_UNITS = 100;
export const RUN_OUTPUT_BYTES = 32 * 1024 * 1024;
export const DEFAULT_SPILL_LIMIT = 4 * 1024 ** 3;
/** Runs returning at least this much have their outputs freed at once (releaseFinishedOutputs). */
const RELEASE_AFTER_BYTES = 8 * 1024 * 1024;

/**
 * Run an ONNX model on inputs and fit its intermediate values (docs/METHOD.md §8): every observed value
 * in two views, pooled |a| and per-unit mean |a|, each with the fit, evidence and flags of the weights.
 * Needs the optional package onnxruntime-node.
 */
export async function runActivations(modelPath: string, options: ActivationRunOptions): Promise<ActivationResult> {
  const settings: ActivationSettings = { ...resolveSettings(options.settings), minUnits: options.settings.minUnits ?? DEFAULT_MIN_UNITS, unitAxis: options.settings.unitAxis ?? "auto" };
  // The pooled view keeps only the values a bin edge can cut (the spill) or none (rerun): an exact
  // quantile of every value would need passes that neither source offers.
  if (normalizeQuantile(settings.normalize) !== undefined) throw new UsageError("--normalize quantile:Q is not available for activations (use max or none)");
  const jobs = options.jobs ?? defaultJobs();
  const budget = options.runOutputBytes ?? RUN_OUTPUT_BYTES;
  const opened = await openModel(modelPath);
  if (opened.format !== "onnx") throw new InputError("unknown-format", modelPath, `is a ${opened.format} model; activations runs ONNX models`);
  const runtime = await loadOnnxRuntime({ owner: modelPath, memoryCapBytes: options.runtimeMemoryBytes ?? defaultRuntimeMemory(opened.bytes) });
  let model: OnnxActivationModel | undefined;
  let spill: SpillFile | undefined;
  try {
    model = await OnnxActivationModel.open(modelPath, runtime, jobs);
    return await activationsOf(model, runtime.version, opened, settings, jobs, budget, options, (created) => (spill = created));
  } finally {
    await model?.dispose().catch(() => undefined);
    await runtime.close();
    await spill?.remove();
  }
}

/** The runtime's default memory cap: 2 GiB, or twice the model's bytes and 1 GiB for larger models. */
export function defaultRuntimeMemory(modelBytes: number): number {
  return Math.max(2 * 1024 ** 3, 2 * modelBytes + 1024 ** 3);
}

async function activationsOf(
  model: OnnxActivationModel,
  runtimeVersion: string,
  opened: Awaited<ReturnType<typeof openModel>>,
  settings: ActivationSettings,
  jobs: number,
  budget: number,
  options: ActivationRunOptions,
  spilled: (spill: SpillFile) => void,
): Promise<ActivationResult> {
  const modelPath = model.path;
  const inputs = (): Promise<InputPlan> => planInputs(model.graphInputs(), options.inputs, options.input, modelPath);
  let spill: SpillFile | undefined;
  {
    // 1. Prepare on the first sample: If branches, values, bytes per sample.
    const probe = await inputs();
    const samples = probe.samples;
    const sources = probe.inputs;
    let prepared;
    try {
      const first = await probe.nextBatch(1);
      if (!first) throw new InputError("malformed", modelPath, "the inputs hold no sample");
      prepared = await model.prepare(first.feeds, tensorSelector(settings));
    } finally {
      await probe.close();
    }
    const perSample = prepared.bytesPerSample;
    let setupSeconds = prepared.prepareSeconds;

    // 2. Batch size (what one run returns, and the inputs one batch holds) and groups.
    const sampleBytes = [...perSample.values()].reduce((sum, bytes) => sum + bytes, 0);
    const batch = Math.max(1, Math.min(options.batch, Math.floor(budget / Math.max(1, sampleBytes)), Math.floor(INPUT_BATCH_BYTES / Math.max(1, probe.bytesPerSample))));
    const groups = (names: readonly string[]): string[][] => packGroups(names, (name) => (perSample.get(name) ?? 0) * batch, budget);
    const runGroups = groups(prepared.values.map((value) => value.name));
    const groupBytes = (group: readonly string[]): number => group.reduce((sum, name) => sum + (perSample.get(name) ?? 0) * batch, 0);

    // 3. Pass 1, spilling when pass 2 will read from disk.
    const choice = options.secondPass ?? "auto";
    if (choice !== "rerun") {
      spill = await SpillFile.create(options.spillDir);
      spilled(spill);
      const expected = sampleBytes * samples;
      const free = await spill.freeBytes();
      const fits = expected <= free / 2;
      if (choice === "spill" && !fits) throw new InputError("limit", modelPath, `the spill needs up to ${mb(expected)} MB in ${spill.folder} but only ${mb(free)} MB are free; use --limit, --spill-dir or --second-pass rerun`);
      if (choice === "auto" && (!fits || expected > (options.spillLimit ?? DEFAULT_SPILL_LIMIT))) {
        await spill.remove();
        spill = undefined;
      }
    }
    const collector = new ActivationCollector(prepared.values, settings, spill, prepared.copies);
    let runSeconds = 0;
    let runs = 0;
    /** One session per group of values, each run over every batch. */
    const sweep = async (passGroups: string[][], consume: (outputs: Awaited<ReturnType<typeof model.run>>, count: number, firstGroup: boolean) => Promise<void> | void, pass: number): Promise<void> => {
      const bytesPerSample = (group: readonly string[]): number => group.reduce((sum, name) => sum + (perSample.get(name) ?? 0), 0);
      options.progress?.start(pass > 1 ? `${modelPath} (second run)` : modelPath, samples * passGroups.reduce((sum, group) => sum + bytesPerSample(group), 0), false);
      for (const [index, group] of passGroups.entries()) {
        setupSeconds += await model.observe(group);
        const plan = await inputs();
        try {
          let done = 0;
          for (let next = await plan.nextBatch(batch); next; next = await plan.nextBatch(batch)) {
            const label = `samples ${done + 1}–${done + next.count}${pass > 1 ? " (second run)" : ""}`;
            const started = performance.now();
            const outputs = await model.run(next.feeds, label);
            runSeconds += (performance.now() - started) / 1000;
            runs++;
            await consume(outputs, next.count, index === 0 && pass === 1);
            if (groupBytes(group) >= RELEASE_AFTER_BYTES) releaseFinishedOutputs();
            done += next.count;
            options.progress?.advance(next.count * bytesPerSample(group));
          }
        } finally {
          await plan.close();
        }
      }
      options.progress?.clear();
      await model.close();
    };
    await sweep(runGroups, (outputs, count, counted) => collector.add(outputs, count, counted), 1);

    // 4. Pass 2 by a second run, where needed.
    let secondPass: SecondPassSource = "spill";
    if (!spill) {
      secondPass = "rerun";
      const needed = collector.planRerun();
      if (needed.length > 0) await sweep(groups(needed), (outputs) => collector.addRerun(outputs), 2);
      const mismatches = collector.rerunMismatches();
      if (mismatches.length > 0) {
        throw new InputError("model", modelPath, `the runtime gave different values on the second run (max|a| of ${mismatches.slice(0, 3).map((name) => JSON.stringify(name)).join(", ")} differs); its results are not reproducible, so pass 2 cannot be exact: use --second-pass spill`);
      }
    }

    const analysisStarted = performance.now();
    const executor = executorFor(spill?.bytes ?? 0, jobs);
    let views;
    try {
      views = await collector.finish({ executor, ...(options.onLayer ? { onLayer: options.onLayer } : {}) });
    } finally {
      await executor.close();
    }
    return {
      model: modelPath,
      format: opened.format,
      files: opened.files,
      bytes: opened.bytes,
      metadata: opened.metadata,
      settings: {
        ...settingsRecord(settings),
        min_units: settings.minUnits,
        unit_axis: settings.unitAxis,
        batch,
        limit: options.input.limit ?? null,
        random: options.input.random ?? null,
      },
      run: {
        runtime: "onnxruntime-node",
        runtime_version: runtimeVersion,
        threads: jobs,
        batch,
        groups: runGroups.length,
        runs,
        second_pass: secondPass,
        run_seconds: runSeconds,
        prepare_seconds: setupSeconds,
        analysis_seconds: (performance.now() - analysisStarted) / 1000,
        spill_bytes: spill?.bytes ?? 0,
        output_bytes_per_sample: sampleBytes,
      },
      inputs: { samples: collector.samples, sources },
      values: prepared.values.length,
      branches: Object.fromEntries(prepared.branches),
      unreached: prepared.unreached,
      pooled: views.pooled,
      per_unit: views.per_unit,
    };
  }
}

function mb(bytes: number): number {
  return Math.ceil(bytes / 1e6);
}

/** Greedy packing in order: a group closes when the next value would take it past `budget`. */
export function packGroups(names: readonly string[], size: (name: string) => number, budget: number): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let used = 0;
  for (const name of names) {
    const bytes = size(name);
    if (current.length > 0 && used + bytes > budget) {
      groups.push(current);
      current = [];
      used = 0;
    }
    current.push(name);
    used += bytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}


/** A result with the bin counts of every fitted layer, per view (for the figures). */
export interface FittedActivations {
  result: ActivationResult;
  histograms: Record<ActivationViewName, Map<string, Float64Array>>;
}

/** `jaynes activations` over several models: the options of `runActivations` and the models. */
export interface ActivationsRequest extends Omit<ActivationRunOptions, "jobs" | "progress" | "onLayer"> {
  models: readonly string[];
  /** Seconds one model may take (all its runs); beyond it the runtime is killed and the model is a `timeout` failure. */
  timeout?: number;
}

/** The results of `runActivationsBatch`: each model's activations, the failed inputs, the layers with NaN/Inf. */
export interface ActivationsRun {
  models: FittedActivations[];
  failures: Failure[];
  /** Layers that held NaN/Inf outputs (dropped, flagged `nonfinite`): exit 2. */
  nonfinite: { model: string; tensor: string; view: ActivationViewName; values: number }[];
}

/** `activations MODEL…`: every model run on the same inputs, under the batch failure policy. */
export async function runActivationsBatch(request: ActivationsRequest, env: RunEnvironment): Promise<ActivationsRun> {
  applyEnvironment(env);
  const { models, timeout, ...options } = request;
  const analysed = await forEachInput(
    models,
    async (path) => {
      const histograms: FittedActivations["histograms"] = { pooled: new Map(), per_unit: new Map() };
      try {
        const result = await withInputDeadline(path, timeout, () =>
          runActivations(path, {
            ...options,
            jobs: env.jobs,
            ...(env.progress ? { progress: env.progress } : {}),
            onLayer: (layer, statistics) => histograms[layer.view].set(layer.tensor, statistics.counts),
          }),
        );
        return { result, histograms };
      } finally {
        env.progress?.clear();
      }
    },
    { name: (path) => path },
    env,
  );
  checkSelection(analysed.results.map(({ result }) => viewAsModelResult(result, "pooled")), resolveSettings(request.settings), env);
  const nonfinite = analysed.results.flatMap(({ result }) =>
    ACTIVATION_VIEWS.flatMap((view) => result[view].layers.filter((layer) => layer.nonfinite > 0).map((layer) => ({ model: result.model, tensor: layer.tensor, view, values: layer.nonfinite }))),
  );
  for (const entry of nonfinite) env.warn(`${entry.model}: value ${JSON.stringify(entry.tensor)} (${entry.view}): ${entry.values} NaN/Inf values dropped (flagged "nonfinite")`);
  return { models: analysed.results, failures: analysed.failures, nonfinite };
}

/** 70 if a model hit a bug, else 2 if a model failed or produced NaN/Inf, else 0. */
export function activationsExitCode(run: ActivationsRun): number {
  const code = failureExitCode(run.failures);
  return code === ExitCode.ok && run.nonfinite.length > 0 ? ExitCode.input : code;
}

/** `activations A --compare B`: both run on the same inputs, then compared per view. */
export async function runActivationsComparison(request: ActivationsRequest & { models: readonly [string, string] }, env: RunEnvironment): Promise<{ comparison?: ActivationComparisonDocument; run: ActivationsRun }> {
  const run = await runActivationsBatch(request, env);
  const [a, b] = run.models;
  if (run.failures.length > 0 || !a || !b) return { run };
  try {
    return { comparison: { pooled: compareModels(viewAsModelResult(a.result, "pooled"), viewAsModelResult(b.result, "pooled")), per_unit: compareModels(viewAsModelResult(a.result, "per_unit"), viewAsModelResult(b.result, "per_unit")) }, run };
  } catch (error) {
    const failure = failureOf(`${request.models[0]} vs ${request.models[1]}`, error);
    env.failed(failure, error);
    return { run: { ...run, failures: [failure] } };
  }
}

/** Each view drawn as a model of its own: to `plot` (a folder) and/or `html` (a file). */
export async function writeActivationFigures(run: ActivationsRun, outputs: { plot?: string; html?: string }): Promise<void> {
  if (run.models.length === 0 || (outputs.plot === undefined && outputs.html === undefined)) return;
  const fitted = run.models.flatMap(({ result, histograms }) => ACTIVATION_VIEWS.map((view) => ({ result: viewAsModelResult(result, view), histograms: histograms[view] })));
  const figures = await renderModelFigures(fitted);
  if (outputs.plot !== undefined) await writeFigures(outputs.plot, figures);
  if (outputs.html !== undefined) await writeFileAtomic(outputs.html, renderHtmlReport(figures, { version: VERSION, failures: run.failures, title: "jaynes activations", introHtml: ACTIVATIONS_HTML_INTRO, methodSections: "§8" }));
}
