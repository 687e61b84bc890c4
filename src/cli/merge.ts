/** `jaynes merge part*.json`: the summary of a scan run as shards (`jaynes scan --shard i/n`). */
import { Command } from "commander";
import { count } from "../report/numbers.js";
import { mergeParts, writeMergedTables } from "../run/scan/merge.js";
import { publishScan } from "../run/scan/publish.js";
import { checkSelection } from "../run/selection.js";
import { cliEnvironment } from "./environment.js";
import { checkOutputTargets } from "./output.js";
import { type GateOptionValues, type OutDirValues, GATES_HELP, addGateOptions, addOutDirOption, gateSettings, outDirOf, presentScan } from "./scanReport.js";
import { commandLog } from "./terminal.js";
import { type FormatOptionValues, type VerbosityValues, addFormatOptions, addVerbosityOptions, chosenFormat } from "./vocabulary.js";

interface MergeOptions extends GateOptionValues, FormatOptionValues, VerbosityValues, OutDirValues {}

export function mergeCommand(): Command {
  const command = new Command("merge")
    .description("combine the part files of a sharded scan into the summary an unsharded scan writes (byte for byte)")
    .argument("<part...>", "part-I-of-N.json files written by `jaynes scan --shard I/N` (all N of them)");
  addOutDirOption(command, "the summaries and the per-model tables");
  addFormatOptions(command, "scan", "the summary (the contents of summary.csv / summary.json)");
  addGateOptions(command);
  return addVerbosityOptions(command, "log each part as it is read")
    .addHelpText(
      "after",
      `
The parts must come from the same scan (folders, --glob, analysis settings, number of shards) and
this version of jaynes, and every shard must be given once. The gates are applied to the merged
results, as they would be to an unsharded scan.

Examples:
  $ jaynes merge parts/part-*.json --out-dir scan/
  $ jaynes merge shard-*/part-*.json --fail-under-r2 0.9
  $ jaynes merge parts/part-*.json --format json -o summary.json
${GATES_HELP}

Exit codes: 0 ok, 1 usage error, 2 a part is missing, invalid or not from the same scan, or the
scan had failed inputs or NaN/Inf weights, 3 a CI gate failed, 73 an output could not be written.`,
    )
    .action(async (parts: string[], options: MergeOptions, self: Command) => {
      process.exitCode = await merge(parts, options, self);
    });
}

async function merge(paths: string[], options: MergeOptions, self: Command): Promise<number> {
  const format = chosenFormat(options, self);
  const outDir = outDirOf(options);
  const log = commandLog(options);
  await checkOutputTargets([
    { option: "--out-dir", path: outDir, kind: "folder" },
    { option: "-o", path: options.output, kind: "file" },
  ]);
  for (const path of paths) log.detail(`reading ${path}`);
  const merged = await mergeParts(paths);
  const env = cliEnvironment({}, { failuresAsTheyHappen: false });
  checkSelection(merged.results, merged.settings, env);
  await writeMergedTables(merged, outDir);
  log.info(`merged ${count(merged.shards, "shard")}: ${count(merged.results.length, "model")}, ${count(merged.failures.length, "failed input")}; outputs in ${outDir}`);
  const published = await publishScan({ ...merged, outDir }, gateSettings(options), env);
  return presentScan(published, { format, ...(options.output !== undefined ? { file: options.output } : {}) }, log);
}
