/**
 * `jaynes scan DIR...`: every model under the folders, per-model tables, one summary, CI gates.
 * Options → the scan use case (run/scan/scan.ts) → publish (run/scan/publish.ts) → print (scanReport.ts).
 */
import { Command, InvalidArgumentError } from "commander";
import { parseShard, type Shard } from "../analysis/scan/shard.js";
import { count } from "../report/numbers.js";
import { publishScan } from "../run/scan/publish.js";
import { runScan, type ScanEvent } from "../run/scan/scan.js";
import { type AnalysisOptionValues, addAnalysisOptions, analysisSettings } from "./analysisOptions.js";
import { cliEnvironment } from "./environment.js";
import { type HubCliOptions, HUB_HELP, addHubOptions } from "./hubOptions.js";
import { collect } from "./options.js";
import { terminalSafe } from "../report/terminalText.js";
import { checkOutputTargets } from "./output.js";
import { type GateOptionValues, type OutDirValues, DEFAULT_SCAN_FOLDER, GATES_HELP, addGateOptions, addOutDirOption, gateSettings, outDirOf, presentScan } from "./scanReport.js";
import { commandLog, logSkipped, progressEnabled } from "./terminal.js";
import { type FormatOptionValues, type VerbosityValues, addFormatOptions, addJobsOption, addProgressOption, addTimeoutOption, addVerbosityOptions, chosenFormat } from "./vocabulary.js";

interface ScanOptions extends HubCliOptions, AnalysisOptionValues, GateOptionValues, FormatOptionValues, VerbosityValues, OutDirValues {
  glob: string[];
  shard?: Shard;
  force: boolean;
  jobs: number;
  progress: boolean;
  timeout?: number | undefined;
}

/** Default per-input time budget of a scan: a stuck file fails, the CI job does not hang. */
export const SCAN_TIMEOUT_SECONDS = 1800;

function shardOption(value: string): Shard {
  const shard = parseShard(value);
  if (!shard) throw new InvalidArgumentError("--shard must be I/N with 1 ≤ I ≤ N (e.g. 1/4).");
  return shard;
}

export function scanCommand(): Command {
  const command = new Command("scan")
    .description("analyse every supported model under the folders: per-model layer tables, one summary (CSV, JSON, Markdown, LaTeX), CI gates")
    .argument("<dir...>", "folders to search (recursively), model files, or hf://owner/repo[/folder]");
  addOutDirOption(command, "summaries, per-model tables, cache");
  addFormatOptions(command, "scan", "the summary (the contents of summary.csv / summary.json)")
    .option("--glob <pattern>", "only models with a file whose path below the folder matches (repeatable; picomatch, e.g. '**/*.onnx')", collect, [])
    .option("--shard <i/n>", "process only shard I of N (a fixed share of the models, by hash of their name) and write part-I-of-N.json for `jaynes merge`", shardOption)
    .option("--force", "analyse every model again, ignoring the results cached in the output folder", false);
  addAnalysisOptions(command);
  addGateOptions(command);
  addVerbosityOptions(command, "log each model as it is done, and every file skipped (optimizer states, configs, …) with the reason");
  addJobsOption(command, "shared by all models, and models analysed at once");
  addProgressOption(command);
  addTimeoutOption(command, "give up on a model not analysed within SECONDS: it becomes a failed input (0: no limit)", SCAN_TIMEOUT_SECONDS);
  return addHubOptions(command)
    .addHelpText(
      "after",
      `
Training companions (optimizer/scheduler/RNG state, training args, DeepSpeed global_step*/, FSDP
.distcp) are skipped by name; a Hugging Face cache is read through its snapshots; an unreadable
sub-folder or a broken link named like a model is a failed input of its own.

Outputs (in --out-dir, default ./${DEFAULT_SCAN_FOLDER}/): summary.csv, summary.json, summary.md, summary.tex
(booktabs, the paper's Table 2), models/<name>-<hash>.csv and .json (the layer table of each model),
cache/ (results reused by the next run while each model's files keep their size and mtime). A
model interrupted mid-way is analysed again; finished ones are not.

Examples:
  $ jaynes scan checkpoints/ --out-dir scan/
  $ jaynes scan models/ --glob '**/*.onnx' --glob '**/*.tflite'
  $ jaynes scan checkpoints/ --fail-under-r2 0.9 --max-flagged-fraction 0.2 --sigma-range 0.2:2
  $ jaynes scan artifacts/ --timeout 600
  $ jaynes scan checkpoints/ --format json | jq '.models[] | {model, r2: .summary.r2.mean}'
  $ jaynes scan checkpoints/ --format csv -o summary.csv
  $ jaynes scan checkpoints/ --shard 2/4 --out-dir parts/  &&  jaynes merge parts/part-*.json --out-dir scan/
  $ jaynes scan output_dir/ -v           # Trainer checkpoints; optimizer.pt, global_step*/ … listed as skipped
  $ jaynes scan ~/.cache/huggingface/hub/ # one model per repo@revision
${GATES_HELP}
A --glob that selects no model, or an --include/--exclude that selects no tensor in any model, is
a usage error (exit 1) with a hint.

Exit codes: 0 ok, 1 usage error, 2 an input could not be analysed, held NaN/Inf weights or ran past
--timeout (every other model is still analysed and in the summary), 3 a CI gate failed, 70 internal
error, 73 an output could not be written, 130/143 interrupted.
${HUB_HELP}`,
    )
    .action(async (roots: string[], options: ScanOptions, self: Command) => {
      process.exitCode = await scan(roots, options, self);
    });
}

async function scan(roots: string[], options: ScanOptions, self: Command): Promise<number> {
  const format = chosenFormat(options, self);
  const outDir = outDirOf(options);
  const log = commandLog(options);
  // Failures are listed once the scan is done, sorted (presentScan), not as they happen.
  const env = cliEnvironment({ ...options, progress: false }, { failuresAsTheyHappen: false });
  const settings = analysisSettings(options);
  await checkOutputTargets([
    { option: "--out-dir", path: outDir, kind: "folder" },
    { option: "-o", path: options.output, kind: "file" },
  ]);
  const started = Date.now();
  const progress = options.progress && !log.quiet && progressEnabled() ? process.stderr : undefined;
  const onModel = (event: ScanEvent): void => {
    const line = `[${event.done}/${event.total}] ${event.status === "cached" ? "from cache" : event.status}: ${event.model}`;
    if (log.verbose) log.detail(line);
    else progress?.write(`\r\u001b[2K${terminalSafe(line).slice(0, (progress.columns ?? 100) - 1)}`);
  };
  let run;
  try {
    run = await runScan({ roots, outDir, glob: options.glob, settings, force: options.force, onModel, ...(options.timeout !== undefined ? { timeout: options.timeout } : {}), ...(options.shard ? { shard: options.shard } : {}) }, env);
  } finally {
    if (progress && !log.verbose) progress.write("\r\u001b[2K");
  }
  for (const note of run.notes) log.warn(note);
  if (log.verbose) logSkipped(run.skipped);
  const shard = options.shard ? ` (shard ${options.shard.index}/${options.shard.count} of ${count(run.discovered, "model")} found)` : "";
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  log.info(`scanned ${count(run.results.length + run.failures.length, "input")}${shard} in ${seconds} s: ${run.analysed} analysed, ${run.cached} from cache, ${run.failures.length} failed; outputs in ${outDir}`);
  const published = await publishScan({ ...run, outDir, ...(options.shard ? { shard: options.shard } : {}) }, gateSettings(options), env);
  return presentScan(published, { format, ...(options.output !== undefined ? { file: options.output } : {}) }, log);
}
