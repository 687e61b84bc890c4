/** `jaynes compare A B`: options → the compare use case (run/compare.ts) → a renderer from the registry. */
import { Command } from "commander";
import { render } from "../report/registry.js";
import { failureExitCode } from "../run/batch.js";
import { runCompare } from "../run/compare.js";
import { writeFitFigures } from "../run/fit.js";
import { type AnalysisOptionValues, addAnalysisOptions, analysisSettings } from "./analysisOptions.js";
import { cliEnvironment } from "./environment.js";
import { logFigureWrite } from "./figureOptions.js";
import { HUB_HELP, type HubCliOptions, addHubOptions, logHubTraffic } from "./hubOptions.js";
import { checkReportTargets, emit } from "./output.js";
import { tableContext } from "./tableOptions.js";
import { commandLog } from "./terminal.js";
import { type FormatOptionValues, type VerbosityValues, addFormatOptions, addJobsOption, addProgressOption, addVerbosityOptions, chosenFormat } from "./vocabulary.js";

interface CompareOptions extends AnalysisOptionValues, HubCliOptions, FormatOptionValues, VerbosityValues {
  plot?: string;
  html?: string;
  progress: boolean;
  jobs: number;
}

export function compareCommand(): Command {
  const command = new Command("compare")
    .description("compare two checkpoints of one architecture layer by layer: Δμ, Δσ, ΔR², best-model changes")
    .argument("<a>", "the reference checkpoint (e.g. the initialisation or the base model)")
    .argument("<b>", "the checkpoint compared with it (e.g. trained or fine-tuned); differences are B − A");
  addFormatOptions(command, "compare", "the comparison")
    .option("--plot <dir>", "write both models' figures to DIR/<model>/ (as fit --plot does)")
    .option("--html <file>", "write one self-contained HTML report of both models to FILE");
  addAnalysisOptions(command);
  addVerbosityOptions(command, "log every figure file written and the Hub traffic");
  addJobsOption(command, "for models with ≥ 64 MB of tensor data");
  addProgressOption(command);
  return addHubOptions(command)
    .addHelpText(
      "after",
      `
Examples:
  $ jaynes compare ckpt_epoch00.safetensors ckpt_epoch10.safetensors
  $ jaynes compare base/model.safetensors.index.json finetuned/ --format csv -o drift.csv
  $ jaynes compare a.safetensors b.safetensors --exclude 'lm_head.*' --format json
  $ jaynes compare ckpt_epoch00.safetensors ckpt_epoch10.safetensors --html drift.html
  $ jaynes compare hf://owner/model@step1000 hf://owner/model@step2000

Layers correspond by tensor name; a layer fitted in one model must exist with the same shape in
the other, or compare fails naming the layers that differ (restrict it with --include/--exclude).
Exit codes: 0 ok, 1 usage error (e.g. --include selects no tensor), 2 an input was unreadable or
invalid, or the layers do not correspond, 73 an output (-o, --html, --plot) could not be written.
${HUB_HELP}`,
    )
    .action(async (a: string, b: string, options: CompareOptions, self: Command) => {
      process.exitCode = await compare(a, b, options, self);
    });
}

async function compare(a: string, b: string, options: CompareOptions, self: Command): Promise<number> {
  const format = chosenFormat(options, self);
  const log = commandLog(options);
  await checkReportTargets(options, [a, b]);
  const drawing = options.plot !== undefined || options.html !== undefined;
  const run = await runCompare(a, b, analysisSettings(options), cliEnvironment({ ...options, progress: options.progress && !options.quiet }), { keepHistograms: drawing });
  if (options.verbose) logHubTraffic();
  if (!run.comparison) return failureExitCode(run.failures);
  await emit(render("compare", format, run.comparison, tableContext(options, options.output)), options.output);
  if (options.output !== undefined) log.info(`wrote ${options.output}`);
  await writeFitFigures(run, { ...(options.plot !== undefined ? { plot: options.plot } : {}), ...(options.html !== undefined ? { html: options.html } : {}) }, (write) => logFigureWrite(write, log));
  return 0;
}
