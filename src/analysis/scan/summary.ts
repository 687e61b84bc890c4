/**
 * The documents a scan produces besides the per-model tables: the summary (one entry per model with
 * its Table 2 row, plus the inputs that failed and, when gates were given, their verdict) and the
 * partial result of one shard, which `jaynes merge` turns into the same summary. Nothing in them
 * depends on the machine, the time, the job count or the cache, so an unsharded scan and a merge of
 * its shards write the same bytes.
 */
import type { Failure } from "../../errors.js";
import { type DocumentHeader, METHOD } from "../../version.js";
import { compareNames } from "../../formats/open.js";
import type { ModelResult, ModelSettingsRecord } from "../model.js";
import type { Stored } from "../stored.js";
import type { ModelSummary } from "../summary.js";
import type { GateSettings, GateViolation } from "./gates.js";
import { modelOutputs } from "./outputs.js";
import type { Shard } from "./shard.js";

/** What was scanned, as given on the command line. */
export interface ScanScope {
  roots: string[];
  glob: string[];
}

/** One model of a scan summary. */
export interface ScanModelEntry {
  model: string;
  format: string;
  files: string[];
  bytes: number;
  tensors: number;
  /** Layers with a fit (flagged or not). */
  fitted: number;
  /** Fitted layers carrying any quality flag. */
  flagged: number;
  skipped: number;
  /** The paper's Table 2 row: over the unflagged fitted layers (all with --include-flagged). */
  summary: ModelSummary;
  /** The model's layer tables, relative to the output folder. */
  outputs: { csv: string; json: string };
}

/** The verdict of the gates of a scan. */
export interface GateReport {
  settings: GateSettings;
  passed: boolean;
  violations: GateViolation[];
}

export interface ScanSummary extends DocumentHeader {
  kind: "scan-summary";
  scan: ScanScope;
  settings: ModelSettingsRecord;
  models: ScanModelEntry[];
  failures: Failure[];
  gates?: GateReport;
}

/** A finished scan (or a merge of shards): what the summaries are built from. */
export interface ScanResults {
  scope: ScanScope;
  settings: ModelSettingsRecord;
  /** Sorted by model name; numbers as JSON holds them (non-finite → null, analysis/stored.ts). */
  results: Stored<ModelResult>[];
  failures: Failure[];
}

/** One shard's share of a scan: the full results, so the merge can write tables and apply gates. */
export interface ScanPart extends DocumentHeader {
  kind: "scan-part";
  shard: Shard;
  scan: ScanScope;
  settings: ModelSettingsRecord;
  models: Stored<ModelResult>[];
  failures: Failure[];
}

/** Results and failures in the one order every output uses: by model name, in code-unit order. */
export function sortScan(results: readonly Stored<ModelResult>[], failures: readonly Failure[]): { results: Stored<ModelResult>[]; failures: Failure[] } {
  return {
    results: [...results].sort((a, b) => compareNames(a.model, b.model)),
    failures: [...failures].sort((a, b) => compareNames(a.model, b.model) || compareNames(a.error, b.error)),
  };
}

export function scanModelEntry(result: Stored<ModelResult>): ScanModelEntry {
  return {
    model: result.model,
    format: result.format,
    files: result.files,
    bytes: result.bytes,
    tensors: result.tensors,
    fitted: result.layers.length,
    flagged: result.layers.filter((layer) => layer.flags.length > 0).length,
    skipped: result.skipped.length,
    summary: result.summary,
    outputs: modelOutputs(result.model),
  };
}

/** The summary document of a scan (`summary.json`) from its results and failures, sorted by name. */
export function buildScanSummary(version: string, scope: ScanScope, settings: ModelSettingsRecord, results: readonly Stored<ModelResult>[], failures: readonly Failure[], gates?: GateReport): ScanSummary {
  const sorted = sortScan(results, failures);
  return {
    tool: "jaynes",
    version,
    method: { ...METHOD },
    kind: "scan-summary",
    scan: scope,
    settings,
    models: sorted.results.map(scanModelEntry),
    failures: sorted.failures,
    ...(gates ? { gates } : {}),
  };
}
