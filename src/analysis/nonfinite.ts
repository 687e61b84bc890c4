/**
 * NaN/±Inf weights make a checkpoint broken, not evidence (METHOD §2): every command that analyses
 * layers warns about them and exits with code 2 — whether the layer was fitted on its finite values
 * (flagged `nonfinite`) or held nothing but NaN/Inf (and zeros) and could not be fitted at all.
 */

export interface NonfiniteTensor {
  tensor: string;
  nonfinite: number;
  /** False when the layer held no finite nonzero value and was skipped. */
  fitted: boolean;
}

/** What is read of a result (fresh, or in its stored form, where numbers may be null). */
interface LayerCounts {
  layers: readonly { tensor: string; nonfinite: number | null }[];
  skipped: readonly { tensor: string; nonfinite?: number | null }[];
}

/** The tensors of a result that held NaN/Inf values, in table order. */
export function nonfiniteTensors(result: LayerCounts): NonfiniteTensor[] {
  const found: NonfiniteTensor[] = [];
  for (const layer of result.layers) if ((layer.nonfinite ?? 0) > 0) found.push({ tensor: layer.tensor, nonfinite: layer.nonfinite!, fitted: true });
  for (const skipped of result.skipped) if ((skipped.nonfinite ?? 0) > 0) found.push({ tensor: skipped.tensor, nonfinite: skipped.nonfinite!, fitted: false });
  return found;
}

/** The warning for one such tensor (one line; the CLI prefixes `jaynes: warning:`). */
export function nonfiniteWarning(model: string, entry: NonfiniteTensor): string {
  return entry.fitted
    ? `${model}: tensor ${JSON.stringify(entry.tensor)}: ${entry.nonfinite} NaN/Inf values dropped (flagged "nonfinite")`
    : `${model}: tensor ${JSON.stringify(entry.tensor)}: holds ${entry.nonfinite} NaN/Inf values and no nonzero finite value (not fitted)`;
}
