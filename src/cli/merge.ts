/** `jaynes merge part*.json`: the summary of a scan run as shards (`jaynes scan --shard i/n`). */
import { Command } from "commander";
import { mergeParts } from "../analysis/scan/merge.js";
import { writeModelTables } from "../analysis/scan/run.js";
import { MODELS_FOLDER } from "../analysis/scan/outputs.js";
import { join } from "node:path";
import { ensureOutputFolder } from "../io/atomicWrite.js";
import { prepareOutputDirectory } from "./output.js";
import { DEFAULT_SCAN_FOLDER } from "./scan.js";
import { type GateOptionValues, GATES_HELP, addGateOptions, publishScan } from "./scanReport.js";
import { count } from "../report/numbers.js";
import { logLine } from "./terminal.js";

interface MergeOptions extends GateOptionValues {
  out: string;
}

export function mergeCommand(): Command {
  const command = new Command("merge")
    .description("combine the part files of a sharded scan into the summary an unsharded scan writes (byte for byte)")
    .argument("<part...>", "part-I-of-N.json files written by `jaynes scan --shard I/N` (all N of them)")
    .option("-o, --out <dir>", "output folder for the summaries and the per-model tables", DEFAULT_SCAN_FOLDER);
  return addGateOptions(command)
    .addHelpText(
      "after",
      `
The parts must come from the same scan (folders, --glob, analysis settings, number of shards) and
this version of jaynes, and every shard must be given once. The gates are applied to the merged
results, as they would be to an unsharded scan.

Examples:
  $ jaynes merge parts/part-*.json --out scan/
  $ jaynes merge shard-*/part-*.json --fail-under-r2 0.9
${GATES_HELP}

Exit codes: 0 ok, 1 usage error, 2 a part is missing, invalid or not from the same scan, or the
scan had failed inputs, 3 a CI gate failed.`,
    )
    .action(async (parts: string[], options: MergeOptions) => {
      process.exitCode = await runMerge(parts, options);
    });
}

async function runMerge(paths: string[], options: MergeOptions): Promise<number> {
  const merged = await mergeParts(paths);
  await prepareOutputDirectory(options.out, "--out");
  await ensureOutputFolder(join(options.out, MODELS_FOLDER));
  for (const result of merged.results) await writeModelTables(options.out, result, false);
  logLine(`jaynes: merged ${count(merged.shards, "shard")}: ${count(merged.results.length, "model")}, ${count(merged.failures.length, "failed input")}; outputs in ${options.out}`);
  return publishScan({ ...merged, outDir: options.out }, options);
}
