/**
 * `jaynes init --like MODEL -o OUT.safetensors`: options → the init use case (run/init.ts) → a
 * renderer from the registry. METHOD §9.
 */
import { Command, Option } from "commander";
import { MATCH_STD_CHOICES, type MatchStd } from "../analysis/init/plan.js";
import { UsageError } from "../errors.js";
import { render } from "../report/registry.js";
import { type InitRequest, runInit } from "../run/init.js";
import { cliEnvironment } from "./environment.js";
import { HUB_HELP, type HubCliOptions, addHubOptions } from "./hubOptions.js";
import { byteSizeOption, choiceOption, collect, integerOption, numberOption, positiveNumberOption } from "./options.js";
import { checkOutputTargets, emit } from "./output.js";
import { tableContext } from "./tableOptions.js";
import { addFormatOptions, addJobsOption, addProgressOption, chosenFormat } from "./vocabulary.js";

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
  format: string;
  json: boolean;
  verbose: boolean;
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
    .description("write a checkpoint whose layers are drawn from fitted lognormals (a lognormal hot start, docs/METHOD.md §9)")
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
    .option("--bins <n>", "bins of the fits drawn from (as fit)", integerOption("--bins", 2, 1_000_000), 100)
    .option("--min-params <n>", "layers with fewer elements are copied, not drawn (as fit)", integerOption("--min-params", 0), 10_000)
    .option("--include <glob>", "draw only tensors whose name matches (repeatable; the others are copied)", collect, [])
    .option("--exclude <glob>", "copy tensors whose name matches (repeatable)", collect, [])
    .option("--include-flagged", "draw flagged layers too (their fitted μ, σ may mean nothing; sensible with --mu/--sigma)", false)
    .option("-v, --verbose", "list the files skipped in folders (optimizer states, configs, …) with the reason", false)
    .option("-q, --quiet", "print nothing on success (no table, no progress)", false);
  // -o is the checkpoint written, so the report has no -o of its own (redirect stdout).
  addFormatOptions(command, "init", "the report of what is drawn and copied", { output: false });
  addJobsOption(command, "drawing");
  addProgressOption(command);
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
to that standard deviation. The same seed gives the same bytes on every machine. Each drawn layer
records the fit's SE of σ and the σ₀ a Gaussian layer of its size gives; a layer holding the same
values as an earlier one (tied weights) is drawn identically to it.
Exit codes: 0 ok, 1 usage error, 2 the model or the fit file was unreadable or invalid, 73 the
checkpoint could not be written (-o an input, a folder, a FIFO or device, or in a missing folder).
${HUB_HELP}`,
    )
    .action(async (options: InitOptions, self: Command) => {
      process.exitCode = await init(options, self);
    });
}

function request(options: InitOptions): InitRequest {
  if ((options.mu === undefined) !== (options.sigma === undefined)) throw new UsageError("--mu and --sigma go together");
  if (options.from !== undefined && options.mu !== undefined) throw new UsageError("--from and --mu/--sigma are alternatives; give one");
  if (options.scale !== undefined && options.matchStd !== undefined) throw new UsageError("--scale and --match-std both set the scale; give one");
  if (options.output === undefined && !options.dryRun) throw new UsageError("-o/--output is required (or --dry-run)");
  const matchStd: MatchStd | undefined = options.matchStd === true ? "like" : options.matchStd;
  return {
    like: options.like,
    ...(options.output !== undefined ? { output: options.output } : {}),
    dryRun: options.dryRun,
    parameters: options.from !== undefined ? { kind: "file", file: options.from } : options.mu !== undefined ? { kind: "given", mu: options.mu, sigma: options.sigma! } : { kind: "fit" },
    seed: options.seed,
    signs: options.signs,
    ...(options.scale !== undefined ? { scale: options.scale } : {}),
    ...(matchStd !== undefined ? { matchStd } : {}),
    maxShardBytes: options.maxShardSize,
    settings: { bins: options.bins, minParams: options.minParams, include: options.include, exclude: options.exclude, includeFlagged: options.includeFlagged },
  };
}

async function init(options: InitOptions, self: Command): Promise<number> {
  const format = chosenFormat(options, self);
  const initRequest = request(options);
  await checkOutputTargets([{ option: "-o", path: options.output, kind: "file", filesOnly: true }]);
  const report = await runInit(initRequest, cliEnvironment({ ...options, progress: options.progress && !options.quiet }));
  if (!options.quiet || options.dryRun) await emit(render("init", format, report, tableContext(options, undefined)), undefined);
  return 0;
}
