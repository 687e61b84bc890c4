/**
 * Where a scan puts things inside its output folder. Per model, `models/<name>-<hash>.{csv,json}`:
 * the file's base name keeps it recognisable, the hash of the full model name keeps two `model.onnx`
 * from different folders apart, and the folder stays flat whatever the depth of the scanned tree.
 * `cache/<name>-<hash>.json` holds what a rerun may reuse; the summaries sit at the top.
 */
import { fingerprint } from "./shard.js";

export const MODELS_FOLDER = "models";
export const CACHE_FOLDER = "cache";
export const SUMMARY_FILES = { csv: "summary.csv", json: "summary.json", md: "summary.md", tex: "summary.tex" } as const;

/** The file stem of a model's outputs (unique per model name, safe on every filesystem). */
export function modelStem(model: string): string {
  const base = (model.split(/[\\/]+/).filter(Boolean).pop() ?? "").replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^\.+/, "").slice(0, 80) || "model";
  return `${base}-${fingerprint(model)}`;
}

/** The per-model layer tables, relative to the output folder (forward slashes, as recorded). */
export function modelOutputs(model: string): { csv: string; json: string } {
  const stem = modelStem(model);
  return { csv: `${MODELS_FOLDER}/${stem}.csv`, json: `${MODELS_FOLDER}/${stem}.json` };
}

/** `part-0002-of-0004.json`: sorts in shard order, names the series. */
export function partFileName(index: number, count: number): string {
  const width = Math.max(4, String(count).length);
  return `part-${String(index).padStart(width, "0")}-of-${String(count).padStart(width, "0")}.json`;
}
