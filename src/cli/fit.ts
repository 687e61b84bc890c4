/** `jaynes fit PATH...`: options → the fit use case (run/fit.ts) → a renderer from the registry. */
import { Command } from "commander";
import { defaultJobs } from "../parallel/executor.js";
import { formatsOf, render } from "../report/registry.js";
import { requireFigureRenderer } from "../report/vega.js";
import { fitExitCode, runFit, writeFitFigures } from "../run/fit.js";
import { type AnalysisOptionValues, addAnalysisOptions, analysisSettings } from "./analysisOptions.js";
import { cliEnvironment } from "./environment.js";
import { checkOutputFile, emit, prepareOutputDirectory } from "./output.js";
import { type HubCliOptions, HUB_HELP, addHubOptions, logHubTraffic } from "./hubOptions.js";
import { choiceOption, integerOption, timeoutOption } from "./options.js";
import { colorEnabled } from "./terminal.js";

const FORMATS = formatsOf("fit");

interface FitOptions extends HubCliOptions, AnalysisOptionValues {
  format: string;
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
    .description("fit the size-weighted |w| histogram of every layer with a lognormal, weigh it against alternatives (docs/METHOD.md §1–5)")
    .argument("<path...>", "model file, shard index, directory, several shard files, or hf://owner/repo[@revision][/path]")
    .option("-f, --format <format>", `output format: ${FORMATS.join(", ")}`, choiceOption("--format", FORMATS), FORMATS[0])
    .option("-o, --output <file>", "write the output to FILE (atomically) instead of stdout")
    .option("--plot <dir>", "write figures to DIR: per layer the histogram with every fit, per model μ/σ by depth, R², μ–σ (SVG + Vega-Lite .vl.json)")
    .option("--html <file>", "write one self-contained HTML report (tables and figures) to FILE");
  addAnalysisOptions(command)
    .option("-v, --verbose", "list skipped tensors, and files skipped in folders (optimizer states, configs, …), with the reason", false)
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
  $ jaynes fit output_dir/checkpoint-500 -v          # Trainer folder: optimizer.pt etc. listed as skipped
  $ jaynes fit ~/.cache/huggingface/hub/models--org--model/snapshots/<commit>/
  $ HF_HUB_OFFLINE=1 jaynes fit hf://org/model       # from the Hugging Face cache, no request
  $ jaynes fit model.onnx pose_landmark_full.tflite web/model.json
  $ jaynes fit model.safetensors --format jsonl | jq 'select(.flags == []) | .sigma'
  $ jaynes fit hf://openai-community/gpt2 --include 'h.0.*'
  $ jaynes fit model.safetensors --plot figures/ --html report.html
  $ jaynes fit downloads/*.h5 --timeout 300
  $ jaynes fit model.safetensors --bootstrap 200            # SE and 95 % intervals of μ, σ (max|w| resampled)
  $ jaynes fit model.safetensors --normalize quantile:0.999 # x = |w| / (exact 99.9 % quantile of |w|)
  $ jaynes fit model.safetensors --format jsonl | jq '{tensor, sigma, sigma0: .null_gaussian.sigma, best_ml}'

Every layer carries its Gaussian and Laplace nulls (null_gaussian, null_laplace), the fit's SE,
σ at B/2 and 2B bins, μ without the largest weight, every family at its maximum likelihood
(best_ml) and the flags ill-conditioned, sparse, bin-sensitive, peak-outside (docs/METHOD.md §7).

Exit codes: 0 ok, 1 usage error, 2 an input was unreadable or invalid, held NaN/Inf weights, or was
not analysed within --timeout (the other inputs are still analysed and reported; Hub errors — no
access, not found, rate limit or network failure after retries — are input errors too), 70 a bug,
73 an output (-o, --html, --plot) could not be written, 130/143 interrupted.
${HUB_HELP}`,
    )
    .action(async (paths: string[], options: FitOptions) => {
      process.exitCode = await fit(paths, options);
    });
}

async function fit(paths: string[], options: FitOptions): Promise<number> {
  const figureOptions = [options.plot !== undefined ? "--plot" : "", options.html !== undefined ? "--html" : ""].filter(Boolean);
  if (figureOptions.length > 0) await requireFigureRenderer(figureOptions.join(" and "));
  if (options.plot !== undefined) await prepareOutputDirectory(options.plot, "--plot");
  if (options.html !== undefined) await checkOutputFile(options.html, "--html", paths);
  if (options.output !== undefined) await checkOutputFile(options.output, "-o", paths);
  const drawing = options.plot !== undefined || options.html !== undefined;
  const run = await runFit({ paths, settings: analysisSettings(options), keepHistograms: drawing, ...(options.timeout !== undefined ? { timeout: options.timeout } : {}) }, cliEnvironment(options));
  if (options.verbose) logHubTraffic();
  // An empty run prints nothing, except the JSON document (it lists the failures).
  if (run.models.length > 0 || options.format === "json") {
    const text = render("fit", options.format, { models: run.models.map(({ result }) => result), failures: run.failures }, { color: !options.output && colorEnabled(process.stdout), verbose: options.verbose });
    if (run.models.length > 0 || !options.output) await emit(text, options.output);
  }
  await writeFitFigures(run, { ...(options.plot !== undefined ? { plot: options.plot } : {}), ...(options.html !== undefined ? { html: options.html } : {}) });
  return fitExitCode(run);
}
