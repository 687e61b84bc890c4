/**
 * Sharded safetensors checkpoints are one model: either a `*.safetensors.index.json` (Hugging Face's
 * `{"metadata": {...}, "weight_map": {tensor: shard file}}`) or a list of shard files. Every shard's
 * header is validated; a tensor found in two shards, or named by the index but missing from its
 * shard, makes the model invalid. Shard paths in an index must stay inside the index's folder.
 */
import { InputError } from "../errors.js";
import { openSource } from "../io/byteSource.js";
import { containedPath } from "../io/containment.js";
import { parentOf } from "../io/location.js";
import { readSafetensorsHeader } from "./safetensors.js";
import { isPlainObject, parseStrictJson } from "./strictJson.js";
import type { OpenedModel, TensorRecord } from "./tensor.js";
import { readSmallFile } from "./smallFile.js";

/**
 * Resolve a file named inside a model's folder, refusing absolute paths, escapes (`..`) and links
 * that resolve outside it (the containment rule: io/containment.ts).
 */
export function resolveInside(folder: string, name: string, referrer: string): string {
  return containedPath(folder, name, referrer);
}

export async function readShardIndex(indexPath: string): Promise<{ metadata: Record<string, string>; weightMap: Map<string, string> }> {
  const text = await readSmallFile(indexPath, 64 * 1024 * 1024);
  const parsed = parseStrictJson(text);
  if ("error" in parsed) throw new InputError(parsed.error.startsWith("duplicate") ? "duplicate-key" : "header-json", indexPath, parsed.error);
  const index = parsed.value;
  if (!isPlainObject(index) || !isPlainObject(index.weight_map)) throw new InputError("header-json", indexPath, "not a shard index (no weight_map object)");
  const metadata: Record<string, string> = {};
  if (isPlainObject(index.metadata)) for (const [key, value] of Object.entries(index.metadata)) metadata[key] = typeof value === "string" ? value : JSON.stringify(value);
  const weightMap = new Map<string, string>();
  for (const [tensor, file] of Object.entries(index.weight_map)) {
    if (typeof file !== "string") throw new InputError("header-json", indexPath, "weight_map value is not a file name", tensor);
    if (file.trim() === "") throw new InputError("header-json", indexPath, "weight_map value is an empty file name", tensor);
    weightMap.set(tensor, file);
  }
  if (weightMap.size === 0) throw new InputError("header-json", indexPath, "weight_map is empty: the index names no tensor");
  return { metadata, weightMap };
}

/** Shard files an index refers to, resolved and checked to be inside its folder. */
export async function shardIndexFiles(indexPath: string): Promise<string[]> {
  const { weightMap } = await readShardIndex(indexPath);
  const folder = parentOf(indexPath);
  return [...new Set(weightMap.values())].map((file) => resolveInside(folder, file, indexPath));
}

async function openShards(files: string[]): Promise<{ tensors: TensorRecord[]; owner: Map<string, string>; bytes: number; metadata: Record<string, string> }> {
  const tensors: TensorRecord[] = [];
  const owner = new Map<string, string>();
  const metadata: Record<string, string> = {};
  let bytes = 0;
  for (const file of files) {
    const source = await openSource(file);
    try {
      const header = await readSafetensorsHeader(source);
      bytes += source.size;
      Object.assign(metadata, header.metadata);
      for (const tensor of header.tensors) {
        const previous = owner.get(tensor.name);
        if (previous !== undefined) throw new InputError("model", file, `tensor is also in ${previous}; shards of one model must not repeat tensors`, tensor.name);
        owner.set(tensor.name, file);
        tensors.push(tensor);
      }
    } finally {
      await source.close();
    }
  }
  return { tensors, owner, bytes, metadata };
}

export async function openShardIndex(indexPath: string): Promise<OpenedModel> {
  const { metadata, weightMap } = await readShardIndex(indexPath);
  const folder = parentOf(indexPath);
  const files = [...new Set(weightMap.values())].map((file) => resolveInside(folder, file, indexPath));
  const shards = await openShards(files);
  for (const [tensor, file] of weightMap) {
    const path = resolveInside(folder, file, indexPath);
    if (shards.owner.get(tensor) !== path) throw new InputError("model", indexPath, `listed in weight_map under ${file} but that shard does not hold it`, tensor);
  }
  return { path: indexPath, format: "safetensors", files: [indexPath, ...files], bytes: shards.bytes, metadata: { ...shards.metadata, ...metadata }, tensors: shards.tensors };
}

/** Several shard files given directly: one model. */
export async function openShardSet(files: string[], display: string): Promise<OpenedModel> {
  const shards = await openShards(files);
  return { path: display, format: "safetensors", files, bytes: shards.bytes, metadata: shards.metadata, tensors: shards.tensors };
}
