/**
 * CI gates: conditions on a scan's results that make it fail (exit code 3). Three gates look at
 * layers and one at models, and all of them look at the layers the model summary (Table 2) is
 * computed from — the fitted layers without a quality flag, or all fitted layers with
 * --include-flagged — so a gate never fails on a number the summary does not show:
 *
 * - `--fail-under-r2 X`: every such layer has R² ≥ X.
 * - `--sigma-range a:b`, `--mu-range a:b`: every such layer has a ≤ σ ≤ b (resp. μ); either bound
 *   may be left out (`0.2:`, `:1.5`).
 * - `--max-flagged-fraction F`: per model, (fitted layers with any flag) / (fitted layers) ≤ F,
 *   whatever --include-flagged says; a model without fitted layers passes.
 *
 * A gate with nothing to check fails: a layer gate when no model has a layer in its summary, the
 * flagged-fraction gate when no model has a fitted layer — a CI gate that checks nothing (a filter
 * that selects nothing, a threshold of --min-params above every layer) must not pass.
 *
 * Models that failed to open are not gated here; they fail the scan with exit code 2 instead.
 */
import type { ModelResult } from "../model.js";
import type { Stored } from "../stored.js";
import { countedLayers } from "../summary.js";

/** A range of a gate; either end may be open (null). */
export interface ValueRange {
  min: number | null;
  max: number | null;
}

/** The CI gates of a scan (`--fail-under-r2`, `--max-flagged-fraction`, `--sigma-range`, `--mu-range`). */
export interface GateSettings {
  fail_under_r2?: number;
  max_flagged_fraction?: number;
  sigma_range?: ValueRange;
  mu_range?: ValueRange;
}

/** A gate by its option name. */
export type GateName = "fail-under-r2" | "max-flagged-fraction" | "sigma-range" | "mu-range";

/** A value that failed a gate. */
export interface GateViolation {
  gate: GateName;
  model: string;
  /** The offending layer; absent for model-level gates. */
  tensor?: string;
  /** The measured value (R², σ, μ or the flagged fraction). */
  value: number;
  /** The limit as the option was given, e.g. "0.9" or "0.2:1.5". */
  limit: string;
  /** Set when the gate had nothing to check (no layer or model it applies to); `model` is then "" and `value` 0. */
  nothing_checked?: true;
}

/** True when any gate is set. */
export function hasGates(gates: GateSettings): boolean {
  return gates.fail_under_r2 !== undefined || gates.max_flagged_fraction !== undefined || gates.sigma_range !== undefined || gates.mu_range !== undefined;
}

export function formatRange(range: ValueRange): string {
  return `${range.min ?? ""}:${range.max ?? ""}`;
}

const outside = (value: number, range: ValueRange): boolean => !(value >= (range.min ?? -Infinity) && value <= (range.max ?? Infinity));

/** Every violation, model by model in the given order, layers in model order. */
export function evaluateGates(models: readonly Stored<ModelResult>[], gates: GateSettings): GateViolation[] {
  const violations: GateViolation[] = [];
  let counted = 0;
  let fitted = 0;
  for (const model of models) {
    fitted += model.layers.length;
    if (gates.max_flagged_fraction !== undefined && model.layers.length > 0) {
      const fraction = model.layers.filter((layer) => layer.flags.length > 0).length / model.layers.length;
      if (fraction > gates.max_flagged_fraction) violations.push({ gate: "max-flagged-fraction", model: model.model, value: fraction, limit: String(gates.max_flagged_fraction) });
    }
    for (const layer of countedLayers(model.layers, model.settings.include_flagged)) {
      counted++;
      const at = { model: model.model, tensor: layer.tensor };
      // A NaN (null in JSON) R², σ or μ fails every gate on it: it is not a number the gate can vouch for.
      if (gates.fail_under_r2 !== undefined && !(numberOrNaN(layer.r2) >= gates.fail_under_r2)) violations.push({ gate: "fail-under-r2", ...at, value: numberOrNaN(layer.r2), limit: String(gates.fail_under_r2) });
      if (gates.sigma_range && outside(numberOrNaN(layer.sigma), gates.sigma_range)) violations.push({ gate: "sigma-range", ...at, value: numberOrNaN(layer.sigma), limit: formatRange(gates.sigma_range) });
      if (gates.mu_range && outside(numberOrNaN(layer.mu), gates.mu_range)) violations.push({ gate: "mu-range", ...at, value: numberOrNaN(layer.mu), limit: formatRange(gates.mu_range) });
    }
  }
  const nothing = (gate: GateName, limit: string): void => {
    violations.push({ gate, model: "", value: 0, limit, nothing_checked: true });
  };
  if (fitted === 0 && gates.max_flagged_fraction !== undefined) nothing("max-flagged-fraction", String(gates.max_flagged_fraction));
  if (counted === 0) {
    if (gates.fail_under_r2 !== undefined) nothing("fail-under-r2", String(gates.fail_under_r2));
    if (gates.sigma_range) nothing("sigma-range", formatRange(gates.sigma_range));
    if (gates.mu_range) nothing("mu-range", formatRange(gates.mu_range));
  }
  return violations;
}

/** Stored results hold null where the number was not finite (analysis/stored.ts). */
const numberOrNaN = (value: number | null): number => (value === null ? Number.NaN : value);
