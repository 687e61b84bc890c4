/**
 * JSON: one document `{tool, version, method, models: [ModelResult…], failures: […]}`; JSONL: one object per
 * fitted layer (the CSV fields). Non-finite numbers, which JSON cannot hold, are written as null.
 */
import type { ModelResult } from "../analysis/model.js";
import { nonFiniteAsNull, type Stored } from "../analysis/stored.js";
import type { Failure } from "../errors.js";
import type { DocumentHeader } from "../version.js";
import { flatLayers } from "./fields.js";

/** `jaynes fit --format json`: the header (tool, version, method), the models and the failed inputs. */
export interface JsonReport extends DocumentHeader {
  models: readonly Stored<ModelResult>[];
  failures: readonly Failure[];
}

/** Non-finite numbers, which JSON cannot hold, become null. */
export const replacer = nonFiniteAsNull;

/** `jaynes fit --format json`. */
export function renderJson(report: JsonReport): string {
  return renderJsonDocument(report);
}

/** Any result document, pretty-printed, non-finite numbers as null. */
export function renderJsonDocument(document: unknown): string {
  return `${JSON.stringify(document, replacer, 2)}\n`;
}

/** `jaynes fit --format jsonl`: one line per fitted layer (the CSV fields, alternatives nested). */
export function renderJsonl(models: readonly Stored<ModelResult>[]): string {
  return flatLayers(models).map((layer) => `${JSON.stringify(layer, replacer)}\n`).join("");
}
