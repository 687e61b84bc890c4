/** `jaynes fit PATH...`: options → the fit use case (run/fit.ts) → a renderer from the registry. */
import { Command } from "commander";
import { render } from "../report/registry.js";
import { fitExitCode, runFit, writeFitFigures } from "../run/fit.js";
import { type AnalysisOptionValues, addAnalysisOptions, analysisSettings } from "./analysisOptions.js";
import { cliEnvironment } from "./environment.js";
import { logFigureWrite } from "./figureOptions.js";
import { type HubCliOptions, HUB_HELP, addHubOptions, logHubTraffic } from "./hubOptions.js";
import { checkReportTargets, emit } from "./output.js";
import { type TableCliOptions, addTableOptions, tableContext } from "./tableOptions.js";
import { commandLog } from "./terminal.js";
import { type FormatOptionValues, type VerbosityValues, addFormatOptions, addJobsOption, addProgressOption, addTimeoutOption, addVerbosityOptions, chosenFormat } from "./vocabulary.js";

interface FitOptions extends HubCliOptions, AnalysisOptionValues, FormatOptionValues, VerbosityValues, TableCliOptions {
  plot?: string;
  html?: string;
  progress: boolean;
  jobs: number;
  timeout?: number | undefined;
}

export function fitCommand(): Command {
  const command = new Command("fit")
    .description("fit the size-weighted |w| histogram of every layer with a lognormal, weigh it against alternatives (docs/METHOD.md §1–5)")
    .argument("<path...>", "model file, shard index, directory, several shard files, or hf://owner/repo[@revision][/path]");
  addFormatOptions(command, "fit", "the layer tables");
  addTableOptions(command);
  command
    .option("--plot <dir>", "write figures to DIR/<model>/: per layer the histogram with every fit, per model μ/σ by depth, R², μ–σ (SVG + Vega-Lite .vl.json)")
    .option("--html <file>", "write one self-contained HTML report (tables and figures) to FILE");
  addAnalysisOptions(command);
  addVerbosityOptions(command, "list skipped tensors, and files skipped in folders (optimizer states, configs, …), with the reason; log every figure file written and the Hub traffic");
  addJobsOption(command, "for models with ≥ 64 MB of tensor data");
  addProgressOption(command);
  addTimeoutOption(command, "give up on an input not analysed within SECONDS (exit code 2; the others are still analysed); default: no limit");
  return addHubOptions(command)
    .addHelpText(
      "after",
      `
Examples:
  $ jaynes fit model.safetensors
  $ jaynes fit model-00001-of-00002.safetensors model-00002-of-00002.safetensors
  $ jaynes fit model.safetensors.index.json --include '**/mlp/**' --include '*.mlp.*'
  $ jaynes fit ./checkpoint-dir --format csv -o layers.csv
  $ jaynes fit output_dir/checkpoint-500 -v          # Trainer folder: optimizer.pt etc. listed as skipped
  $ jaynes fit ~/.cache/huggingface/hub/models--org--model/snapshots/<commit>/
  $ HF_HUB_OFFLINE=1 jaynes fit hf://org/model       # from the Hugging Face cache, no request
  $ jaynes fit model.onnx pose_landmark_full.tflite web/model.json
  $ jaynes fit model.safetensors --format jsonl | jq 'select(.flags == []) | .sigma'
  $ jaynes fit model.safetensors --columns tensor,shape,mu,sigma,r2,null_r2,flags
  $ jaynes fit hf://openai-community/gpt2 --include 'h.0.*'
  $ jaynes fit model.safetensors --plot figures/ --html report.html
  $ jaynes fit downloads/*.h5 --timeout 300
  $ jaynes fit model.safetensors --bootstrap 200            # SE and 95 % intervals of μ, σ (max|w| resampled)
  $ jaynes fit model.safetensors --normalize quantile:0.999 # x = |w| / (exact 99.9 % quantile of |w|)
  $ jaynes fit model.safetensors --format jsonl | jq '{tensor, sigma, sigma0: .null_gaussian.sigma, best_ml}'

Every layer carries its Gaussian and Laplace nulls (null_gaussian, null_laplace), the fit's SE,
σ at B/2 and 2B bins, μ without the largest weight, every family at its maximum likelihood
(best_ml) and the flags ill-conditioned, sparse, bin-sensitive, peak-outside (docs/METHOD.md §7).

Layers are listed in depth order: the graph's execution order for ONNX, TFLite and TF.js graph
models; otherwise the order the file was written in when it follows the numbering (a PyTorch
state_dict), else the natural order of the names (layers.2 before layers.10).
--include/--exclude globs match whole tensor names: '*' stops at '/', '**' crosses '/' only as a
whole path segment ('**/conv*/**'), '.' is an ordinary character ('h.0.*'). A selection that
matches no tensor in any input is a usage error (exit 1) naming the nearest tensor names.

Exit codes: 0 ok, 1 usage error, 2 an input was unreadable or invalid, held NaN/Inf weights, or was
not analysed within --timeout (the other inputs are still analysed and reported; Hub errors — no
access, not found, rate limit or network failure after retries — are input errors too), 70 a bug,
73 an output (-o, --html, --plot) could not be written, 130/143 interrupted.
${HUB_HELP}`,
    )
    .action(async (paths: string[], options: FitOptions, self: Command) => {
      process.exitCode = await fit(paths, options, self);
    });
}

async function fit(paths: string[], options: FitOptions, self: Command): Promise<number> {
  const format = chosenFormat(options, self);
  const log = commandLog(options);
  const table = tableContext(options, options.output);
  await checkReportTargets(options, paths);
  const drawing = options.plot !== undefined || options.html !== undefined;
  const run = await runFit({ paths, settings: analysisSettings(options), keepHistograms: drawing, ...(options.timeout !== undefined ? { timeout: options.timeout } : {}) }, cliEnvironment({ ...options, progress: options.progress && !options.quiet }));
  if (options.verbose) logHubTraffic();
  // An empty run prints nothing, except the JSON document (it lists the failures).
  if (run.models.length > 0 || format === "json") {
    const text = render("fit", format, { models: run.models.map(({ result }) => result), failures: run.failures }, { ...table, verbose: options.verbose });
    if (run.models.length > 0 || !options.output) await emit(text, options.output);
    if (options.output !== undefined && run.models.length > 0) log.info(`wrote ${options.output}`);
  }
  await writeFitFigures(run, { ...(options.plot !== undefined ? { plot: options.plot } : {}), ...(options.html !== undefined ? { html: options.html } : {}) }, (write) => logFigureWrite(write, log));
  return fitExitCode(run);
}
