/** `jaynes compare A B`: options → the compare use case (run/compare.ts) → a renderer from the registry. */
import { Command } from "commander";
import { formatsOf, render } from "../report/registry.js";
import { failureExitCode } from "../run/batch.js";
import { runCompare } from "../run/compare.js";
import { type AnalysisOptionValues, addAnalysisOptions, analysisSettings } from "./analysisOptions.js";
import { cliEnvironment } from "./environment.js";
import { HUB_HELP, type HubCliOptions, addHubOptions } from "./hubOptions.js";
import { choiceOption } from "./options.js";
import { checkOutputFile, emit } from "./output.js";
import { colorEnabled } from "./terminal.js";

const FORMATS = formatsOf("compare");

interface CompareOptions extends AnalysisOptionValues, HubCliOptions {
  format: string;
  output?: string;
  progress: boolean;
}

export function compareCommand(): Command {
  const command = new Command("compare")
    .description("compare two checkpoints of one architecture layer by layer: Δμ, Δσ, ΔR², best-model changes")
    .argument("<a>", "the reference checkpoint (e.g. the initialisation or the base model)")
    .argument("<b>", "the checkpoint compared with it (e.g. trained or fine-tuned); differences are B − A")
    .option("-f, --format <format>", `output format: ${FORMATS.join(", ")}`, choiceOption("--format", FORMATS), FORMATS[0])
    .option("-o, --output <file>", "write the output to FILE (atomically) instead of stdout");
  addAnalysisOptions(command).option("--no-progress", "never draw a progress bar");
  return addHubOptions(command)
    .addHelpText(
      "after",
      `
Examples:
  $ jaynes compare ckpt_epoch00.safetensors ckpt_epoch10.safetensors
  $ jaynes compare base/model.safetensors.index.json finetuned/ --format csv -o drift.csv
  $ jaynes compare a.safetensors b.safetensors --exclude 'lm_head.*' --format json
  $ jaynes compare hf://owner/model@step1000 hf://owner/model@step2000

Layers correspond by tensor name; a layer fitted in one model must exist with the same shape in
the other, or compare fails naming the layers that differ (restrict it with --include/--exclude).
Exit codes: 0 ok, 1 usage error, 2 an input was unreadable or invalid, or the layers do not correspond,
73 the output (-o) could not be written.
${HUB_HELP}`,
    )
    .action(async (a: string, b: string, options: CompareOptions) => {
      process.exitCode = await compare(a, b, options);
    });
}

async function compare(a: string, b: string, options: CompareOptions): Promise<number> {
  if (options.output !== undefined) await checkOutputFile(options.output, "-o", [a, b]);
  const run = await runCompare(a, b, analysisSettings(options), cliEnvironment(options));
  if (!run.comparison) return failureExitCode(run.failures);
  await emit(render("compare", options.format, run.comparison, { color: !options.output && colorEnabled(process.stdout), verbose: false }), options.output);
  return 0;
}
