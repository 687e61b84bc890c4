/**
 * JSON: one document `{tool, version, models: [ModelResult…], failures: […]}`; JSONL: one object per
 * fitted layer (the CSV fields). Non-finite numbers, which JSON cannot hold, are written as null.
 */
import type { ModelResult } from "../analysis/model.js";
import { flatLayers } from "./fields.js";

export interface Failure {
  model: string;
  error: string;
  code: string;
}

export interface JsonReport {
  tool: "jaynes";
  version: string;
  models: ModelResult[];
  failures: Failure[];
}

export function replacer(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

export function renderJson(report: JsonReport): string {
  return renderJsonDocument(report);
}

/** Any result document, pretty-printed, non-finite numbers as null. */
export function renderJsonDocument(document: unknown): string {
  return `${JSON.stringify(document, replacer, 2)}\n`;
}

export function renderJsonl(models: readonly ModelResult[]): string {
  return flatLayers(models).map((layer) => `${JSON.stringify(layer, replacer)}\n`).join("");
}
