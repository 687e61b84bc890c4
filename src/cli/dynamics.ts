/** `jaynes dynamics CKPT... | DIR`: options → the dynamics use case (run/dynamics.ts) → a renderer from the registry. */
import { Command, InvalidArgumentError } from "commander";
import { DEFAULT_EVIDENCE_SETTINGS } from "../analysis/dynamics/evidence.js";
import { DEFAULT_FLUCTUATION_SETTINGS } from "../analysis/dynamics/fluctuations.js";
import { DEFAULT_SPECTRUM_SETTINGS } from "../analysis/dynamics/spectrum.js";
import type { AnalysisSettings } from "../analysis/settings.js";
import { ExitCode } from "../errors.js";
import { render } from "../report/registry.js";
import { requireFigureRenderer } from "../report/vega.js";
import { failureExitCode } from "../run/batch.js";
import { runDynamics } from "../run/dynamics.js";
import { cliEnvironment } from "./environment.js";
import { HUB_HELP, type HubCliOptions, addHubOptions, logHubTraffic } from "./hubOptions.js";
import { checkOutputTargets, emit } from "./output.js";
import { choiceOption, collect, integerOption, positiveNumberOption } from "./options.js";
import { tableContext } from "./tableOptions.js";
import { commandLog, progressEnabled } from "./terminal.js";
import { terminalSafe } from "../report/terminalText.js";
import { type FormatOptionValues, type VerbosityValues, addFormatOptions, addJobsOption, addProgressOption, addVerbosityOptions, chosenFormat } from "./vocabulary.js";

interface DynamicsOptions extends FormatOptionValues, VerbosityValues, HubCliOptions {
  track: number;
  seed: number;
  range?: [number, number];
  split?: number;
  standardize: boolean;
  bootstrap: number;
  surrogates: number;
  gof: number;
  plot?: string;
  trajectory: boolean;
  bins: number;
  minParams: number;
  normalize: AnalysisSettings["normalize"];
  include: string[];
  exclude: string[];
  progress: boolean;
  jobs: number;
  verbose: boolean;
}

/** `LO:HI` with 0 < LO < HI. */
export function parseRange(value: string): [number, number] {
  const parts = value.split(":");
  const [lo, hi] = parts.map((part) => (part.trim() === "" ? NaN : Number(part)));
  if (parts.length !== 2 || !(lo! > 0) || !(hi! > lo!) || !Number.isFinite(hi)) throw new InvalidArgumentError("--range must be LO:HI with 0 < LO < HI (e.g. 1e-5:1e-3).");
  return [lo!, hi!];
}

export function dynamicsCommand(): Command {
  const command = new Command("dynamics")
    .description("training dynamics across checkpoints: fluctuation statistics, power spectrum, lognormal trajectory (docs/METHOD.md §6)")
    .argument("<checkpoint...>", "checkpoint files (or shard lists), or a directory holding them, or hf:// addresses");
  addFormatOptions(command, "dynamics", "the results");
  command
    .option("--track <k>", "weights tracked per layer (a seeded sample of flat indices)", integerOption("--track", 1, 10_000_000), 1000)
    .option("--seed <n>", "seed of the sample of tracked weights and of every random draw (bootstrap, surrogates)", integerOption("--seed", 0, 2 ** 32 - 1), 0)
    .option("--range <lo:hi>", "fit the power law of |d| on [LO, HI] instead of the KS-minimum range", parseRange)
    .option("--split <f>", "break frequency of the spectrum fit (in the reported unit) instead of the best two-segment fit", positiveNumberOption("--split"))
    .option("--standardize", "divide each weight's steps by its own RMS step before pooling (scale-free steps of single weights vs a mixture of scales)", false)
    .option("--bootstrap <n>", "bootstrap replicates over tracked weights for the intervals of γ, a_low, a_high (0: none)", integerOption("--bootstrap", 0, 100_000), DEFAULT_EVIDENCE_SETTINGS.bootstrap)
    .option("--surrogates <n>", "surrogate draws for each null (shuffled steps for a_low/a_high, Gaussian steps for γ; 0: none)", integerOption("--surrogates", 0, 100_000), DEFAULT_EVIDENCE_SETTINGS.surrogates)
    .option("--gof <n>", "synthetic samples of the power law's goodness-of-fit p-value (0: none)", integerOption("--gof", 0, 100_000), DEFAULT_EVIDENCE_SETTINGS.gof)
    .option("--plot <dir>", "write the figures (fluctuations, spectrum, trajectory) as SVG + Vega-Lite JSON into DIR")
    .option("--no-trajectory", "skip the per-checkpoint lognormal fits (they read every checkpoint whole)")
    .option("--bins <n>", "lognormal trajectory: number of equal-width bins B on [0, 1]", integerOption("--bins", 2, 1_000_000), 100)
    .option("--min-params <n>", "track only layers with at least this many elements", integerOption("--min-params", 0), 10_000)
    .option("--normalize <mode>", "lognormal trajectory: max or none", choiceOption("--normalize", ["max", "none"] as const), "max")
    .option("--include <glob>", "only tensors whose name matches (repeatable)", collect, [])
    .option("--exclude <glob>", "leave out tensors whose name matches (repeatable)", collect, []);
  addVerbosityOptions(command, "list the files skipped in the folders (optimizer states, configs, …) with the reason; log every figure file written and the Hub traffic");
  addJobsOption(command, "for the lognormal fits of large checkpoints");
  addProgressOption(command);
  return addHubOptions(command)
    .addHelpText(
      "after",
      `
Checkpoints are ordered by the integer "step" in their metadata, else by "global_step" of the
Trainer's trainer_state.json beside them, when every one has it; else by natural sort of their
names; all must have the same tensor names and shapes. A folder of Trainer checkpoint-N/ folders
(a Trainer's output_dir) is a series of those checkpoints.

Every exponent comes with a 95 % bootstrap interval over the tracked weights and the value a null
model gives (mean [95 %] of surrogates): a_low/a_high against random walks made of each weight's own
steps shuffled in time, γ against Gaussian steps at each weight's own RMS step. The spectrum is
computed at the natural frequencies of the series (no zero-padding). The same seed gives the same
output bytes on every run.

Examples (./checkpoints/, output_dir/ and step_*.safetensors stand for your own checkpoints):
  $ jaynes dynamics ./checkpoints/
  $ jaynes dynamics output_dir/                     # checkpoint-500/, checkpoint-1000/, … by global_step
  $ jaynes dynamics step_*.safetensors --track 2000 --plot figures/
  $ jaynes dynamics ./checkpoints/ --standardize
  $ jaynes dynamics ./checkpoints/ --format json -o dynamics.json
  $ jaynes dynamics ./checkpoints/ --bootstrap 1000 --surrogates 500 --gof 500
  $ jaynes dynamics ./checkpoints/ --bootstrap 0 --surrogates 0 --gof 0   # point estimates only
  $ jaynes dynamics ./checkpoints/ --range 1e-5:1e-3 --split 0.01 --no-trajectory

Exit codes: 0 ok, 1 usage error, 2 a checkpoint was unreadable, did not match the others, or a
tracked weight was NaN/Inf (the results are still printed), 73 an output (-o, --plot) could not be
written.
${HUB_HELP}`,
    )
    .action(async (paths: string[], options: DynamicsOptions, self: Command) => {
      process.exitCode = await dynamics(paths, options, self);
    });
}

async function dynamics(paths: string[], options: DynamicsOptions, self: Command): Promise<number> {
  const format = chosenFormat(options, self);
  const log = commandLog(options);
  if (options.plot !== undefined) await requireFigureRenderer("--plot");
  await checkOutputTargets([
    { option: "-o", path: options.output, kind: "file" },
    { option: "--plot", path: options.plot, kind: "folder" },
  ], paths);
  const showProgress = options.progress && !log.quiet && progressEnabled();
  const run = await runDynamics(
    {
      paths,
      settings: {
        track: options.track,
        seed: options.seed,
        fluctuations: { ...DEFAULT_FLUCTUATION_SETTINGS, ...(options.range ? { range: options.range } : {}) },
        spectrum: { ...DEFAULT_SPECTRUM_SETTINGS, ...(options.split !== undefined ? { split: options.split } : {}) },
        standardize: options.standardize,
        evidence: { bootstrap: options.bootstrap, surrogates: options.surrogates, gof: options.gof },
        trajectory: options.trajectory,
        analysis: { bins: options.bins, minParams: options.minParams, normalize: options.normalize, include: options.include, exclude: options.exclude },
      },
      ...(options.plot ? { plot: options.plot } : {}),
      ...(showProgress ? { onCheckpoint: (index: number, total: number, name: string) => process.stderr.write(`\r\u001b[2Kreading checkpoint ${index + 1}/${total}: ${terminalSafe(name)}`.slice(0, (process.stderr.columns ?? 100) - 1)) } : {}),
    },
    cliEnvironment({ ...options, progress: false }),
  );
  if (showProgress) process.stderr.write("\r\u001b[2K");
  if (options.verbose) logHubTraffic();
  if (!run.result) return failureExitCode(run.failures);
  for (const file of run.written) if (file.endsWith(".svg")) log.info(`wrote ${file}`);
  await emit(render("dynamics", format, run.result, tableContext(options, options.output)), options.output);
  if (options.output !== undefined) log.info(`wrote ${options.output}`);
  return run.nonfinite ? ExitCode.input : ExitCode.ok;
}
