/**
 * `init`: a checkpoint of a model's architecture whose fitted layers are drawn from lognormals
 * (METHOD §9). One reference model: its fits (or a fit file, or one μ, σ) → the plan
 * (analysis/init/plan.ts) → the --match-std scales → the checkpoint, streamed and committed
 * (initWrite.ts). Input problems throw an InputError naming the file (one model: nothing to go on
 * with); an output that must not be replaced is an OutputError (exit 73), checked before any work
 * and again at the rename.
 */
import { checkSelection } from "./selection.js";
import { type InitPlan, type MatchStd, type ParameterSource, planInit } from "../analysis/init/plan.js";
import { PARALLEL_MIN_BYTES, analyzeOpenedModel } from "../analysis/model.js";
import { type AnalysisSettings, resolveSettings } from "../analysis/settings.js";
import { InputError } from "../errors.js";
import { readFitFile } from "../formats/fitFile.js";
import { openModel, resolveInputs } from "../formats/open.js";
import type { OpenedModel } from "../formats/tensor.js";
import { checkOutputPath } from "../io/atomicWrite.js";
import { SourcePool, readsOnMainThread } from "../io/byteSource.js";
import { isRemoteLocation } from "../io/location.js";
import { type Executor, InlineExecutor } from "../parallel/executor.js";
import { WorkerPool } from "../parallel/pool.js";
import { type InitProvenance, type InitReport, initMetadata } from "../report/init.js";
import { documentHeader } from "../version.js";
import { applyEnvironment, type RunEnvironment } from "./environment.js";
import { type InitContext, initLayout, resolveScales, writeInit } from "./initWrite.js";

/** What `runInit` draws and writes (the options of `jaynes init`). */
export interface InitRequest {
  /** The reference model (a path, shard index, folder or hf:// address holding one model). */
  like: string;
  /** The safetensors file to write; none for a dry run. */
  output?: string;
  dryRun: boolean;
  parameters: { kind: "fit" } | { kind: "file"; file: string } | { kind: "given"; mu: number; sigma: number };
  seed: number;
  signs: "random" | "like";
  scale?: number;
  matchStd?: MatchStd;
  maxShardBytes: number;
  /** bins, min-params, include, exclude, include-flagged (normalisation is always max). */
  settings: Partial<AnalysisSettings>;
}

async function openLike(path: string): Promise<OpenedModel> {
  const inputs = await resolveInputs([path]);
  if (inputs.length !== 1) throw new InputError("model", path, `holds ${inputs.length} models; --like needs one`);
  const input = inputs[0]!;
  return openModel(input.paths.length === 1 ? input.paths[0]! : input.paths);
}

/** Every file init writes must be a regular file (or new), in an existing folder, and none of `inputs` (exit 73). */
async function checkOutputs(files: readonly string[], inputs: readonly string[]): Promise<void> {
  for (const file of files) await checkOutputPath(file, inputs, { filesOnly: true });
}

/** The source's own metadata (safetensors keeps `format`, which transformers requires), and ours. */
function outputMetadata(model: OpenedModel, record: string): Record<string, string> {
  const metadata: Record<string, string> = model.format === "safetensors" ? { ...model.metadata } : {};
  delete metadata.total_size; // from a shard index, not a file's own
  metadata.format ??= "pt";
  metadata.jaynes_init = record;
  return metadata;
}

/**
 * `jaynes init`: draw a lognormal checkpoint of the reference model's architecture (docs/METHOD.md §9) and
 * write it as safetensors (or, with `dryRun`, only plan it); returns what was, or would be, written.
 */
export async function runInit(request: InitRequest, env: RunEnvironment): Promise<InitReport> {
  applyEnvironment(env);
  const settings = resolveSettings({ ...request.settings, normalize: "max" });
  const fitFile = request.parameters.kind === "file" ? request.parameters.file : undefined;
  const local = (paths: readonly string[]): string[] => paths.filter((path) => !isRemoteLocation(path));
  if (request.output !== undefined) await checkOutputs([request.output], local([request.like, ...(fitFile ? [fitFile] : [])]));
  const model = await openLike(request.like);
  // An --include/--exclude that selects no tensor would copy every tensor and draw none: a usage error.
  checkSelection([{ layers: model.tensors.map((tensor) => ({ tensor: tensor.name })), skipped: [] }], settings, env);
  const inputs = local([...model.files, ...(fitFile ? [fitFile] : [])]);
  const remote = model.tensors.some((tensor) => [...(tensor.data?.ranges ?? []), ...(tensor.storage?.ranges ?? [])].some((range) => readsOnMainThread(range.source)));

  let parameters: ParameterSource;
  if (request.parameters.kind === "file") {
    parameters = { kind: "file", fit: await readFitFile(request.parameters.file) };
  } else {
    // The fit runs on its own pool, closed before drawing: its threads hold the counting kernels'
    // memory (~20 MB each), which the draw does not need.
    try {
      const result = await analyzeOpenedModel(model, settings, {
        jobs: env.jobs,
        onStart: (_model, bytes) => env.progress?.start(`${request.like} (fit)`, bytes, remote),
        onBytes: (bytes) => env.progress?.advance(bytes),
      });
      parameters = request.parameters.kind === "given" ? { kind: "given", mu: request.parameters.mu, sigma: request.parameters.sigma, result } : { kind: "fit", result };
    } finally {
      env.progress?.clear();
    }
  }
  const plan = planInit(model, settings, parameters, { seed: request.seed, signs: request.signs, ...(request.scale !== undefined ? { scale: request.scale } : {}), ...(request.matchStd !== undefined ? { matchStd: request.matchStd } : {}) });
  for (const warning of plan.warnings) env.warn(warning);
  for (const planned of plan.tensors) if (planned.row.action === "omit") env.warn(`${model.path}: tensor ${JSON.stringify(planned.row.tensor)} is not written: ${planned.row.reason}`);

  const pool = new SourcePool();
  const executor: Executor = env.jobs > 1 && model.bytes >= PARALLEL_MIN_BYTES ? new WorkerPool(env.jobs) : new InlineExecutor();
  try {
    const context: InitContext = { executor, readExecutor: remote ? new InlineExecutor(pool) : executor, pool };
    await resolveScales(plan, request.matchStd, context, !request.dryRun);
    const provenance = provenanceOf(model, request, parameters, settings);
    let output = { files: [] as string[], bytes: 0 };
    if (!request.dryRun) {
      const layout = initLayout(plan, request.output!, request.maxShardBytes);
      await checkOutputs([...layout.shards.map((shard) => shard.file), ...(layout.index ? [layout.index] : [])], inputs);
      const total = plan.tensors.reduce((sum, planned) => sum + planned.bytes, 0);
      env.progress?.start(request.output!, total, false);
      try {
        output = await writeInit(plan, layout, outputMetadata(model, initMetadata(provenance, rows(plan))), request.signs === "like", { ...context, onBytes: (bytes) => env.progress?.advance(bytes) });
      } finally {
        env.progress?.clear();
      }
    }
    return { ...provenance, dry_run: request.dryRun, output, tensors: rows(plan), warnings: plan.warnings };
  } finally {
    await executor.close();
    await pool.close();
  }
}

function rows(plan: InitPlan): InitReport["tensors"] {
  return plan.tensors.map((planned) => planned.row);
}

function provenanceOf(model: OpenedModel, request: InitRequest, parameters: ParameterSource, settings: AnalysisSettings): InitProvenance {
  return {
    ...documentHeader(),
    command: "init",
    source: model.path,
    source_format: model.format,
    seed: request.seed,
    generator: "philox4x32-10",
    parameters: parameters.kind === "file" ? { kind: "file", file: parameters.fit.file, model: parameters.fit.model } : parameters.kind === "given" ? { kind: "given", mu: parameters.mu, sigma: parameters.sigma } : { kind: "fit" },
    signs: request.signs,
    scale: request.scale ?? null,
    match_std: request.matchStd ?? null,
    settings: { bins: settings.bins, min_params: settings.minParams, include: settings.include, exclude: settings.exclude, include_flagged: settings.includeFlagged },
  };
}
