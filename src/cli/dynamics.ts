/** `jaynes dynamics CKPT... | DIR`: training dynamics across checkpoints (METHOD §6). */
import { Command, InvalidArgumentError } from "commander";
import { analyzeDynamics, type DynamicsResult } from "../analysis/dynamics/analyze.js";
import { DEFAULT_FLUCTUATION_SETTINGS } from "../analysis/dynamics/fluctuations.js";
import { DEFAULT_SPECTRUM_SETTINGS } from "../analysis/dynamics/spectrum.js";
import type { AnalysisSettings } from "../analysis/settings.js";
import { defaultJobs } from "../parallel/executor.js";
import { renderDynamicsCsv, renderDynamicsJson, renderDynamicsTable } from "../report/dynamics.js";
import { checkOutputFile, emit } from "./output.js";
import { choiceOption, collect, integerOption, positiveNumberOption } from "./options.js";
import { colorEnabled, logLine, progressEnabled } from "./terminal.js";
import { terminalSafe } from "../report/terminalText.js";

type DynamicsFormat = "table" | "csv" | "json";

interface DynamicsOptions {
  format: DynamicsFormat;
  output?: string;
  track: number;
  seed: number;
  range?: [number, number];
  split?: number;
  plot?: string;
  trajectory: boolean;
  bins: number;
  minParams: number;
  normalize: AnalysisSettings["normalize"];
  include: string[];
  exclude: string[];
  progress: boolean;
  jobs: number;
}

/** `LO:HI` with 0 < LO < HI. */
export function parseRange(value: string): [number, number] {
  const parts = value.split(":");
  const [lo, hi] = parts.map((part) => (part.trim() === "" ? NaN : Number(part)));
  if (parts.length !== 2 || !(lo! > 0) || !(hi! > lo!) || !Number.isFinite(hi)) throw new InvalidArgumentError("--range must be LO:HI with 0 < LO < HI (e.g. 1e-5:1e-3).");
  return [lo!, hi!];
}

export function dynamicsCommand(): Command {
  return new Command("dynamics")
    .description("training dynamics across checkpoints: fluctuation statistics, power spectrum, lognormal trajectory (METHOD.md §6)")
    .argument("<checkpoint...>", "checkpoint files (or shard lists), or a directory holding them")
    .option("-f, --format <format>", "output format: table, csv, json", choiceOption("--format", ["table", "csv", "json"] as const), "table")
    .option("-o, --output <file>", "write the output to FILE (atomically) instead of stdout")
    .option("--track <k>", "weights tracked per layer (a seeded sample of flat indices)", integerOption("--track", 1, 10_000_000), 1000)
    .option("--seed <n>", "seed of the sample of tracked weights", integerOption("--seed", 0, 2 ** 32 - 1), 0)
    .option("--range <lo:hi>", "fit the power law of |d| on [LO, HI] instead of the KS-minimum range", parseRange)
    .option("--split <f>", "break frequency of the spectrum fit (in the reported unit) instead of the best two-segment fit", positiveNumberOption("--split"))
    .option("--plot <dir>", "write the figures (fluctuations, spectrum, trajectory) as SVG + Vega-Lite JSON into DIR")
    .option("--no-trajectory", "skip the per-checkpoint lognormal fits (they read every checkpoint whole)")
    .option("--bins <n>", "lognormal trajectory: number of equal-width bins B on [0, 1]", integerOption("--bins", 2, 1_000_000), 100)
    .option("--min-params <n>", "track only layers with at least this many elements", integerOption("--min-params", 0), 10_000)
    .option("--normalize <mode>", "lognormal trajectory: max or none", choiceOption("--normalize", ["max", "none"] as const), "max")
    .option("--include <glob>", "only tensors whose name matches (repeatable)", collect, [])
    .option("--exclude <glob>", "leave out tensors whose name matches (repeatable)", collect, [])
    .option("-j, --jobs <n>", "worker threads for the lognormal fits of large checkpoints (one per core by default)", integerOption("--jobs", 1, 256), defaultJobs())
    .option("--no-progress", "never print per-checkpoint progress")
    .addHelpText(
      "after",
      `
Checkpoints are ordered by the integer "step" in their metadata when every one has it, else by
natural sort of their names; all must have the same tensor names and shapes.

Examples:
  $ jaynes dynamics ./checkpoints/
  $ jaynes dynamics step_*.safetensors --track 2000 --plot figures/
  $ jaynes dynamics ./checkpoints/ --format json -o dynamics.json
  $ jaynes dynamics ./checkpoints/ --range 1e-5:1e-3 --split 0.01 --no-trajectory

Exit codes: 0 ok, 1 usage error, 2 a checkpoint was unreadable, did not match the others, or a
tracked weight was NaN/Inf (the results are still printed).`,
    )
    .action(async (paths: string[], options: DynamicsOptions) => {
      process.exitCode = await runDynamics(paths, options);
    });
}

async function runDynamics(paths: string[], options: DynamicsOptions): Promise<number> {
  if (options.output !== undefined) await checkOutputFile(options.output, "-o", paths);
  const showProgress = options.progress && progressEnabled();
  const result = await analyzeDynamics(
    paths,
    {
      track: options.track,
      seed: options.seed,
      fluctuations: { ...DEFAULT_FLUCTUATION_SETTINGS, ...(options.range ? { range: options.range } : {}) },
      spectrum: { ...DEFAULT_SPECTRUM_SETTINGS, ...(options.split !== undefined ? { split: options.split } : {}) },
      trajectory: options.trajectory,
      jobs: options.jobs,
      analysis: { bins: options.bins, minParams: options.minParams, normalize: options.normalize, include: options.include, exclude: options.exclude },
    },
    showProgress ? { onCheckpoint: (index, total, name) => process.stderr.write(`\r\u001b[2Kreading checkpoint ${index + 1}/${total}: ${terminalSafe(name)}`.slice(0, (process.stderr.columns ?? 100) - 1)) } : {},
  );
  if (showProgress) process.stderr.write("\r\u001b[2K");

  let nonfinite = false;
  for (const layer of result.layers) {
    if (layer.nonfinite_series > 0) {
      nonfinite = true;
      logLine(`jaynes: warning: tensor ${JSON.stringify(layer.tensor)}: ${layer.nonfinite_series} tracked weights were NaN/Inf in some checkpoint and were left out`);
    }
  }
  if (result.layers.length === 0) logLine(`jaynes: warning: no layer was tracked (${result.skipped.length} tensors skipped; lower --min-params or check --include/--exclude)`);
  if (result.order === "step" && result.step_interval === null) logLine("jaynes: warning: checkpoint steps are unevenly spaced; the spectrum treats them as evenly spaced checkpoints");

  if (options.plot) {
    // Loaded on demand: vega + vega-lite take a few hundred ms to import, which no other path needs.
    const { writeDynamicsFigures } = await import("../report/dynamicsFigures.js");
    for (const file of await writeDynamicsFigures(result, options.plot)) if (file.endsWith(".svg")) logLine(`jaynes: wrote ${file}`);
  }
  await emit(render(result, options), options.output);
  return nonfinite ? 2 : 0;
}

function render(result: DynamicsResult, options: DynamicsOptions): string {
  switch (options.format) {
    case "csv":
      return renderDynamicsCsv(result);
    case "json":
      return renderDynamicsJson(result);
    case "table":
      return renderDynamicsTable(result, { color: !options.output && colorEnabled(process.stdout) });
  }
}
