/**
 * JSON: one document `{tool, version, models: [ModelResult…], failures: […]}`; JSONL: one object per
 * fitted layer (the CSV fields). Non-finite numbers, which JSON cannot hold, are written as null.
 */
import type { ModelResult } from "../analysis/model.js";
import { nonFiniteAsNull, type Stored } from "../analysis/stored.js";
import type { Failure } from "../errors.js";
import { flatLayers } from "./fields.js";

export interface JsonReport {
  tool: "jaynes";
  version: string;
  models: readonly Stored<ModelResult>[];
  failures: readonly Failure[];
}

/** Non-finite numbers, which JSON cannot hold, become null. */
export const replacer = nonFiniteAsNull;

export function renderJson(report: JsonReport): string {
  return renderJsonDocument(report);
}

/** Any result document, pretty-printed, non-finite numbers as null. */
export function renderJsonDocument(document: unknown): string {
  return `${JSON.stringify(document, replacer, 2)}\n`;
}

export function renderJsonl(models: readonly Stored<ModelResult>[]): string {
  return flatLayers(models).map((layer) => `${JSON.stringify(layer, replacer)}\n`).join("");
}
