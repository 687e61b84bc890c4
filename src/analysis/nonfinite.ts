/**
 * NaN/±Inf weights make a checkpoint broken, not evidence (METHOD §2): every command that analyses
 * layers warns about them and exits with code 2 — whether the layer was fitted on its finite values
 * (flagged `nonfinite`) or held nothing but NaN/Inf (and zeros) and could not be fitted at all.
 */
import type { ModelResult } from "./model.js";

export interface NonfiniteTensor {
  tensor: string;
  nonfinite: number;
  /** False when the layer held no finite nonzero value and was skipped. */
  fitted: boolean;
}

/** The tensors of a result that held NaN/Inf values, in table order. */
export function nonfiniteTensors(result: Pick<ModelResult, "layers" | "skipped">): NonfiniteTensor[] {
  const found: NonfiniteTensor[] = [];
  for (const layer of result.layers) if (layer.nonfinite > 0) found.push({ tensor: layer.tensor, nonfinite: layer.nonfinite, fitted: true });
  for (const skipped of result.skipped) if ((skipped.nonfinite ?? 0) > 0) found.push({ tensor: skipped.tensor, nonfinite: skipped.nonfinite!, fitted: false });
  return found;
}

/** The warning line for one such tensor. */
export function nonfiniteWarning(model: string, entry: NonfiniteTensor): string {
  return entry.fitted
    ? `jaynes: warning: ${model}: tensor ${JSON.stringify(entry.tensor)}: ${entry.nonfinite} NaN/Inf values dropped (flagged "nonfinite")`
    : `jaynes: warning: ${model}: tensor ${JSON.stringify(entry.tensor)}: holds ${entry.nonfinite} NaN/Inf values and no nonzero finite value (not fitted)`;
}
