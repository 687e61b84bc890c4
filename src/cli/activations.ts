/** `jaynes activations MODEL... --input DATA`: lognormal fits of neuron outputs (METHOD §8). */
import { Command, InvalidArgumentError } from "commander";
import type { ActivationLayer, ActivationResult } from "../analysis/activations/result.js";
import { ACTIVATION_VIEWS, viewAsModelResult } from "../analysis/activations/result.js";
import type { UnitAxisSetting } from "../analysis/activations/unitMeans.js";
import { compareModels } from "../analysis/compare.js";
import { InputError, UsageError } from "../errors.js";
import { writeFileAtomic } from "../io/atomicWrite.js";
import { defaultJobs } from "../parallel/executor.js";
import { renderActivationCsv, renderActivationJson, renderActivationJsonl, renderActivationTables } from "../report/activations.js";
import { renderComparisonCsv, renderComparisonTable } from "../report/compare.js";
import { renderModelFigures, writeFigures } from "../report/figureFiles.js";
import { renderHtmlReport } from "../report/html.js";
import { type Failure, renderJsonDocument } from "../report/json.js";
import { integer } from "../report/numbers.js";
import { DEFAULT_MIN_UNITS, type SecondPassChoice, runActivations } from "../run/activations.js";
import { DEFAULT_RANDOM_SAMPLES, type InputSpec, type RandomDistribution } from "../runtime/inputs.js";
import type { LayerStatistics } from "../stats/valueSummary.js";
import { VERSION } from "../version.js";
import { type AnalysisOptionValues, addAnalysisOptions, analysisSettings } from "./analysisOptions.js";
import { checkOutputFile, emit, prepareOutputDirectory } from "./output.js";
import { choiceOption, integerOption } from "./options.js";
import { ProgressBar } from "./progress.js";
import { colorEnabled, logLine, progressEnabled } from "./terminal.js";

type ActivationFormat = "table" | "csv" | "json" | "jsonl";

interface ActivationOptions extends AnalysisOptionValues {
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
  format: ActivationFormat;
  output?: string;
  plot?: string;
  html?: string;
  spillDir?: string;
  verbose: boolean;
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
    .description("run a model on real inputs and fit the lognormal to every layer's outputs, pooled and per unit (METHOD.md §8)")
    .argument("<model...>", "ONNX model file(s); several are each run on the same inputs")
    .option("-i, --input <spec>", "inputs: FILE (.npy/.npz/safetensors; first axis = samples; tensors matched to input names), NAME=FILE, or NAME=NUMBER (a constant, e.g. sr=16000, state=0); repeatable", parseInputSpec, [])
    .option("--random <distribution>", "feed float inputs not given by --input with random values: gaussian (N(0,1)) or uniform (U[0,1)) — a baseline, never real data", choiceOption("--random", ["gaussian", "uniform"] as const))
    .option("--seed <n>", "seed of --random", integerOption("--seed", 0, 2 ** 32 - 1), 0)
    .option("--shape <spec>", "per-sample dims of a --random input whose graph dims are dynamic: NAME=DxD… (repeatable)", parseShape, [])
    .option("--batch <n>", "samples per run of the model", integerOption("--batch", 1, 1_000_000), 64)
    .option("--limit <n>", `use at most N samples (--random alone: ${DEFAULT_RANDOM_SAMPLES} unless given)`, integerOption("--limit", 1))
    .option("--unit-axis <axis>", "axis of the units (neurons, channels) for the per-unit view: auto (rank 2 and channels-first ops: 1, else the last), or a number", unitAxisOption, "auto" as UnitAxisSetting)
    .option("--min-units <n>", "skip the per-unit view of values with fewer units", integerOption("--min-units", 1), DEFAULT_MIN_UNITS)
    .option("--compare <model>", "run a second checkpoint of the same architecture on the same inputs and print the differences per view")
    .option("-f, --format <format>", "output format: table, csv, json, jsonl", choiceOption("--format", ["table", "csv", "json", "jsonl"] as const), "table")
    .option("-o, --output <file>", "write the output to FILE (atomically) instead of stdout")
    .option("--plot <dir>", "write figures to DIR (per value and view: the histogram with every fit; per view: μ/σ by depth, R², μ–σ)")
    .option("--html <file>", "write one self-contained HTML report to FILE")
    .option("--second-pass <source>", "where pass 2 of the pooled histograms reads the values: spill (a temporary file), rerun (run the model again), auto (spill up to 4 GiB)", choiceOption("--second-pass", ["auto", "spill", "rerun"] as const), "auto" as SecondPassChoice)
    .option("--spill-dir <dir>", "folder for the spill file (default: the system's temporary folder)");
  addAnalysisOptions(command)
    .option("-v, --verbose", "list skipped values and unobserved parts of the model", false)
    .option("-j, --jobs <n>", "threads for the runtime and for the accumulation (one per core by default)", integerOption("--jobs", 1, 256), defaultJobs())
    .option("--no-progress", "never draw a progress bar");
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

Every node output of a floating type that depends on the inputs is a layer (select with
--include/--exclude on value names). Each is reported twice: pooled (all |a| over samples and
units) and per unit (each neuron's or channel's mean |a| over the inputs). The runtime is the
optional package onnxruntime-node; without it this command exits 1 saying how to install it.
Exit codes: 0 ok, 1 usage error (or the runtime is not installed), 2 a model or input was
unreadable or invalid, or the model failed on the inputs (the other models are still run).`,
    )
    .action(async (models: string[], options: ActivationOptions) => {
      process.exitCode = await runCommand(models, options);
    });
}

async function runCommand(models: string[], options: ActivationOptions): Promise<number> {
  if (options.input.length === 0 && !options.random) throw new UsageError("activations needs inputs: --input FILE (real data), or --random gaussian|uniform for a baseline");
  if (options.compare !== undefined && models.length !== 1) throw new UsageError("--compare takes one model argument (the reference) and one --compare model");
  if (options.compare !== undefined && options.format === "jsonl") throw new UsageError("--compare writes table, csv or json");
  if (options.plot !== undefined) await prepareOutputDirectory(options.plot, "--plot");
  if (options.html !== undefined) await checkOutputFile(options.html, "--html");
  if (options.output !== undefined) await checkOutputFile(options.output, "-o");

  const failures: Failure[] = [];
  const results: ActivationResult[] = [];
  const histograms: Map<string, Float64Array>[][] = [];
  const drawing = options.plot !== undefined || options.html !== undefined;
  const bar = options.progress && progressEnabled() ? new ProgressBar(process.stderr, (n) => integer(Math.round(n)), " samples/s") : undefined;
  const paths = options.compare !== undefined ? [...models, options.compare] : models;
  for (const path of paths) {
    const counts = ACTIVATION_VIEWS.map(() => new Map<string, Float64Array>());
    let reported = 0;
    try {
      const result = await runActivations(path, {
        settings: { ...analysisSettings(options), minUnits: options.minUnits, unitAxis: options.unitAxis },
        inputs: options.input,
        batch: options.batch,
        secondPass: options.secondPass,
        input: { ...(options.limit !== undefined ? { limit: options.limit } : {}), ...(options.random ? { random: options.random } : {}), seed: options.seed, shapes: new Map(options.shape) },
        jobs: options.jobs,
        ...(options.spillDir !== undefined ? { spillDir: options.spillDir } : {}),
        onPass: (pass, total) => {
          reported = 0;
          bar?.start(pass > 1 ? `${path} (second run)` : path, total);
        },
        onSamples: (done) => {
          bar?.advance(done - reported);
          reported = done;
        },
        ...(drawing ? { onLayer: (layer: ActivationLayer, statistics: LayerStatistics) => counts[ACTIVATION_VIEWS.indexOf(layer.view)]!.set(layer.tensor, statistics.counts) } : {}),
      });
      bar?.clear();
      results.push(result);
      histograms.push(counts);
    } catch (error) {
      bar?.clear();
      if (!(error instanceof InputError)) throw error;
      failures.push({ model: path, error: error.message, code: error.code });
      logLine(`jaynes: error: ${error.message}`);
      if (options.compare !== undefined) return 2;
    }
  }
  for (const result of results) {
    for (const view of ACTIVATION_VIEWS) {
      for (const layer of result[view].layers) {
        if (layer.nonfinite > 0) logLine(`jaynes: warning: ${result.model}: value ${JSON.stringify(layer.tensor)} (${view}): ${layer.nonfinite} NaN/Inf values dropped (flagged "nonfinite")`);
      }
    }
  }
  const nonfinite = results.some((result) => ACTIVATION_VIEWS.some((view) => result[view].layers.some((layer) => layer.nonfinite > 0)));

  const color = !options.output && colorEnabled(process.stdout);
  if (options.compare !== undefined) {
    await emit(renderComparison(results[0]!, results[1]!, options, color), options.output);
  } else if (results.length > 0 || options.format === "json") {
    const text = render(results, failures, options, color);
    if (results.length > 0 || !options.output) await emit(text, options.output);
  }
  if (drawing && results.length > 0) {
    const views = results.flatMap((result) => ACTIVATION_VIEWS.map((view) => viewAsModelResult(result, view)));
    const figures = await renderModelFigures(views, histograms.flat());
    if (options.plot !== undefined) await writeFigures(options.plot, figures);
    if (options.html !== undefined) await writeFileAtomic(options.html, renderHtmlReport(figures, { version: VERSION, failures, title: "jaynes activations", introHtml: HTML_INTRO, methodSections: "METHOD.md §8" }));
  }
  return failures.length > 0 || nonfinite ? 2 : 0;
}

const HTML_INTRO = `<p class="note">Neuron outputs (METHOD.md §8). Each observed value is shown twice: <b>pooled</b> — every |a| over all inputs, samples × units × positions, normalised by its max — and <b>per unit</b> — one number per neuron or channel, its mean |a| over the inputs.
Both are binned and fitted exactly as weights are: the size-weighted histogram with the paper's lognormal (A, μ, σ, R²), and on the same histogram a half-normal, an exponential and a power law;
<b>null R²</b> is what the lognormal scores on a Gaussian sample of the same size, <b>best</b> the family with the smallest AIC. Flagged layers (grey) are left out of the summary row.</p>`;

function render(results: ActivationResult[], failures: Failure[], options: ActivationOptions, color: boolean): string {
  switch (options.format) {
    case "csv":
      return renderActivationCsv(results);
    case "json":
      return renderActivationJson(results, failures, VERSION);
    case "jsonl":
      return renderActivationJsonl(results);
    case "table":
      return renderActivationTables(results, { color, verbose: options.verbose });
  }
}

function renderComparison(a: ActivationResult, b: ActivationResult, options: ActivationOptions, color: boolean): string {
  const comparisons = ACTIVATION_VIEWS.map((view) => ({ view, comparison: compareModels(viewAsModelResult(a, view), viewAsModelResult(b, view)) }));
  switch (options.format) {
    case "json":
      return renderJsonDocument({ tool: "jaynes", version: VERSION, command: "activations --compare", views: Object.fromEntries(comparisons.map(({ view, comparison }) => [view, comparison])) });
    case "csv": {
      // One header, a `view` column in front.
      const parts = comparisons.map(({ view, comparison }) => {
        const lines = renderComparisonCsv(comparison).trimEnd().split("\n");
        return { header: `view,${lines[0]}`, rows: lines.slice(1).map((line) => `${view},${line}`) };
      });
      return `${[parts[0]!.header, ...parts.flatMap((part) => part.rows)].join("\n")}\n`;
    }
    default:
      return comparisons.map(({ comparison }) => renderComparisonTable(comparison, { color, verbose: options.verbose })).join("\n");
  }
}

