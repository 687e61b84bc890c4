/**
 * From what the user typed to opened models. Formats are recognised by content by the readers of
 * registry.ts. Directories expand to the models they hold (files a model pulls in, such as shards,
 * are not models of their own), and safetensors shard series (`x-00001-of-00003.safetensors`, …) are
 * grouped into one model. This is the one place that finds models among files; `jaynes scan`'s
 * roots, globs and failure entries are run/scan/discover.ts, on top of it.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { describeIoError } from "../io/byteSource.js";
import { filesInFolder, isFolder, locationKey } from "../io/location.js";
import { type FormatReader, detectFormat, registeredFormats, suggestedReader } from "./registry.js";
import { inDepthOrder } from "./depthOrder.js";
import { openShardSet, shardName } from "./safetensorsSharded.js";
import type { OpenedModel } from "./tensor.js";

/** One model to analyse: a display name and the file(s) it is opened from. */
export interface ModelInput {
  display: string;
  paths: string[];
}

/**
 * The models in a directory (not recursive): every recognised file, minus files that other models
 * consist of, with shard series grouped.
 */
export async function modelsInDirectory(directory: string): Promise<ModelInput[]> {
  return modelsAmong(await filesInFolder(directory));
}

export interface ModelsAmongOptions {
  /**
   * Also return, as inputs of their own, files no reader recognises whose name suggests a format
   * (`suggestedBy`) and files that cannot be read: opening them then says what is wrong. A batch
   * scan wants a truncated `x.safetensors` reported, not silently passed over.
   */
  keepSuspects?: boolean;
}

/**
 * The models among a list of files: recognised files minus the files other models consist of
 * (companions, wherever they are in the list), with shard series grouped. Order follows `paths`.
 */
export async function modelsAmong(paths: readonly string[], options: ModelsAmongOptions = {}): Promise<ModelInput[]> {
  const recognised: { path: string; reader: FormatReader }[] = [];
  const suspects: string[] = [];
  for (const path of paths) {
    try {
      const reader = await detectFormat(path);
      if (reader) recognised.push({ path, reader });
      else if (options.keepSuspects && suggestedReader(path)) suspects.push(path);
    } catch {
      // Unreadable or non-model files in a folder are not inputs; a named file that fails is reported.
      if (options.keepSuspects) suspects.push(path);
    }
  }
  const consumed = new Set<string>();
  for (const { path, reader } of recognised) {
    if (!reader.companions) continue;
    try {
      for (const file of await reader.companions(path)) consumed.add(locationKey(file));
    } catch {
      // A broken manifest is reported when its model is opened.
    }
  }
  const kept = new Set([...recognised.map(({ path }) => path), ...suspects].filter((path) => !consumed.has(locationKey(path))));
  return groupShards(paths.filter((path) => kept.has(path)));
}

/**
 * Every file below a local directory, depth first in sorted order (so the list is the same on every
 * machine). Hidden entries (`.git`, `.cache`, …) and the directories in `skip` are not entered;
 * symbolic links to files are listed, links to directories are not followed (no cycles).
 */
export async function filesInTree(directory: string, skip: readonly string[] = []): Promise<string[]> {
  const skipped = new Set(skip.map((path) => locationKey(path)));
  const files: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      throw new InputError("io", folder, describeIoError(error));
    }
    for (const entry of entries.sort((a, b) => compareNames(a.name, b.name))) {
      if (entry.name.startsWith(".")) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!skipped.has(locationKey(path))) await walk(path);
      } else if (entry.isFile() || (entry.isSymbolicLink() && (await stat(path).then((info) => info.isFile(), () => false)))) {
        files.push(path);
      }
    }
  };
  await walk(directory);
  return files;
}

/** Code-unit order: the same on every machine, whatever the locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Group safetensors shard files of one series into one input; other files stay one input each. */
export function groupShards(paths: string[]): ModelInput[] {
  const inputs: ModelInput[] = [];
  const series = new Map<string, ModelInput>();
  for (const path of paths) {
    const shard = shardName(path);
    if (!shard) {
      inputs.push({ display: path, paths: [path] });
      continue;
    }
    const key = `${shard.prefix}\u0000${shard.total}`;
    let group = series.get(key);
    if (!group) {
      group = { display: `${shard.prefix}-*-of-${String(shard.total).padStart(5, "0")}.safetensors`, paths: [] };
      series.set(key, group);
      inputs.push(group);
    }
    group.paths.push(path);
  }
  for (const group of series.values()) group.paths.sort();
  return inputs;
}

/** What the user typed → the models to analyse, in order. Directories expand; shard series group. */
export async function resolveInputs(paths: string[]): Promise<ModelInput[]> {
  const files: string[] = [];
  const inputs: ModelInput[] = [];
  for (const path of paths) {
    if (await isFolder(path)) {
      const models = await modelsInDirectory(path);
      if (models.length === 0) throw new InputError("unknown-format", path, "directory holds no supported model file");
      inputs.push(...models);
    } else {
      files.push(path);
    }
  }
  return [...groupShards(files), ...inputs];
}

/**
 * Open one model from a path (file, index, directory holding one model) or a list of shard files,
 * its tensors in depth order (depthOrder.ts).
 */
export async function openModel(path: string | string[]): Promise<OpenedModel> {
  return inDepthOrder(await openModelAsStored(path));
}

async function openModelAsStored(path: string | string[]): Promise<OpenedModel> {
  const paths = Array.isArray(path) ? path : [path];
  if (paths.length === 0) throw new RangeError("no path given");
  if (paths.length === 1) {
    const only = paths[0]!;
    if (await isFolder(only)) {
      const models = await modelsInDirectory(only);
      if (models.length !== 1) {
        throw new InputError("model", only, models.length === 0 ? "directory holds no supported model file" : `directory holds ${models.length} models; name one, or analyse them all with several paths`);
      }
      return openModelAsStored(models[0]!.paths.length === 1 ? models[0]!.paths[0]! : models[0]!.paths);
    }
    const reader = await detectFormat(only);
    if (reader) return reader.open(only);
    // Unrecognised content: if the name suggests a format, let its reader name the defect.
    const suggested = suggestedReader(only);
    if (suggested) await suggested.open(only);
    throw new InputError("unknown-format", only, `content matches no supported format (${registeredFormats().map((r) => r.name).join(", ")})`);
  }
  for (const file of paths) {
    const reader = await detectFormat(file);
    if (reader?.name !== "safetensors") throw new InputError("model", file, "only safetensors shards can be combined into one model");
  }
  const display = groupShards(paths).length === 1 ? groupShards(paths)[0]!.display : paths.join(" + ");
  return openShardSet(paths, display);
}
