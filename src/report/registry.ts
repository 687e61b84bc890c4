/**
 * The one renderer registry: for every kind of document a command produces, the `--format`s it can
 * be printed in and the renderer of each. Commands never switch on a format: they parse `--format`
 * against `formatsOf(kind)` and call `render(kind, format, document, context)`.
 *
 * - A new output format: a renderer file in report/, plus one line per document kind it serves in
 *   `RENDERERS` below.
 * - A new command: its document type in `Documents`, and its renderers in `RENDERERS`.
 *
 * Files a command writes besides its main output (figures, the HTML report, a scan's summary files)
 * are not `--format`s; the use cases (src/run) write them with the same renderer functions.
 */
import type { ActivationResult } from "../analysis/activations/result.js";
import type { ModelComparison } from "../analysis/compare.js";
import type { DynamicsResult } from "../analysis/dynamics/analyze.js";
import type { ModelResult } from "../analysis/model.js";
import type { ScanSummary } from "../analysis/scan/summary.js";
import type { Failure } from "../errors.js";
import { documentHeader } from "../version.js";
import {
  type ActivationComparisonDocument,
  renderActivationComparisonCsv,
  renderActivationComparisonJson,
  renderActivationComparisonTable,
  renderActivationCsv,
  renderActivationJson,
  renderActivationJsonl,
  renderActivationTables,
} from "./activations.js";
import { renderComparisonCsv, renderComparisonTable } from "./compare.js";
import { renderCsv } from "./csv.js";
import { type InitReport, renderInitJson, renderInitTable } from "./init.js";
import { renderDynamicsCsv, renderDynamicsJson, renderDynamicsTable } from "./dynamics.js";
import { renderJson, renderJsonDocument, renderJsonl } from "./json.js";
import { renderScanCsv, renderScanTable } from "./scanSummary.js";
import { renderTables } from "./table.js";

/** What every renderer may take into account besides the document. */
export interface RenderContext {
  /** ANSI colour allowed (a terminal, NO_COLOR unset, not writing to a file). */
  color: boolean;
  /** Longer listings (e.g. the skipped tensors of `fit`). */
  verbose: boolean;
  /** Terminal columns the tables fit into (names shortened); undefined: no limit, names whole. */
  width?: number;
  /** `fit`'s layer table columns by id (report/layerColumns.ts); default the compact set. */
  columns?: readonly string[];
}

/** `jaynes fit`'s document: the fitted models and the inputs that failed. */
export interface FitDocument {
  models: readonly ModelResult[];
  failures: readonly Failure[];
}

/** `jaynes activations`' document: the models run and the ones that failed. */
export interface ActivationsDocument {
  models: readonly ActivationResult[];
  failures: readonly Failure[];
}

/** The documents commands print, by kind. */
export interface Documents {
  fit: FitDocument;
  activations: ActivationsDocument;
  "activations-compare": ActivationComparisonDocument;
  compare: ModelComparison;
  dynamics: DynamicsResult;
  scan: ScanSummary;
  init: InitReport;
}

export type DocumentKind = keyof Documents;
export type Renderer<D> = (document: D, context: RenderContext) => string;
type RendererTable = { readonly [K in DocumentKind]: Readonly<Record<string, Renderer<Documents[K]>>> };

/** Formats in the order `--help` lists them; the first is the default. */
export const RENDERERS: RendererTable = {
  fit: {
    table: (fit, context) => renderTables(fit.models, context),
    csv: (fit) => renderCsv(fit.models),
    json: (fit) => renderJson({ ...documentHeader(), models: fit.models, failures: fit.failures }),
    jsonl: (fit) => renderJsonl(fit.models),
  },
  activations: {
    table: (document, context) => renderActivationTables(document.models, context),
    csv: (document) => renderActivationCsv(document.models),
    json: (document) => renderActivationJson(document.models, document.failures),
    jsonl: (document) => renderActivationJsonl(document.models),
  },
  "activations-compare": {
    table: (document, context) => renderActivationComparisonTable(document, context),
    csv: (document) => renderActivationComparisonCsv(document),
    json: (document) => renderActivationComparisonJson(document),
  },
  compare: {
    table: (comparison, context) => renderComparisonTable(comparison, context),
    csv: (comparison) => renderComparisonCsv(comparison),
    json: (comparison) => renderJsonDocument({ ...documentHeader(), ...comparison }),
  },
  dynamics: {
    table: (result, context) => renderDynamicsTable(result, context),
    csv: (result) => renderDynamicsCsv(result),
    json: (result) => renderDynamicsJson(result),
  },
  scan: {
    table: (summary, context) => renderScanTable(summary, context),
    csv: (summary) => renderScanCsv(summary),
    json: (summary) => renderJsonDocument(summary),
  },
  init: {
    table: (report, context) => renderInitTable(report, context),
    json: (report) => renderInitJson(report),
  },
};

/** The formats a kind of document can be printed in, the default first. */
export function formatsOf(kind: DocumentKind): string[] {
  return Object.keys(RENDERERS[kind]);
}

export function render<K extends DocumentKind>(kind: K, format: string, document: Documents[K], context: RenderContext): string {
  const renderer = (RENDERERS[kind] as Readonly<Record<string, Renderer<Documents[K]>>>)[format];
  if (!renderer) throw new RangeError(`no ${format} renderer for ${kind} (formats: ${formatsOf(kind).join(", ")})`);
  return renderer(document, context);
}
