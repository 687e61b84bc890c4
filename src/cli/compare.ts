/** `jaynes compare A B`: two checkpoints of one architecture, layer by layer (analysis/compare.ts). */
import { Command } from "commander";
import { compareModels, type ModelComparison } from "../analysis/compare.js";
import { analyzeFile, type ModelResult } from "../analysis/model.js";
import type { AnalysisSettings } from "../analysis/settings.js";
import { renderComparisonCsv, renderComparisonTable } from "../report/compare.js";
import { renderJsonDocument } from "../report/json.js";
import { VERSION } from "../version.js";
import { type AnalysisOptionValues, addAnalysisOptions, analysisSettings } from "./analysisOptions.js";
import { choiceOption } from "./options.js";
import { HUB_HELP, type HubCliOptions, addHubOptions, applyHubOptions } from "./hubOptions.js";
import { checkOutputFile, emit } from "./output.js";
import { PROGRESS_MIN_BYTES, ProgressBar } from "./progress.js";
import { colorEnabled, progressEnabled } from "./terminal.js";

type CompareFormat = "table" | "csv" | "json";

interface CompareOptions extends AnalysisOptionValues, HubCliOptions {
  format: CompareFormat;
  output?: string;
  progress: boolean;
}

export function compareCommand(): Command {
  const command = new Command("compare")
    .description("compare two checkpoints of one architecture layer by layer: Δμ, Δσ, ΔR², best-model changes")
    .argument("<a>", "the reference checkpoint (e.g. the initialisation or the base model)")
    .argument("<b>", "the checkpoint compared with it (e.g. trained or fine-tuned); differences are B − A")
    .option("-f, --format <format>", "output format: table, csv, json", choiceOption("--format", ["table", "csv", "json"] as const), "table")
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
Exit codes: 0 ok, 1 usage error, 2 an input was unreadable or invalid, or the layers do not correspond.
${HUB_HELP}`,
    )
    .action(async (a: string, b: string, options: CompareOptions) => {
      process.exitCode = await runCompare(a, b, options);
    });
}

async function analyzeWithProgress(path: string, settings: Partial<AnalysisSettings>, bar: ProgressBar | undefined): Promise<ModelResult> {
  try {
    return await analyzeFile(path, settings, {
      onStart: (_model, total) => {
        if (bar && total >= PROGRESS_MIN_BYTES) bar.start(path, total);
      },
      onBytes: (bytes) => bar?.advance(bytes),
    });
  } finally {
    bar?.clear();
  }
}

async function runCompare(a: string, b: string, options: CompareOptions): Promise<number> {
  applyHubOptions(options);
  if (options.output !== undefined) await checkOutputFile(options.output, "-o", [a, b]);
  const settings = analysisSettings(options);
  const bar = options.progress && progressEnabled() ? new ProgressBar() : undefined;
  const comparison = compareModels(await analyzeWithProgress(a, settings, bar), await analyzeWithProgress(b, settings, bar));
  await emit(render(comparison, options), options.output);
  return 0;
}

function render(comparison: ModelComparison, options: CompareOptions): string {
  switch (options.format) {
    case "csv":
      return renderComparisonCsv(comparison);
    case "json":
      return renderJsonDocument({ tool: "jaynes", version: VERSION, ...comparison });
    case "table":
      return renderComparisonTable(comparison, { color: !options.output && colorEnabled(process.stdout), verbose: false });
  }
}
