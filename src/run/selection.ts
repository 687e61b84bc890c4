/**
 * The check every command makes once its inputs are opened: a `--include`/`--exclude` that selects
 * no tensor in any input stops the run as a usage error (exit 1) with hints (analysis/selection.ts);
 * a pattern that matches nothing while others do is a warning. Inputs that could not be opened do
 * not count: with none opened there is nothing to judge the selection by.
 */
import type { SkippedTensor } from "../analysis/layerResult.js";
import { emptySelectionHints, selectionOutcome, selectionText } from "../analysis/selection.js";
import type { AnalysisSettings } from "../analysis/settings.js";
import { UsageError } from "../errors.js";
import { count } from "../report/numbers.js";
import type { RunEnvironment } from "./environment.js";

interface ModelTensors {
  layers: readonly { tensor: string }[];
  skipped: readonly Pick<SkippedTensor, "tensor">[];
}

export function checkSelection(models: readonly ModelTensors[], settings: Pick<AnalysisSettings, "include" | "exclude">, env: Pick<RunEnvironment, "warn">): void {
  if ((settings.include.length === 0 && settings.exclude.length === 0) || models.length === 0) return;
  const names = models.flatMap((model) => [...model.layers.map((layer) => layer.tensor), ...model.skipped.map((tensor) => tensor.tensor)]);
  const outcome = selectionOutcome(names, settings);
  if (outcome.selected === 0) {
    throw new UsageError(`${selectionText(settings)} selects no tensor in any input (${count(outcome.tensors, "tensor")} in ${count(models.length, "model")})`, emptySelectionHints(settings, names));
  }
  for (const { option, pattern } of outcome.unmatched) env.warn(`${option} '${pattern}' matches no tensor in any input`);
}
