/** `jaynes merge part*.json`: the summary of a scan run as shards (`jaynes scan --shard i/n`). */
import { Command } from "commander";
import { count } from "../report/numbers.js";
import { mergeParts, writeMergedTables } from "../run/scan/merge.js";
import { publishScan } from "../run/scan/publish.js";
import { cliEnvironment } from "./environment.js";
import { prepareOutputDirectory } from "./output.js";
import { DEFAULT_SCAN_FOLDER } from "./scan.js";
import { type GateOptionValues, GATES_HELP, addGateOptions, gateSettings, presentScan } from "./scanReport.js";
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
scan had failed inputs or NaN/Inf weights, 3 a CI gate failed, 73 an output could not be written.`,
    )
    .action(async (parts: string[], options: MergeOptions) => {
      process.exitCode = await merge(parts, options);
    });
}

async function merge(paths: string[], options: MergeOptions): Promise<number> {
  const merged = await mergeParts(paths);
  await prepareOutputDirectory(options.out, "--out");
  await writeMergedTables(merged, options.out);
  logLine(`jaynes: merged ${count(merged.shards, "shard")}: ${count(merged.results.length, "model")}, ${count(merged.failures.length, "failed input")}; outputs in ${options.out}`);
  const published = await publishScan({ ...merged, outDir: options.out }, gateSettings(options), cliEnvironment({}, { failuresAsTheyHappen: false }));
  return presentScan(published, options);
}
