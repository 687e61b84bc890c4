/**
 * Output of `jaynes activations`: the weight renderers applied to each view (analysis/activations/
 * result.ts `viewAsModelResult`), plus what only a run has — the inputs, the runtime and its time,
 * the If branches taken and the parts of the model that were not observed.
 *   table: per model a run line, then the pooled and the per-unit table with their summary rows;
 *   csv/jsonl: one row per fitted layer and view, the `fit` columns then `view, op, node, samples,
 *   units, unit_axis`; json: `{tool, version, method, command, models: [ActivationResult…], failures}`.
 */
import { ACTIVATION_VIEWS, type ActivationResult, viewAsModelResult } from "../analysis/activations/result.js";
import type { ModelComparison } from "../analysis/compare.js";
import type { ModelResult } from "../analysis/model.js";
import { renderComparisonCsv, renderComparisonTable } from "./compare.js";
import { renderCsv } from "./csv.js";
import type { Failure } from "../errors.js";
import { renderJsonDocument, renderJsonl } from "./json.js";
import { documentHeader } from "../version.js";
import { bytes, integer } from "./numbers.js";
import { type TableOptions, paint, renderModelTable } from "./table.js";
import { terminalSafe } from "./terminalText.js";

export const ACTIVATION_COLUMNS = ["view", "op", "node", "samples", "units", "unit_axis"] as const;

/** Each view as a ModelResult named by the model's path (the `view` field tells them apart). */
function flatViews(results: readonly ActivationResult[]): ModelResult[] {
  return results.flatMap((result) => ACTIVATION_VIEWS.map((view) => ({ ...viewAsModelResult(result, view), model: result.model })));
}

/** `jaynes activations --format csv`: one row per layer and view, the view and value columns after the weight columns. */
export function renderActivationCsv(results: readonly ActivationResult[]): string {
  return renderCsv(flatViews(results), ACTIVATION_COLUMNS);
}

/** `--format jsonl`: one line per layer and view. */
export function renderActivationJsonl(results: readonly ActivationResult[]): string {
  return renderJsonl(flatViews(results));
}

/** `--format json`: one document with the header (`tool`, `version`, `method`), the models and the failures. */
export function renderActivationJson(results: readonly ActivationResult[], failures: readonly Failure[]): string {
  return renderJsonDocument({ ...documentHeader(), command: "activations", models: results, failures });
}

/** One line on how the values were obtained. */
export function runLine(result: ActivationResult): string {
  const run = result.run;
  const inputs = result.inputs.sources.map((input) => `${input.name} ← ${input.source}`).join("; ");
  const branches = Object.entries(result.branches);
  return (
    `${integer(result.inputs.samples)} inputs (${inputs}) through ${run.runtime} ${run.runtime_version}, batch ${run.batch}` +
    `${run.groups > 1 ? ` in ${run.groups} runs per batch` : ""}, ${run.threads} thread${run.threads === 1 ? "" : "s"}: ` +
    `${run.runs} runs ${run.run_seconds.toFixed(2)} s, setup ${run.prepare_seconds.toFixed(2)} s, analysis ${run.analysis_seconds.toFixed(2)} s; ` +
    `${result.values} values observed (${bytes(run.output_bytes_per_sample)} per sample), pass 2 ${run.second_pass === "spill" ? `from a ${bytes(run.spill_bytes)} spill` : "by a second run"}` +
    (branches.length > 0 ? `; If branches taken: ${branches.map(([node, branch]) => `${node} → ${branch}`).join(", ")}` : "")
  );
}

/** The terminal tables of `jaynes activations`: per model, the run line and a table per view. */
export function renderActivationTables(results: readonly ActivationResult[], options: TableOptions): string {
  return results
    .map((result) => {
      const out = [`${paint(options.color, 1, terminalSafe(result.model))}  activations`, runLine(result)];
      if (result.unreached.length > 0) {
        if (options.verbose) for (const part of result.unreached) out.push(terminalSafe(`  not observed: ${part.name}: ${part.reason}`));
        else out.push(`${result.unreached.length} part${result.unreached.length === 1 ? "" : "s"} of the model not observed (--verbose lists them)`);
      }
      for (const view of ACTIVATION_VIEWS) out.push("", renderModelTable(viewAsModelResult(result, view), options).trimEnd());
      return `${out.join("\n")}\n`;
    })
    .join("\n");
}

/** `--compare`: each view's comparison (report/compare.ts), in one document. */
export interface ActivationComparisonDocument {
  pooled: ModelComparison;
  per_unit: ModelComparison;
}

export function renderActivationComparisonTable(document: ActivationComparisonDocument, options: TableOptions): string {
  return ACTIVATION_VIEWS.map((view) => renderComparisonTable(document[view], options)).join("\n");
}

/** One header, then every view's rows with a `view` column in front. */
export function renderActivationComparisonCsv(document: ActivationComparisonDocument): string {
  const parts = ACTIVATION_VIEWS.map((view) => {
    const [header = "", ...rows] = renderComparisonCsv(document[view]).trimEnd().split("\n");
    return { header: `view,${header}`, rows: rows.map((row) => `${view},${row}`) };
  });
  return `${[parts[0]!.header, ...parts.flatMap((part) => part.rows)].join("\n")}\n`;
}

export function renderActivationComparisonJson(document: ActivationComparisonDocument): string {
  return renderJsonDocument({ ...documentHeader(), command: "activations --compare", views: document });
}

/** The opening paragraph of the HTML report of `activations` (what the two views are). */
export const ACTIVATIONS_HTML_INTRO = `<p class="note">Neuron outputs (docs/METHOD.md §8). Each observed value is shown twice: <b>pooled</b> — every |a| over all inputs, samples × units × positions, normalised by its max — and <b>per unit</b> — one number per neuron or channel, its mean |a| over the inputs.
Both are binned and fitted exactly as weights are: the size-weighted histogram with the paper's lognormal (A, μ, σ, R²), and on the same histogram a half-normal, an exponential and a power law;
<b>null R²</b> is what the lognormal scores on a Gaussian sample of the same size, <b>best</b> the family with the smallest AIC. Flagged layers (grey) are left out of the summary row.</p>`;
