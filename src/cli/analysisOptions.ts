/** The options that decide the numbers (METHOD §1–3), shared by every command that analyses models. */
import type { Command } from "commander";
import type { AnalysisSettings } from "../analysis/settings.js";
import { choiceOption, collect, integerOption } from "./options.js";

export interface AnalysisOptionValues {
  bins: number;
  minParams: number;
  normalize: AnalysisSettings["normalize"];
  include: string[];
  exclude: string[];
  includeFlagged: boolean;
}

export function addAnalysisOptions(command: Command): Command {
  return command
    .option("--bins <n>", "number of equal-width bins B on [0, 1]", integerOption("--bins", 2, 1_000_000), 100)
    .option("--min-params <n>", "skip layers with fewer elements", integerOption("--min-params", 0), 10_000)
    .option("--normalize <mode>", "max: x = |w|/max|w|; none: raw |w| on [0, max|w|]", choiceOption("--normalize", ["max", "none"] as const), "max")
    .option("--include <glob>", "only tensors whose name matches (repeatable; picomatch, ** crosses /)", collect, [])
    .option("--exclude <glob>", "leave out tensors whose name matches (repeatable)", collect, [])
    .option("--include-flagged", "count flagged layers in the model summary", false);
}

export function analysisSettings(options: AnalysisOptionValues): Partial<AnalysisSettings> {
  return {
    bins: options.bins,
    minParams: options.minParams,
    normalize: options.normalize,
    include: options.include,
    exclude: options.exclude,
    includeFlagged: options.includeFlagged,
  };
}
