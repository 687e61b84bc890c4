/** The options that decide the numbers (METHOD §1–3), shared by every command that analyses models. */
import type { Command } from "commander";
import type { AnalysisSettings } from "../analysis/settings.js";
import { InvalidArgumentError } from "commander";
import { collect, integerOption } from "./options.js";

/** max | none | quantile:Q with 0 < Q < 1. */
export function normalizeOption(value: string): AnalysisSettings["normalize"] {
  if (value === "max" || value === "none") return value;
  const match = /^quantile:(.+)$/.exec(value);
  const q = match ? Number(match[1]) : NaN;
  if (match && match[1]!.trim() !== "" && q > 0 && q < 1) return `quantile:${match[1]!.trim()}`;
  throw new InvalidArgumentError("--normalize must be max, none or quantile:Q with 0 < Q < 1 (e.g. quantile:0.99).");
}

export interface AnalysisOptionValues {
  bins: number;
  minParams: number;
  normalize: AnalysisSettings["normalize"];
  include: string[];
  exclude: string[];
  includeFlagged: boolean;
  bootstrap: number;
  seed: number;
}

/** `seed: false` leaves out --seed, for a command whose own --seed also seeds the bootstrap (activations). */
export function addAnalysisOptions(command: Command, options: { seed?: boolean } = {}): Command {
  command
    .option("--bins <n>", "number of equal-width bins B on [0, 1]", integerOption("--bins", 2, 1_000_000), 100)
    .option("--min-params <n>", "skip layers with fewer elements", integerOption("--min-params", 0), 10_000)
    .option("--normalize <mode>", "max: x = |w|/max|w|; none: raw |w| on [0, max|w|]; quantile:Q: x = |w|/(exact Q-quantile of |w|), values above it counted, not binned", normalizeOption, "max")
    .option("--include <glob>", "only tensors whose name matches (repeatable; picomatch, ** crosses /)", collect, [])
    .option("--exclude <glob>", "leave out tensors whose name matches (repeatable)", collect, [])
    .option("--include-flagged", "count flagged layers in the model summary", false)
    .option("--bootstrap <n>", "bootstrap replicates per layer for the SE and 95 % intervals of μ and σ (e.g. 200; 0: off)", integerOption("--bootstrap", 0, 100_000), 0);
  if (options.seed !== false) command.option("--seed <n>", "seed of the bootstrap's random numbers", integerOption("--seed", 0, 0xffffffff), 0);
  return command;
}

export function analysisSettings(options: AnalysisOptionValues): Partial<AnalysisSettings> {
  return {
    bins: options.bins,
    minParams: options.minParams,
    normalize: options.normalize,
    include: options.include,
    exclude: options.exclude,
    includeFlagged: options.includeFlagged,
    bootstrap: options.bootstrap,
    seed: options.seed,
  };
}
