/**
 * Two checkpoints of one architecture (init vs trained, base vs fine-tuned), layer by layer:
 * Δμ, Δσ, ΔR² (always B − A) and whether the best family by AIC changed.
 *
 * Layers correspond by tensor name. Every tensor fitted in either model must exist in the other
 * with the same shape (fitted there too, or skipped for what its values are, e.g. all zero);
 * otherwise the two are not checkpoints of one architecture under these settings and the
 * comparison fails with one line naming what differs. Tensors fitted in neither (small, non-float,
 * not selected) are not compared, so extra buffers on one side do not matter.
 */
import { InputError } from "../errors.js";
import type { ModelName } from "./evidence.js";
import type { QualityFlag } from "./layerResult.js";
import type { ModelResult, ModelSettingsRecord } from "./model.js";
import { type MeanSd, type ModelSummary, meanSd } from "./summary.js";

/** One layer of `jaynes compare`: its values in A and B and the differences B − A (a CSV row). */
export interface LayerComparison {
  tensor: string;
  shape: number[];
  params: number;
  /** Values of A and B; null where the layer was not fitted in that model (`skipped_a`/`skipped_b` says why). */
  mu_a: number | null;
  mu_b: number | null;
  d_mu: number | null;
  sigma_a: number | null;
  sigma_b: number | null;
  d_sigma: number | null;
  r2_a: number | null;
  r2_b: number | null;
  d_r2: number | null;
  best_a: ModelName | null;
  best_b: ModelName | null;
  /** Both fitted and the best family differs. */
  best_changed: boolean;
  flags_a: QualityFlag[];
  flags_b: QualityFlag[];
  skipped_a?: string;
  skipped_b?: string;
}

/** One side of a comparison: the model, its format and its summary row. */
export interface ComparedModel {
  model: string;
  format: string;
  summary: ModelSummary;
}

/** Totals of a comparison: mean per-layer differences and the differences of the summary rows. */
export interface ComparisonSummary {
  /** Layers fitted in both models. */
  layers: number;
  best_changed: number;
  /** Mean of the per-layer differences over the layers fitted in both (flagged ones included). */
  mean_d_mu: number | null;
  mean_d_sigma: number | null;
  mean_d_r2: number | null;
  /** Differences B − A of the model summaries' means (the paper's Table 2 rows: unflagged layers). */
  d_mu: number | null;
  d_sigma: number | null;
  d_r2: number | null;
  /**
   * Over the layers fitted and unflagged in both models (the layers a Table 2 row may use): their
   * number and the mean, sd and standard error of the per-layer differences B − A.
   */
  unflagged: { layers: number; d_mu: MeanSd; d_sigma: MeanSd; d_r2: MeanSd };
}

/** `jaynes compare A B` as data (its JSON document without the header). */
export interface ModelComparison {
  a: ComparedModel;
  b: ComparedModel;
  settings: ModelSettingsRecord;
  layers: LayerComparison[];
  summary: ComparisonSummary;
}

interface Entry {
  shape: number[];
  fitted?: ModelResult["layers"][number];
  skipped?: string;
}

function entries(model: ModelResult): Map<string, Entry> {
  const map = new Map<string, Entry>();
  for (const layer of model.layers) map.set(layer.tensor, { shape: layer.shape, fitted: layer });
  for (const tensor of model.skipped) map.set(tensor.tensor, { shape: tensor.shape, skipped: tensor.reason });
  return map;
}

const delta = (a: number | null | undefined, b: number | null | undefined): number | null => (a === null || a === undefined || b === null || b === undefined ? null : b - a);

function listed(names: string[], limit = 5): string {
  const shown = names.slice(0, limit).map((name) => JSON.stringify(name));
  return names.length > limit ? `${shown.join(", ")} and ${names.length - limit} more` : shown.join(", ");
}

/**
 * Compare two results of one architecture layer by layer (matched by tensor name). An InputError when a
 * layer fitted in either is missing from the other or has another shape.
 */
export function compareModels(a: ModelResult, b: ModelResult): ModelComparison {
  const entriesA = entries(a);
  const entriesB = entries(b);
  const names = [...new Set([...a.layers.map((layer) => layer.tensor), ...b.layers.map((layer) => layer.tensor)])];
  const onlyA: string[] = [];
  const onlyB: string[] = [];
  const reshaped: string[] = [];
  for (const name of names) {
    const left = entriesA.get(name);
    const right = entriesB.get(name);
    if (!right) onlyA.push(name);
    else if (!left) onlyB.push(name);
    else if (left.shape.join("x") !== right.shape.join("x")) reshaped.push(`${JSON.stringify(name)} ${left.shape.join("×")} vs ${right.shape.join("×")}`);
  }
  if (onlyA.length + onlyB.length + reshaped.length > 0) {
    const problems: string[] = [];
    if (onlyA.length) problems.push(`${onlyA.length} layer${onlyA.length > 1 ? "s" : ""} only in A (${listed(onlyA)})`);
    if (onlyB.length) problems.push(`${onlyB.length} layer${onlyB.length > 1 ? "s" : ""} only in B (${listed(onlyB)})`);
    if (reshaped.length) problems.push(`${reshaped.length} with different shapes (${reshaped.slice(0, 5).join(", ")}${reshaped.length > 5 ? ` and ${reshaped.length - 5} more` : ""})`);
    throw new InputError("model", b.model, `layers do not correspond to ${a.model}: ${problems.join("; ")} (compare needs two checkpoints of one architecture; --include/--exclude can restrict it to the common layers)`);
  }
  if (names.length === 0) throw new InputError("model", b.model, `no layer was fitted in ${a.model} or ${b.model} (see --min-params, --include)`);

  const layers = names.map((name): LayerComparison => {
    const left = entriesA.get(name)!;
    const right = entriesB.get(name)!;
    const la = left.fitted;
    const lb = right.fitted;
    return {
      tensor: name,
      shape: left.shape,
      params: (la ?? lb)!.params,
      mu_a: la?.mu ?? null,
      mu_b: lb?.mu ?? null,
      d_mu: delta(la?.mu, lb?.mu),
      sigma_a: la?.sigma ?? null,
      sigma_b: lb?.sigma ?? null,
      d_sigma: delta(la?.sigma, lb?.sigma),
      r2_a: la?.r2 ?? null,
      r2_b: lb?.r2 ?? null,
      d_r2: delta(la?.r2, lb?.r2),
      best_a: la?.best ?? null,
      best_b: lb?.best ?? null,
      best_changed: la !== undefined && lb !== undefined && la.best !== lb.best,
      flags_a: la?.flags ?? [],
      flags_b: lb?.flags ?? [],
      ...(left.skipped !== undefined ? { skipped_a: left.skipped } : {}),
      ...(right.skipped !== undefined ? { skipped_b: right.skipped } : {}),
    };
  });
  const both = layers.filter((layer) => layer.mu_a !== null && layer.mu_b !== null);
  const meanOf = (pick: (layer: LayerComparison) => number | null): number | null => (both.length === 0 ? null : both.reduce((sum, layer) => sum + pick(layer)!, 0) / both.length);
  const clean = both.filter((layer) => layer.flags_a.length === 0 && layer.flags_b.length === 0);
  return {
    a: { model: a.model, format: a.format, summary: a.summary },
    b: { model: b.model, format: b.format, summary: b.summary },
    settings: a.settings,
    layers,
    summary: {
      layers: both.length,
      best_changed: layers.filter((layer) => layer.best_changed).length,
      mean_d_mu: meanOf((layer) => layer.d_mu),
      mean_d_sigma: meanOf((layer) => layer.d_sigma),
      mean_d_r2: meanOf((layer) => layer.d_r2),
      d_mu: delta(a.summary.mu.mean, b.summary.mu.mean),
      d_sigma: delta(a.summary.sigma.mean, b.summary.sigma.mean),
      d_r2: delta(a.summary.r2.mean, b.summary.r2.mean),
      unflagged: {
        layers: clean.length,
        d_mu: meanSd(clean.map((layer) => layer.d_mu!)),
        d_sigma: meanSd(clean.map((layer) => layer.d_sigma!)),
        d_r2: meanSd(clean.map((layer) => layer.d_r2!)),
      },
    },
  };
}
