/** `jaynes activations MODEL... --input DATA`: options → the activations use case (run/activations.ts) → a renderer from the registry. */
import { Command, InvalidArgumentError } from "commander";
import type { UnitAxisSetting } from "../analysis/activations/unitMeans.js";
import { UsageError } from "../errors.js";
import { formatsOf, render } from "../report/registry.js";
import { failureExitCode } from "../run/batch.js";
import { DEFAULT_MIN_UNITS, type SecondPassChoice, activationsExitCode, runActivationsBatch, runActivationsComparison, writeActivationFigures } from "../run/activations.js";
import { DEFAULT_RANDOM_SAMPLES, type InputSpec, type RandomDistribution } from "../runtime/inputs.js";
import { type AnalysisOptionValues, addAnalysisOptions, analysisSettings } from "./analysisOptions.js";
import { cliEnvironment } from "./environment.js";
import { checkOutputTargets, emit } from "./output.js";
import { choiceOption, integerOption } from "./options.js";
import { tableContext } from "./tableOptions.js";
import { commandLog } from "./terminal.js";
import { type FormatOptionValues, type VerbosityValues, addFormatOptions, addJobsOption, addProgressOption, addRuntimeMemoryOption, addTimeoutOption, addVerbosityOptions, chosenFormat } from "./vocabulary.js";

const FORMATS = formatsOf("activations");
const COMPARE_FORMATS = formatsOf("activations-compare");

interface ActivationOptions extends AnalysisOptionValues, FormatOptionValues, VerbosityValues {
  input: InputSpec[];
  random?: RandomDistribution;
  seed: number;
  shape: [string, number[]][];
  batch: number;
  limit?: number;
  unitAxis: UnitAxisSetting;
  minUnits: number;
  compare?: string;
  secondPass: SecondPassChoice;
  plot?: string;
  html?: string;
  spillDir?: string;
  timeout?: number | undefined;
  runtimeMemory?: number;
  progress: boolean;
  jobs: number;
}

/** `--input FILE`, `--input NAME=FILE`, `--input NAME=NUMBER` (a constant). */
export function parseInputSpec(value: string, previous: InputSpec[]): InputSpec[] {
  const equals = value.indexOf("=");
  const name = equals > 0 ? value.slice(0, equals) : "";
  // A path may hold "=": only a prefix without "/" names an input.
  if (equals <= 0 || name.includes("/")) return [...previous, { kind: "file", path: value }];
  const rest = value.slice(equals + 1);
  if (rest === "") throw new InvalidArgumentError(`--input ${value}: nothing after "="; write NAME=FILE or NAME=NUMBER.`);
  const number = Number(rest);
  if (rest.trim() !== "" && Number.isFinite(number) && /^[-+0-9.eE]+$/.test(rest.trim())) return [...previous, { kind: "fill", name, value: number }];
  return [...previous, { kind: "file", name, path: rest }];
}

/** `--shape NAME=3x48x320`: per-sample dims of a random input. */
export function parseShape(value: string, previous: [string, number[]][]): [string, number[]][] {
  const match = /^([^=]+)=(\d+(?:x\d+)*)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`--shape must be NAME=DxDx… (the dims after the batch axis), e.g. x=3x48x320.`);
  return [...previous, [match[1]!, match[2]!.split("x").map(Number)]];
}

function unitAxisOption(value: string): UnitAxisSetting {
  if (value === "auto") return "auto";
  if (/^-?\d+$/.test(value)) return Number(value);
  throw new InvalidArgumentError("--unit-axis must be auto or an axis number (negative counts from the end).");
}

export function activationsCommand(): Command {
  const command = new Command("activations")
    .description("run a model on real inputs and fit the lognormal to every layer's outputs, pooled and per unit (docs/METHOD.md §8)")
    .argument("<model...>", "ONNX model file(s); several are each run on the same inputs")
    .option("-i, --input <spec>", "inputs: FILE (.npy/.npz/safetensors; first axis = samples; tensors matched to input names), NAME=FILE, or NAME=NUMBER (a constant, e.g. sr=16000, state=0); repeatable", parseInputSpec, [])
    .option("--random <distribution>", "feed float inputs not given by --input with random values: gaussian (N(0,1)) or uniform (U[0,1)) — a baseline, never real data", choiceOption("--random", ["gaussian", "uniform"] as const))
    .option("--seed <n>", "seed of --random and of the bootstrap (--bootstrap)", integerOption("--seed", 0, 2 ** 32 - 1), 0)
    .option("--shape <spec>", "per-sample dims of a --random input whose graph dims are dynamic: NAME=DxD… (repeatable)", parseShape, [])
    .option("--batch <n>", "samples per run of the model", integerOption("--batch", 1, 1_000_000), 64)
    .option("--limit <n>", `use at most N samples (--random alone: ${DEFAULT_RANDOM_SAMPLES} unless given)`, integerOption("--limit", 1))
    .option("--unit-axis <axis>", "axis of the units (neurons, channels) for the per-unit view: auto (rank 2 and channels-first ops: 1, else the last), or a number", unitAxisOption, "auto" as UnitAxisSetting)
    .option("--min-units <n>", "skip the per-unit view of values with fewer units", integerOption("--min-units", 1), DEFAULT_MIN_UNITS)
    .option("--compare <model>", "run a second checkpoint of the same architecture on the same inputs and print the differences per view");
  addFormatOptions(command, "activations", `the tables (with --compare: ${COMPARE_FORMATS.join(", ")})`, { also: COMPARE_FORMATS });
  command
    .option("--plot <dir>", "write figures to DIR (per value and view: the histogram with every fit; per view: μ/σ by depth, R², μ–σ)")
    .option("--html <file>", "write one self-contained HTML report to FILE")
    .option("--second-pass <source>", "where pass 2 of the pooled histograms reads the values: spill (a temporary file), rerun (run the model again), auto (spill up to 4 GiB)", choiceOption("--second-pass", ["auto", "spill", "rerun"] as const), "auto" as SecondPassChoice)
    .option("--spill-dir <dir>", "folder for the spill file (default: the system's temporary folder)");
  addAnalysisOptions(command, { seed: false });
  addVerbosityOptions(command, "list skipped values and unobserved parts of the model; log every figure file written");
  addJobsOption(command, "for the runtime and for the accumulation");
  addProgressOption(command);
  addTimeoutOption(command, "give up on a model not finished within SECONDS: its runtime is stopped, it fails with code timeout (exit 2) and the other models are still run; default: no limit");
  addRuntimeMemoryOption(command);
  return command
    .addHelpText(
      "after",
      `
Examples:
  $ jaynes activations mnist.onnx --input digits.npy
  $ jaynes activations model.onnx --input input_ids=tokens.npy --input attention_mask=mask.npy --batch 8
  $ jaynes activations silero_vad.onnx --input input=audio.npy --input state=0 --input sr=16000
  $ jaynes activations model.onnx --random gaussian --limit 1000 --shape x=3x224x224
  $ jaynes activations epoch00.onnx --compare epoch10.onnx --input digits.npy
  $ jaynes activations mnist.onnx --input digits.npy --format csv -o activations.csv --html report.html
  $ jaynes activations mnist.onnx --input digits.npy --bootstrap 200 --seed 1
  $ jaynes activations downloads/*.onnx --random gaussian --limit 100 --timeout 600

Every node output of a floating type that depends on the inputs is a layer (select with
--include/--exclude on value names). Each is reported twice: pooled (all |a| over samples and
units) and per unit (each neuron's or channel's mean |a| over the inputs), with the evidence of
fit: the σ₀ of a Gaussian layer of the same size, the fit's SE (--bootstrap N: intervals), flags
that keep ill-posed fits out of the summary, best_ml. --normalize quantile:Q is not available here.
The runtime is the
optional package onnxruntime-node; without it this command exits 1 saying how to install it.
Models and input files are untrusted: the runtime runs in a process of its own, stopped at
--timeout, on Ctrl-C and above --runtime-memory; one batch of inputs holds at most 64 MiB.
Exit codes: 0 ok, 1 usage error (or the runtime is not installed), 2 a model or input was
unreadable or invalid, the model failed on the inputs, was not finished within --timeout or
passed --runtime-memory (the other models are still run), 73 an output (-o, --html, --plot)
could not be written, 130/143 interrupted.`,
    )
    .action(async (models: string[], options: ActivationOptions, self: Command) => {
      process.exitCode = await activations(models, options, self);
    });
}

async function activations(models: string[], options: ActivationOptions, self: Command): Promise<number> {
  const format = chosenFormat(options, self);
  const log = commandLog(options);
  if (options.input.length === 0 && !options.random) throw new UsageError("activations needs inputs: --input FILE (real data), or --random gaussian|uniform for a baseline");
  if (options.compare !== undefined && models.length !== 1) throw new UsageError("--compare takes one model argument (the reference) and one --compare model");
  if (options.compare !== undefined && !COMPARE_FORMATS.includes(format)) throw new UsageError(`--compare writes ${COMPARE_FORMATS.join(", ")}`);
  if (options.compare === undefined && !FORMATS.includes(format)) throw new UsageError(`--format must be one of: ${FORMATS.join(", ")} (${format} is for --compare)`);
  // Models and input files must never be overwritten by an output (checked again when written).
  const inputs = [...models, ...(options.compare !== undefined ? [options.compare] : []), ...options.input.flatMap((spec) => (spec.kind === "file" ? [spec.path] : []))];
  await checkOutputTargets([
    { option: "-o", path: options.output, kind: "file" },
    { option: "--html", path: options.html, kind: "file" },
    { option: "--plot", path: options.plot, kind: "folder" },
  ], inputs);
  const request = {
    models: options.compare !== undefined ? [models[0]!, options.compare] : models,
    settings: { ...analysisSettings(options), minUnits: options.minUnits, unitAxis: options.unitAxis },
    inputs: options.input,
    input: { ...(options.limit !== undefined ? { limit: options.limit } : {}), ...(options.random ? { random: options.random } : {}), seed: options.seed, shapes: new Map(options.shape) },
    batch: options.batch,
    secondPass: options.secondPass,
    ...(options.spillDir !== undefined ? { spillDir: options.spillDir } : {}),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.runtimeMemory !== undefined ? { runtimeMemoryBytes: options.runtimeMemory } : {}),
  };
  const env = cliEnvironment({ ...options, progress: options.progress && !options.quiet });
  const context = tableContext(options, options.output);
  if (options.compare !== undefined) {
    const { comparison, run } = await runActivationsComparison({ ...request, models: [models[0]!, options.compare] }, env);
    if (comparison) await emit(render("activations-compare", format, comparison, context), options.output);
    return comparison ? activationsExitCode(run) : failureExitCode(run.failures);
  }
  const run = await runActivationsBatch(request, env);
  // An empty run prints nothing, except the JSON document (it lists the failures).
  if (run.models.length > 0 || format === "json") {
    const text = render("activations", format, { models: run.models.map(({ result }) => result), failures: run.failures }, context);
    if (run.models.length > 0 || !options.output) await emit(text, options.output);
  }
  if (options.output !== undefined && run.models.length > 0) log.info(`wrote ${options.output}`);
  await writeActivationFigures(run, { ...(options.plot !== undefined ? { plot: options.plot } : {}), ...(options.html !== undefined ? { html: options.html } : {}) });
  if (options.plot !== undefined) log.info(`wrote the figures to ${options.plot}/`);
  if (options.html !== undefined) log.info(`wrote ${options.html}`);
  return activationsExitCode(run);
}
