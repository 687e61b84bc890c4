/** CSV (RFC 4180): one header row, one row per fitted layer of every model; shape as "256x784". */
import type { ModelResult } from "../analysis/model.js";
import type { Stored } from "../analysis/stored.js";
import { LAYER_COLUMNS, flatLayers, layerColumnValue, type FlatLayer } from "./fields.js";

export function csvField(value: unknown): string {
  if (value === undefined || value === null) return "";
  let text: string;
  if (Array.isArray(value)) text = value.join(";");
  else if (typeof value === "number") text = Number.isFinite(value) ? String(value) : Number.isNaN(value) ? "NaN" : value > 0 ? "Inf" : "-Inf";
  else text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function cell(layer: FlatLayer, column: string): string {
  if (column === "shape") return layer.shape.join("x");
  return csvField(layerColumnValue(layer, column));
}

/**
 * `jaynes fit --format csv`: one row per fitted layer of every model (README "Output").
 * `extraColumns`: fields a command adds to its layers (e.g. `view` of activations), after the standard ones.
 */
export function renderCsv(models: readonly Stored<ModelResult>[], extraColumns: readonly string[] = []): string {
  const columns = [...LAYER_COLUMNS, ...extraColumns];
  const lines = [columns.join(",")];
  for (const layer of flatLayers(models)) lines.push(columns.map((column) => cell(layer, column)).join(","));
  return `${lines.join("\n")}\n`;
}
