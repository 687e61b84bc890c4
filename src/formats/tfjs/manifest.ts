/**
 * TF.js weight manifests (tfjs-core `io/types.ts`: WeightsManifestConfig): an array of groups
 * `{paths: [shard files], weights: [{name, shape, dtype, quantization?}]}`. A `model.json` (graph
 * model or layers model) carries one as `weightsManifest`; face-api and others ship it bare.
 * Parsing here is structural only: every field is checked and every defect is one InputError.
 */
import { InputError } from "../../errors.js";
import { readSmallFile } from "../smallFile.js";
import { executionRanks } from "./graphOrder.js";
import { isPlainObject, parseStrictJson } from "../strictJson.js";
import { checkTensorCount } from "../bounds.js";

/** JSON manifests and model.json files larger than this are refused (topologies run to a few MB). */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

export type TfjsDtype = "float32" | "int32" | "bool" | "string" | "complex64";
const DTYPES: readonly TfjsDtype[] = ["float32", "int32", "bool", "string", "complex64"];

export interface TfjsQuantization {
  dtype: "uint8" | "uint16" | "float16";
  scale?: number;
  min?: number;
}

export interface TfjsEntry {
  name: string;
  shape: number[];
  dtype: TfjsDtype;
  quantization?: TfjsQuantization;
}

export interface TfjsGroup {
  paths: string[];
  weights: TfjsEntry[];
}

export interface TfjsManifest {
  /** "graph-model", "layers-model", or "weights-manifest" for a bare array. */
  kind: string;
  metadata: Record<string, string>;
  groups: TfjsGroup[];
  /** A graph model's nodes in execution order (graphOrder.ts), by name. */
  executionRanks?: Map<string, number>;
}

/** Parse a model.json / manifest; `undefined` when the JSON is not shaped like one (detection). */
export function manifestFromJson(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value.length > 0 && value.every((group) => isPlainObject(group) && Array.isArray(group.paths) && Array.isArray(group.weights)) ? value : undefined;
  if (isPlainObject(value) && Array.isArray(value.weightsManifest)) return value.weightsManifest;
  return undefined;
}

export async function readManifestJson(path: string): Promise<unknown> {
  const text = await readSmallFile(path, MAX_MANIFEST_BYTES);
  const parsed = parseStrictJson(text);
  if ("error" in parsed) throw new InputError(parsed.error.startsWith("duplicate") ? "duplicate-key" : "header-json", path, parsed.error);
  return parsed.value;
}

export async function readManifest(path: string): Promise<TfjsManifest> {
  const value = await readManifestJson(path);
  const raw = manifestFromJson(value);
  if (!raw) throw new InputError("header-json", path, "not a TF.js model.json (no weightsManifest array) nor a weight manifest (an array of {paths, weights} groups)");
  checkTensorCount(path, raw.reduce<number>((sum, group) => sum + (isPlainObject(group) && Array.isArray(group.weights) ? group.weights.length : 0), 0), "weights");
  const metadata: Record<string, string> = {};
  let kind = "weights-manifest";
  let ranks: Map<string, number> | undefined;
  if (isPlainObject(value)) {
    kind = typeof value.format === "string" ? value.format : "model-json";
    for (const key of ["format", "generatedBy", "convertedBy"]) if (typeof value[key] === "string") metadata[key] = value[key];
    // A layers model's topology is a Keras config; its manifest is already in the model's weight order.
    if (kind === "graph-model") ranks = executionRanks(value.modelTopology);
  }
  return { kind, metadata, groups: raw.map((group, index) => parseGroup(path, group, index)), ...(ranks ? { executionRanks: ranks } : {}) };
}

function parseGroup(path: string, group: unknown, index: number): TfjsGroup {
  const where = `weightsManifest[${index}]`;
  if (!isPlainObject(group)) throw new InputError("header-json", path, `${where} is not an object`);
  const { paths, weights } = group;
  if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === "string" && p.length > 0)) {
    throw new InputError("header-json", path, `${where}.paths is not a non-empty list of file names`);
  }
  if (!Array.isArray(weights)) throw new InputError("header-json", path, `${where}.weights is not a list`);
  return { paths: paths as string[], weights: weights.map((entry, i) => parseEntry(path, entry, `${where}.weights[${i}]`)) };
}

function parseEntry(path: string, entry: unknown, where: string): TfjsEntry {
  if (!isPlainObject(entry)) throw new InputError("header-json", path, `${where} is not an object`);
  const { name, shape, dtype, quantization } = entry;
  if (typeof name !== "string") throw new InputError("header-json", path, `${where}.name is not a string`);
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw new InputError("tensor-info", path, "shape is not a list of non-negative integers", name);
  }
  if (typeof dtype !== "string" || !DTYPES.includes(dtype as TfjsDtype)) throw new InputError("unsupported-dtype", path, `unknown dtype ${JSON.stringify(dtype)}`, name);
  const parsed: TfjsEntry = { name, shape: shape as number[], dtype: dtype as TfjsDtype };
  if (quantization !== undefined && quantization !== null) parsed.quantization = parseQuantization(path, name, quantization);
  return parsed;
}

function parseQuantization(path: string, name: string, quantization: unknown): TfjsQuantization {
  if (!isPlainObject(quantization)) throw new InputError("tensor-info", path, "quantization is not an object", name);
  const { dtype, scale, min } = quantization;
  if (dtype === "float16") return { dtype };
  if (dtype !== "uint8" && dtype !== "uint16") throw new InputError("unsupported-dtype", path, `unknown quantization dtype ${JSON.stringify(dtype)}`, name);
  if (typeof scale !== "number" || typeof min !== "number" || !Number.isFinite(scale) || !Number.isFinite(min)) {
    throw new InputError("tensor-info", path, `${dtype} quantization needs finite numbers scale and min`, name);
  }
  return { dtype, scale, min };
}
