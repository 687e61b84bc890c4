/**
 * From what the user typed to opened models. Formats are recognised by content by the readers of
 * registry.ts. This is the one place that finds models among files (`jaynes scan`'s roots, globs and
 * failure entries are run/scan/discover.ts, on top of it). Directories expand to the
 * models they hold (files a model pulls in, such as shards, are not models of their own; training
 * companions such as optimizer states are skipped — folderListing.ts), a folder of Trainer
 * `checkpoint-N/` folders expands to each checkpoint, and shard series (`x-00001-of-00003.safetensors`,
 * `….gguf`) are grouped into one model, which must be complete.
 */
import { readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { InputError } from "../errors.js";
import { type ByteSource, nameOfByteSource } from "../io/byteSource.js";
import { baseNameOf, isFolder, isRemoteLocation, locationKey, parentOf } from "../io/location.js";
import { listFolder, walkTree } from "./folderListing.js";
import { openGgufSplits } from "./gguf/gguf.js";
import { type FormatReader, detectFormat, registeredFormats, suggestedReader } from "./registry.js";
import { inDepthOrder } from "./depthOrder.js";
import { openShardSet } from "./safetensorsSharded.js";
import { type ModelInput, checkSeriesComplete, groupShards, shardName } from "./shardSeries.js";
import type { OpenedModel } from "./tensor.js";
import { checkModelBounds } from "./bounds.js";
import { withQuantizedTensors } from "./quantization/detect.js";
import { type SkippedEntry, companionReason, isOptimizerState } from "./trainingFiles.js";

export { type ModelInput, groupShards } from "./shardSeries.js";
export { compareNames } from "./folderListing.js";

/** Options of `resolveInputs`. */
export interface ResolveOptions {
  /** Told of every file or folder left out of a folder's models (training companions, …) and why. */
  onSkipped?: (entry: SkippedEntry) => void;
  /**
   * A folder of `checkpoint-N/` folders is a series: only the checkpoints, not the models saved beside
   * them (the final save duplicates the last checkpoint). Without it, both.
   */
  seriesOnly?: boolean;
}

/**
 * The models in a directory (not recursive): every recognised file, minus files that other models
 * consist of and training companions, with shard series grouped.
 */
export async function modelsInDirectory(directory: string, options: ResolveOptions = {}): Promise<ModelInput[]> {
  const listing = await listFolder(directory);
  for (const entry of listing.skipped) options.onSkipped?.(entry);
  return modelsAmong(listing.files);
}

/** Options of `modelsAmong`. */
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
 * machine), as `walkTree` lists them (hidden entries, the folders in `skip`, engine-state folders and
 * training companions left out; a Hugging Face cache read through its snapshots). Sub-folders that
 * cannot be read are left out here; `walkTree` reports them.
 */
export async function filesInTree(directory: string, skip: readonly string[] = []): Promise<string[]> {
  return (await walkTree(directory, skip)).files;
}

/**
 * The models of a folder for `fit`/`dynamics`: those directly in it, and those of its Trainer
 * `checkpoint-N/` folders (in natural order of N), each of which must hold one.
 */
async function folderInputs(path: string, options: ResolveOptions): Promise<ModelInput[]> {
  const listing = await listFolder(path);
  for (const entry of listing.skipped) options.onSkipped?.(entry);
  const own = await modelsAmong(listing.files);
  if (listing.checkpoints.length === 0) return own;
  const inputs: ModelInput[] = [];
  if (options.seriesOnly) {
    for (const model of own) options.onSkipped?.({ path: model.display, reason: "a model beside checkpoint-N/ folders (the final save): not part of the series; name it to include it" });
  } else for (const model of own) inputs.push(model);
  const steps = (folder: string): number => Number(/\d+$/.exec(baseNameOf(folder))?.[0]);
  for (const folder of [...listing.checkpoints].sort((a, b) => steps(a) - steps(b))) {
    const { names, forwarding } = collectSkipped(options);
    const models = await modelsInDirectory(folder, forwarding);
    if (models.length === 0) throw new InputError("unknown-format", folder, `checkpoint folder holds no supported model file${skippedNote(names)}`);
    for (const model of models) inputs.push(model);
  }
  return inputs;
}

/** What the user typed → the models to analyse, in order. Directories expand; shard series group. */
export async function resolveInputs(paths: string[], options: ResolveOptions = {}): Promise<ModelInput[]> {
  const files: string[] = [];
  const inputs: ModelInput[] = [];
  for (const path of paths) {
    if (await isFolder(path)) {
      const { names, forwarding } = collectSkipped(options);
      const models = await folderInputs(path, forwarding);
      if (models.length === 0) throw new InputError("unknown-format", path, `directory holds no supported model file${skippedNote(names)}`);
      for (const model of models) inputs.push(model);
    } else {
      files.push(path);
    }
  }
  return [...groupShards(files), ...inputs];
}

/** The names of what is skipped, collected on the way to the caller's own `onSkipped`. */
function collectSkipped(options: ResolveOptions): { names: string[]; forwarding: ResolveOptions } {
  const names: string[] = [];
  return { names, forwarding: { ...options, onSkipped: (entry) => (names.push(baseNameOf(entry.path)), options.onSkipped?.(entry)) } };
}

/** What a folder without models held instead, briefly (" (skipped: optimizer.pt, …; -v says why)"). */
function skippedNote(names: readonly string[]): string {
  if (names.length === 0) return "";
  const shown = names.length > 4 ? [...names.slice(0, 4), `… ${names.length - 4} more`] : names;
  return ` (skipped: ${shown.join(", ")}; --verbose says why)`;
}

/** File names in the folder of `path` (to tell a shard given alone from a missing one); empty for hf://. */
async function namesBeside(path: string): Promise<Set<string>> {
  if (isRemoteLocation(path)) return new Set();
  return new Set(await readdir(parentOf(path)).catch(() => []));
}

/**
 * Where a model is: a path (a file, a shard index, a folder holding one model, `hf://owner/repo…`, an
 * http(s) URL, or a name a registered source opener serves), a `file:` or `http(s):` URL object, a
 * ByteSource of the caller's (a file in memory, a custom store), or the shard files of one model.
 */
export type ModelSource = string | URL | ByteSource | readonly string[];

/** The path, or paths, a ModelSource is opened from (a ByteSource is registered under its name). */
export function modelSourcePaths(source: ModelSource): string | string[] {
  if (typeof source === "string") return source;
  if (source instanceof URL) return source.protocol === "file:" ? fileURLToPath(source) : source.href;
  if (isStringList(source)) return [...source];
  return nameOfByteSource(source);
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value);
}

/**
 * Open one model: its format is recognised by content and its tensors listed (no tensor data is
 * read), quantised tensors decoded, in depth order (depthOrder.ts). An InputError names what is
 * wrong with the input.
 */
export async function openModel(source: ModelSource): Promise<OpenedModel> {
  return inDepthOrder(await withQuantizedTensors(await openModelFiles(modelSourcePaths(source))));
}

async function openModelFiles(path: string | string[]): Promise<OpenedModel> {
  const paths = Array.isArray(path) ? path : [path];
  if (paths.length === 0) throw new RangeError("no path given");
  if (paths.length === 1) {
    const only = paths[0]!;
    if (await isFolder(only)) {
      const models = await modelsInDirectory(only);
      if (models.length !== 1) {
        throw new InputError("model", only, models.length === 0 ? "directory holds no supported model file" : `directory holds ${models.length} models; name one, or analyse them all with several paths`);
      }
      return openModelFiles(models[0]!.paths.length === 1 ? models[0]!.paths[0]! : models[0]!.paths);
    }
    const companion = companionReason(only);
    if (companion !== undefined && !isOptimizerState(only)) throw new InputError("model", only, `is ${companion}`);
    const shard = shardName(only);
    if (shard && shard.total > 1) checkSeriesComplete([only], only, await namesBeside(only));
    const reader = await detectFormat(only);
    if (reader) return withinBounds(await reader.open(only));
    // Unrecognised content: if the name suggests a format, let its reader name the defect.
    const suggested = suggestedReader(only);
    if (suggested) await suggested.open(only);
    throw new InputError("unknown-format", only, `content matches no supported format (${registeredFormats().map((r) => r.name).join(", ")})`);
  }
  const groups = groupShards(paths);
  const display = groups.length === 1 ? groups[0]!.display : paths.join(" + ");
  if (groups.length === 1 && shardName(paths[0]!)) checkSeriesComplete(paths, display, await namesBeside(paths[0]!));
  const formats: (string | undefined)[] = [];
  for (const file of paths) formats.push((await detectFormat(file))?.name);
  if (groups.length === 1 && formats.every((format) => format === "gguf")) return withinBounds(await openGgufSplits(paths, display));
  const other = formats.findIndex((format) => format !== "safetensors");
  if (other >= 0) throw new InputError("model", paths[other]!, "only safetensors shards (or the GGUF files of one split series) can be combined into one model");
  return withinBounds(await openShardSet(paths, display));
}

/** A model is checked against the limits every model obeys (formats/bounds.ts) before it is analysed. */
function withinBounds(model: OpenedModel): OpenedModel {
  checkModelBounds(model);
  return model;
}
