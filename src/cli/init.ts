/**
 * `jaynes init --like MODEL -o OUT.safetensors`: a checkpoint of MODEL's architecture whose layers
 * are drawn from fitted lognormals (METHOD §9; analysis/init/), every other tensor copied.
 */
import { Command, Option } from "commander";
import { type InitPlan, MATCH_STD_CHOICES, type MatchStd, type ParameterSource, planInit } from "../analysis/init/plan.js";
import { type InitContext, initLayout, resolveScales, writeInit } from "../analysis/init/write.js";
import { PARALLEL_MIN_BYTES, analyzeOpenedModel } from "../analysis/model.js";
import { type AnalysisSettings, resolveSettings } from "../analysis/settings.js";
import { InputError, UsageError } from "../errors.js";
import { readFitFile } from "../formats/fitFile.js";
import { openModel, resolveInputs } from "../formats/open.js";
import type { OpenedModel } from "../formats/tensor.js";
import { replaceRefusal } from "../io/atomicWrite.js";
import { SourcePool, readsOnMainThread } from "../io/byteSource.js";
import { isRemoteLocation } from "../io/location.js";
import { type Executor, InlineExecutor, defaultJobs } from "../parallel/executor.js";
import { WorkerPool } from "../parallel/pool.js";
import { type InitProvenance, type InitReport, initMetadata, renderInitJson, renderInitTable } from "../report/init.js";
import { VERSION } from "../version.js";
import { HUB_HELP, type HubCliOptions, addHubOptions, applyHubOptions } from "./hubOptions.js";
import { byteSizeOption, choiceOption, collect, integerOption, numberOption, positiveNumberOption } from "./options.js";
import { checkOutputFile, emit } from "./output.js";
import { PROGRESS_MIN_BYTES, ProgressBar } from "./progress.js";
import { colorEnabled, logLine, progressEnabled } from "./terminal.js";

interface InitOptions extends HubCliOptions {
  like: string;
  output?: string;
  from?: string;
  mu?: number;
  sigma?: number;
  seed: number;
  signs: "random" | "like";
  scale?: number;
  matchStd?: MatchStd | true;
  maxShardSize: number;
  dryRun: boolean;
  format: "table" | "json";
  bins: number;
  minParams: number;
  include: string[];
  exclude: string[];
  includeFlagged: boolean;
  jobs: number;
  progress: boolean;
  quiet: boolean;
}

/** Hugging Face's default shard size (save_pretrained's max_shard_size). */
const DEFAULT_MAX_SHARD = "5GB";

export function initCommand(): Command {
  const command = new Command("init")
    .description("write a checkpoint whose layers are drawn from fitted lognormals (a lognormal hot start, METHOD.md §9)")
    .requiredOption("--like <model>", "the reference model: its architecture, the tensors copied, and (by default) the fits drawn from; any format, or hf://owner/repo")
    .option("-o, --output <file>", "the safetensors file to write (atomically); sharded beside it with an index when larger than --max-shard-size")
    .option("--from <fit>", "draw from the μ, σ of a `jaynes fit` output (JSON, JSONL or CSV), matched by tensor name")
    .option("--mu <μ>", "draw every layer from this μ (as fit reports it: of the size-weighted histogram, units of max|w|)", numberOption("--mu"))
    .option("--sigma <σ>", "… and this σ (e.g. the paper's 0.65)", positiveNumberOption("--sigma"))
    .option("--seed <n>", "seed of the generator (Philox4x32-10)", integerOption("--seed", 0, 0xffffffff), 0)
    .option("--signs <source>", "random: each sign a fair coin; like: the signs of the reference's weights", choiceOption("--signs", ["random", "like"] as const), "random")
    .option("--scale <x>", "max |w| of every drawn layer (default: the max of the layer the parameters were fitted on)", positiveNumberOption("--scale"))
    .addOption(new Option("--match-std [init]", "rescale each drawn layer to the standard deviation of the reference layer (like) or of a standard initialisation").choices(MATCH_STD_CHOICES as string[]))
    .addOption(new Option("--max-shard-size <size>", "largest shard (tensor bytes): 5GB, 500MB, 2GiB, …").argParser(byteSizeOption("--max-shard-size")).default(byteSizeOption("--max-shard-size")(DEFAULT_MAX_SHARD), DEFAULT_MAX_SHARD))
    .option("--dry-run", "print what would be drawn and copied; write nothing", false)
    .option("-f, --format <format>", "what is printed: table or json", choiceOption("--format", ["table", "json"] as const), "table")
    .option("--bins <n>", "bins of the fits drawn from (as fit)", integerOption("--bins", 2, 1_000_000), 100)
    .option("--min-params <n>", "layers with fewer elements are copied, not drawn (as fit)", integerOption("--min-params", 0), 10_000)
    .option("--include <glob>", "draw only tensors whose name matches (repeatable; the others are copied)", collect, [])
    .option("--exclude <glob>", "copy tensors whose name matches (repeatable)", collect, [])
    .option("--include-flagged", "draw flagged layers too (their fitted μ, σ may mean nothing; sensible with --mu/--sigma)", false)
    .option("-j, --jobs <n>", "worker threads drawing (one per core by default)", integerOption("--jobs", 1, 256), defaultJobs())
    .option("--no-progress", "never draw a progress bar")
    .option("--quiet", "print nothing on success", false);
  return addHubOptions(command)
    .addHelpText(
      "after",
      `
Examples:
  $ jaynes init --like fixtures/mnist-mlp-epoch10.safetensors -o hot.safetensors
  $ jaynes init --like init.safetensors --from trained-fit.json -o hot.safetensors --seed 1
  $ jaynes init --like model.safetensors --mu -2.7 --sigma 0.65 --match-std kaiming -o ln.safetensors
  $ jaynes init --like hf://openai-community/gpt2 --dry-run
  $ jaynes init --like model.safetensors.index.json -o out/model.safetensors --max-shard-size 2GB

Drawn: the layers fit would fit (float, ≥ --min-params, --include/--exclude) that are not flagged:
|w| = scale·x with x ~ LN(μ − σ², σ²) truncated at 1 (the tail above the max is drawn again), one
element set to ±scale; signs random or --signs like. Copied byte for byte: every other tensor.
--match-std like|kaiming|xavier|torch (default like) keeps the drawn layer's root mean square equal
to that standard deviation. The same seed gives the same bytes on every machine.
Exit codes: 0 ok, 1 usage error, 2 the model or the fit file was unreadable or invalid.
${HUB_HELP}`,
    )
    .action(async (options: InitOptions) => {
      process.exitCode = await runInit(options);
    });
}

function parameterMode(options: InitOptions): "fit" | "file" | "given" {
  if ((options.mu === undefined) !== (options.sigma === undefined)) throw new UsageError("--mu and --sigma go together");
  if (options.from !== undefined && options.mu !== undefined) throw new UsageError("--from and --mu/--sigma are alternatives; give one");
  if (options.scale !== undefined && options.matchStd !== undefined) throw new UsageError("--scale and --match-std both set the scale; give one");
  if (options.output === undefined && !options.dryRun) throw new UsageError("-o/--output is required (or --dry-run)");
  return options.from !== undefined ? "file" : options.mu !== undefined ? "given" : "fit";
}

async function openLike(path: string): Promise<OpenedModel> {
  const inputs = await resolveInputs([path]);
  if (inputs.length !== 1) throw new InputError("model", path, `holds ${inputs.length} models; --like needs one`);
  const input = inputs[0]!;
  return openModel(input.paths.length === 1 ? input.paths[0]! : input.paths);
}

/** The source's own metadata (safetensors keeps `format`, which transformers requires), and ours. */
function outputMetadata(model: OpenedModel, record: string): Record<string, string> {
  const metadata: Record<string, string> = model.format === "safetensors" ? { ...model.metadata } : {};
  delete metadata.total_size; // from a shard index, not a file's own
  metadata.format ??= "pt";
  metadata.jaynes_init = record;
  return metadata;
}

async function checkOutputs(files: string[], inputs: string[]): Promise<void> {
  for (const file of files) {
    const refusal = await replaceRefusal(file, inputs);
    if (refusal !== undefined) throw new UsageError(`-o ${file}: ${refusal}; refusing to replace it`);
  }
}

async function runInit(options: InitOptions): Promise<number> {
  const mode = parameterMode(options);
  applyHubOptions(options);
  const matchStd: MatchStd | undefined = options.matchStd === true ? "like" : options.matchStd;
  const localInputs = (paths: string[]): string[] => paths.filter((path) => !isRemoteLocation(path));
  if (options.output !== undefined) {
    await checkOutputFile(options.output, "-o");
    await checkOutputs([options.output], localInputs([options.like, ...(options.from ? [options.from] : [])]));
  }
  const settings: AnalysisSettings = resolveSettings({ bins: options.bins, minParams: options.minParams, normalize: "max", include: options.include, exclude: options.exclude, includeFlagged: options.includeFlagged });
  const model = await openLike(options.like);
  const inputs = localInputs([...model.files, ...(options.from ? [options.from] : [])]);

  const remote = model.tensors.some((tensor) => [...(tensor.data?.ranges ?? []), ...(tensor.stored ?? [])].some((range) => readsOnMainThread(range.source)));
  const pool = new SourcePool();
  const bar = options.progress && progressEnabled() ? new ProgressBar() : undefined;
  let executor: Executor | undefined;
  try {
    let parameters: ParameterSource;
    if (mode === "file") {
      parameters = { kind: "file", fit: await readFitFile(options.from!) };
    } else {
      // The fit runs on its own pool, closed before drawing: its threads hold the counting kernels'
      // memory (~20 MB each), which the draw does not need.
      const result = await analyzeOpenedModel(model, settings, {
        jobs: options.jobs,
        onStart: (_model, total) => {
          if (bar && (total >= PROGRESS_MIN_BYTES || (remote && total > 0))) bar.start(`${options.like} (fit)`, total);
        },
        onBytes: (bytes) => bar?.advance(bytes),
      });
      bar?.clear();
      parameters = mode === "given" ? { kind: "given", mu: options.mu!, sigma: options.sigma!, result } : { kind: "fit", result };
    }
    const plan = planInit(model, settings, parameters, { seed: options.seed, signs: options.signs, ...(options.scale !== undefined ? { scale: options.scale } : {}), ...(matchStd !== undefined ? { matchStd } : {}) });
    for (const warning of plan.warnings) logLine(`jaynes: warning: ${warning}`);
    for (const planned of plan.tensors) if (planned.row.action === "omit") logLine(`jaynes: warning: ${model.path}: tensor ${JSON.stringify(planned.row.tensor)} is not written: ${planned.row.reason}`);

    executor = options.jobs > 1 && model.bytes >= PARALLEL_MIN_BYTES ? new WorkerPool(options.jobs) : new InlineExecutor();
    const context: InitContext = { executor, readExecutor: remote ? new InlineExecutor(pool) : executor, pool };
    await resolveScales(plan, matchStd, context, !options.dryRun);
    const provenance = provenanceOf(model, options, parameters, settings, matchStd);
    let output = { files: [] as string[], bytes: 0 };
    if (!options.dryRun) {
      const layout = initLayout(plan, options.output!, options.maxShardSize);
      await checkOutputs([...layout.shards.map((shard) => shard.file), ...(layout.index ? [layout.index] : [])], inputs);
      const total = plan.tensors.reduce((sum, planned) => sum + planned.bytes, 0);
      if (bar && total >= PROGRESS_MIN_BYTES) bar.start(options.output!, total);
      output = await writeInit(plan, layout, outputMetadata(model, initMetadata(provenance, rows(plan))), options.signs === "like", { ...context, onBytes: (bytes) => bar?.advance(bytes) });
      bar?.clear();
    }
    const report: InitReport = { ...provenance, dry_run: options.dryRun, output, tensors: rows(plan), warnings: plan.warnings };
    if (!options.quiet || options.dryRun) {
      await emit(options.format === "json" ? renderInitJson(report) : renderInitTable(report, { color: colorEnabled(process.stdout), verbose: false }), undefined);
    }
    return 0;
  } finally {
    bar?.clear();
    await executor?.close();
    await pool.close();
  }
}

function rows(plan: InitPlan): InitReport["tensors"] {
  return plan.tensors.map((planned) => planned.row);
}

function provenanceOf(model: OpenedModel, options: InitOptions, parameters: ParameterSource, settings: AnalysisSettings, matchStd: MatchStd | undefined): InitProvenance {
  return {
    tool: "jaynes",
    version: VERSION,
    command: "init",
    source: model.path,
    source_format: model.format,
    seed: options.seed,
    generator: "philox4x32-10",
    parameters: parameters.kind === "file" ? { kind: "file", file: parameters.fit.file, model: parameters.fit.model } : parameters.kind === "given" ? { kind: "given", mu: parameters.mu, sigma: parameters.sigma } : { kind: "fit" },
    signs: options.signs,
    scale: options.scale ?? null,
    match_std: matchStd ?? null,
    settings: { bins: settings.bins, min_params: settings.minParams, include: settings.include, exclude: settings.exclude, include_flagged: settings.includeFlagged },
  };
}
