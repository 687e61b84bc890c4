/** `jaynes fit PATH...`: analyse models and print the per-layer lognormal table. */
import { Command } from "commander";
import { analyzeOpenedModel, type ModelResult } from "../analysis/model.js";
import { nonfiniteTensors, nonfiniteWarning } from "../analysis/nonfinite.js";
import type { AnalysisSettings } from "../analysis/settings.js";
import { InputError } from "../errors.js";
import { groupShards, openModel, resolveInputs, type ModelInput } from "../formats/open.js";
import type { LayerResult } from "../analysis/layerResult.js";
import { writeFileAtomic } from "../io/atomicWrite.js";
import { isHubAddress } from "../io/hub/index.js";
import { defaultJobs } from "../parallel/executor.js";
import { renderCsv } from "../report/csv.js";
import { renderModelFigures, writeFigures } from "../report/figureFiles.js";
import { renderHtmlReport } from "../report/html.js";
import { type Failure, renderJson, renderJsonl } from "../report/json.js";
import { renderTables } from "../report/table.js";
import type { LayerStatistics } from "../stats/valueSummary.js";
import { VERSION } from "../version.js";
import { type AnalysisOptionValues, addAnalysisOptions, analysisSettings } from "./analysisOptions.js";
import { checkOutputFile, emit, type OutputFormat, prepareOutputDirectory } from "./output.js";
import { type HubCliOptions, HUB_HELP, addHubOptions, applyHubOptions, logHubTraffic } from "./hubOptions.js";
import { choiceOption, integerOption, timeoutOption } from "./options.js";
import { withInputDeadline } from "../io/inputSignal.js";
import { PROGRESS_MIN_BYTES, ProgressBar } from "./progress.js";
import { colorEnabled, logLine, progressEnabled } from "./terminal.js";

interface FitOptions extends HubCliOptions, AnalysisOptionValues {
  format: OutputFormat;
  output?: string;
  plot?: string;
  html?: string;
  verbose: boolean;
  progress: boolean;
  jobs: number;
  timeout?: number | undefined;
}

export function fitCommand(): Command {
  const command = new Command("fit")
    .description("fit the size-weighted |w| histogram of every layer with a lognormal, weigh it against alternatives (METHOD.md §1–5)")
    .argument("<path...>", "model file, shard index, directory, several shard files, or hf://owner/repo[@revision][/path]")
    .option("-f, --format <format>", "output format: table, csv, json, jsonl", choiceOption("--format", ["table", "csv", "json", "jsonl"] as const), "table")
    .option("-o, --output <file>", "write the output to FILE (atomically) instead of stdout")
    .option("--plot <dir>", "write figures to DIR: per layer the histogram with every fit, per model μ/σ by depth, R², μ–σ (SVG + Vega-Lite .vl.json)")
    .option("--html <file>", "write one self-contained HTML report (tables and figures) to FILE");
  addAnalysisOptions(command)
    .option("-v, --verbose", "list skipped tensors and why", false)
    .option("-j, --jobs <n>", "worker threads for large models (one per core by default)", integerOption("--jobs", 1, 256), defaultJobs())
    .option("--no-progress", "never draw a progress bar")
    .option("--timeout <seconds>", "give up on an input not analysed within SECONDS (exit code 2; the others are still analysed); default: no limit", timeoutOption);
  return addHubOptions(command)
    .addHelpText(
      "after",
      `
Examples:
  $ jaynes fit model.safetensors
  $ jaynes fit model-00001-of-00002.safetensors model-00002-of-00002.safetensors
  $ jaynes fit model.safetensors.index.json --include '**.mlp.*'
  $ jaynes fit ./checkpoint-dir --format csv -o layers.csv
  $ jaynes fit model.onnx pose_landmark_full.tflite web/model.json
  $ jaynes fit model.safetensors --format jsonl | jq 'select(.flags == []) | .sigma'
  $ jaynes fit hf://openai-community/gpt2 --include 'h.0.*'
  $ jaynes fit model.safetensors --plot figures/ --html report.html
  $ jaynes fit downloads/*.h5 --timeout 300

Exit codes: 0 ok, 1 usage error, 2 an input was unreadable or invalid, held NaN/Inf weights, or was
not analysed within --timeout (the other inputs are still analysed and reported; Hub errors — no
access, not found, rate limit or network failure after retries — are input errors too), 73 an output
(-o, --html, --plot) could not be written, 130/143 interrupted.
${HUB_HELP}`,
    )
    .action(async (paths: string[], options: FitOptions) => {
      process.exitCode = await runFit(paths, options);
    });
}

async function runFit(paths: string[], options: FitOptions): Promise<number> {
  applyHubOptions(options);
  const settings: Partial<AnalysisSettings> = analysisSettings(options);
  if (options.plot !== undefined) await prepareOutputDirectory(options.plot, "--plot");
  if (options.html !== undefined) await checkOutputFile(options.html, "--html", paths);
  if (options.output !== undefined) await checkOutputFile(options.output, "-o", paths);
  const failures: Failure[] = [];
  const results: ModelResult[] = [];
  const fail = (model: string, error: unknown): void => {
    if (!(error instanceof InputError)) throw error;
    failures.push({ model, error: error.message, code: error.code });
    logLine(`jaynes: error: ${error.message}`);
  };

  const inputs: ModelInput[] = [];
  for (const path of paths) {
    try {
      for (const input of await resolveInputs([path])) inputs.push(input);
    } catch (error) {
      fail(path, error);
    }
  }
  // Shards named one by one belong together even when given as separate arguments.
  const grouped = regroup(inputs);

  const bar = options.progress && progressEnabled() ? new ProgressBar() : undefined;
  // Bin counts by tensor, per analysed model, for the figures.
  const histograms: Map<string, Float64Array>[] = [];
  const drawing = options.plot !== undefined || options.html !== undefined;
  for (const input of grouped) {
    try {
      const counts = new Map<string, Float64Array>();
      const result = await withInputDeadline(input.display, options.timeout, async () => analyzeOpenedModel(await openModel(input.paths.length === 1 ? input.paths[0]! : input.paths), settings, {
        jobs: options.jobs,
        ...(drawing ? { onLayer: (layer: LayerResult, statistics: LayerStatistics) => counts.set(layer.tensor, statistics.counts) } : {}),
        onStart: (_model, total) => {
          // Downloads are slow enough to be worth watching at any size.
          if (bar && (total >= PROGRESS_MIN_BYTES || (isHubAddress(input.display) && total > 0))) bar.start(input.display, total);
        },
        onBytes: (bytes) => bar?.advance(bytes),
      }));
      bar?.clear();
      results.push(result);
      histograms.push(counts);
    } catch (error) {
      bar?.clear();
      fail(input.display, error);
    }
  }

  if (options.verbose) logHubTraffic();

  let nonfinite = false;
  for (const result of results) {
    for (const entry of nonfiniteTensors(result)) {
      nonfinite = true;
      logLine(nonfiniteWarning(result.model, entry));
    }
  }

  if (results.length > 0 || options.format === "json") {
    const text = render(options, results, failures);
    if (results.length > 0 || !options.output) await emit(text, options.output);
  }
  if (drawing && results.length > 0) {
    const figures = await renderModelFigures(results, histograms);
    if (options.plot !== undefined) await writeFigures(options.plot, figures);
    if (options.html !== undefined) await writeFileAtomic(options.html, renderHtmlReport(figures, { version: VERSION, failures }));
  }
  return failures.length > 0 || nonfinite ? 2 : 0;
}

function regroup(inputs: ModelInput[]): ModelInput[] {
  const singles = inputs.filter((input) => input.paths.length === 1).map((input) => input.paths[0]!);
  const multi = inputs.filter((input) => input.paths.length > 1);
  return [...groupShards(singles), ...multi];
}

function render(options: FitOptions, results: ModelResult[], failures: Failure[]): string {
  switch (options.format) {
    case "csv":
      return renderCsv(results);
    case "json":
      return renderJson({ tool: "jaynes", version: VERSION, models: results, failures });
    case "jsonl":
      return renderJsonl(results);
    case "table":
      return renderTables(results, { color: !options.output && colorEnabled(process.stdout), verbose: options.verbose });
  }
}
