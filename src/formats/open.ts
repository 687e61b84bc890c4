/**
 * From what the user typed to opened models. Formats are recognised by content (magic bytes or JSON
 * structure), never by extension; each format registers a `FormatReader`. Directories expand to the
 * models they hold (files a model pulls in, such as shards, are not models of their own; training
 * companions such as optimizer states are skipped — folderListing.ts), a folder of Trainer
 * `checkpoint-N/` folders expands to each checkpoint, and shard series (`x-00001-of-00003.safetensors`,
 * `….gguf`) are grouped into one model, which must be complete.
 */
import { readdir, stat } from "node:fs/promises";
import { InputError } from "../errors.js";
import { describeIoError, openSource } from "../io/byteSource.js";
import { hubIsFolder, isHubAddress } from "../io/hub/index.js";
import { baseNameOf, locationKey, parentOf } from "../io/location.js";
import { checkpointReaders, pytorchIndexReader } from "./checkpointReaders.js";
import { listFolder, walkTree } from "./folderListing.js";
import { openGgufSplits } from "./gguf/gguf.js";
import { type ModelInput, checkSeriesComplete, groupShards, shardName } from "./shardSeries.js";
import { type SkippedEntry, companionReason, isOptimizerState } from "./trainingFiles.js";
import { looksLikeOnnx, onnxCompanions, openOnnx } from "./onnx/onnx.js";
import { looksLikeSafetensors, openSafetensorsFile } from "./safetensors.js";
import { looksLikeTfjs, openTfjs, tfjsCompanions } from "./tfjs/tfjs.js";
import { looksLikeTflite, openTflite } from "./tflite/tflite.js";
import { openShardIndex, openShardSet, readShardIndex, shardIndexFiles } from "./safetensorsSharded.js";
import type { OpenedModel } from "./tensor.js";

export interface FormatReader {
  name: string;
  /** Content test on the first bytes of a file (up to HEAD_BYTES). May read more of the file. */
  detect(head: Uint8Array, path: string): boolean | Promise<boolean>;
  open(path: string): Promise<OpenedModel>;
  /** Other files this model consists of (so a directory listing does not treat them as models). */
  companions?(path: string): Promise<string[]>;
  /**
   * File name endings that suggest this format. Never used to *accept* a file: only when no format
   * recognises the content, the suggested reader opens it to say precisely what is wrong.
   */
  suggestedBy?: string[];
}

export const HEAD_BYTES = 64;

const startsWithJsonObject = (head: Uint8Array): boolean => {
  for (const byte of head) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
    return byte === 0x7b;
  }
  return false;
};

const readers: FormatReader[] = [
  {
    name: "safetensors",
    detect: (head) => looksLikeSafetensors(head),
    open: openSafetensorsFile,
    suggestedBy: [".safetensors"],
  },
  pytorchIndexReader,
  {
    name: "safetensors-index",
    detect: async (head, path) => {
      if (!startsWithJsonObject(head)) return false;
      try {
        await readShardIndex(path);
        return true;
      } catch {
        return false;
      }
    },
    open: openShardIndex,
    companions: shardIndexFiles,
    // A defective index is still an index: its reader says what is wrong with it.
    suggestedBy: [".index.json"],
  },
  {
    name: "onnx",
    detect: looksLikeOnnx,
    open: openOnnx,
    companions: onnxCompanions,
    suggestedBy: [".onnx"],
  },
  {
    name: "tflite",
    detect: (head) => looksLikeTflite(head),
    open: openTflite,
    suggestedBy: [".tflite"],
  },
  {
    name: "tfjs",
    detect: looksLikeTfjs,
    open: openTfjs,
    companions: tfjsCompanions,
    suggestedBy: ["model.json", "weights_manifest.json"],
  },
  ...checkpointReaders,
];

/** Add a format. Readers registered later are tried first only if `first` is set. */
export function registerFormat(reader: FormatReader, first = false): void {
  if (first) readers.unshift(reader);
  else readers.push(reader);
}

export function registeredFormats(): readonly FormatReader[] {
  return readers;
}

async function readHead(path: string): Promise<Uint8Array> {
  const source = await openSource(path);
  try {
    const head = new Uint8Array(Math.min(HEAD_BYTES, source.size));
    await source.readExact(head, 0);
    return head;
  } finally {
    await source.close();
  }
}

/** The reader for a file, or undefined when no format recognises its content. */
export async function detectFormat(path: string): Promise<FormatReader | undefined> {
  const head = await readHead(path);
  for (const reader of readers) if (await reader.detect(head, path)) return reader;
  return undefined;
}

async function isDirectory(path: string): Promise<boolean> {
  if (isHubAddress(path)) return hubIsFolder(path);
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    throw new InputError("io", path, describeIoError(error));
  }
}

export { type ModelInput, groupShards } from "./shardSeries.js";
export { compareNames } from "./folderListing.js";

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

/** The reader a file name suggests (never used to accept content; see `suggestedBy`). */
function suggestedReader(path: string): FormatReader | undefined {
  const lower = path.toLowerCase();
  return readers.find((candidate) => candidate.suggestedBy?.some((ending) => lower.endsWith(ending)));
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
  } else inputs.push(...own);
  const steps = (folder: string): number => Number(/\d+$/.exec(baseNameOf(folder))?.[0]);
  for (const folder of [...listing.checkpoints].sort((a, b) => steps(a) - steps(b))) {
    const { names, forwarding } = collectSkipped(options);
    const models = await modelsInDirectory(folder, forwarding);
    if (models.length === 0) throw new InputError("unknown-format", folder, `checkpoint folder holds no supported model file${skippedNote(names)}`);
    inputs.push(...models);
  }
  return inputs;
}

/** What the user typed → the models to analyse, in order. Directories expand; shard series group. */
export async function resolveInputs(paths: string[], options: ResolveOptions = {}): Promise<ModelInput[]> {
  const files: string[] = [];
  const inputs: ModelInput[] = [];
  for (const path of paths) {
    if (await isDirectory(path)) {
      const { names, forwarding } = collectSkipped(options);
      const models = await folderInputs(path, forwarding);
      if (models.length === 0) throw new InputError("unknown-format", path, `directory holds no supported model file${skippedNote(names)}`);
      inputs.push(...models);
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
  if (isHubAddress(path)) return new Set();
  return new Set(await readdir(parentOf(path)).catch(() => []));
}

/** Open one model from a path (file, index, directory holding one model) or a list of shard files. */
export async function openModel(path: string | string[]): Promise<OpenedModel> {
  const paths = Array.isArray(path) ? path : [path];
  if (paths.length === 0) throw new RangeError("no path given");
  if (paths.length === 1) {
    const only = paths[0]!;
    if (await isDirectory(only)) {
      const models = await modelsInDirectory(only);
      if (models.length !== 1) {
        throw new InputError("model", only, models.length === 0 ? "directory holds no supported model file" : `directory holds ${models.length} models; name one, or analyse them all with several paths`);
      }
      return openModel(models[0]!.paths.length === 1 ? models[0]!.paths[0]! : models[0]!.paths);
    }
    const companion = companionReason(only);
    if (companion !== undefined && !isOptimizerState(only)) throw new InputError("model", only, `is ${companion}`);
    const shard = shardName(only);
    if (shard && shard.total > 1) checkSeriesComplete([only], only, await namesBeside(only));
    const reader = await detectFormat(only);
    if (reader) return reader.open(only);
    // Unrecognised content: if the name suggests a format, let its reader name the defect.
    const suggested = suggestedReader(only);
    if (suggested) await suggested.open(only);
    throw new InputError("unknown-format", only, `content matches no supported format (${readers.map((r) => r.name).join(", ")})`);
  }
  const groups = groupShards(paths);
  const display = groups.length === 1 ? groups[0]!.display : paths.join(" + ");
  if (groups.length === 1 && shardName(paths[0]!)) checkSeriesComplete(paths, display, await namesBeside(paths[0]!));
  const formats: (string | undefined)[] = [];
  for (const file of paths) formats.push((await detectFormat(file))?.name);
  if (groups.length === 1 && formats.every((format) => format === "gguf")) return openGgufSplits(paths, display);
  const other = formats.findIndex((format) => format !== "safetensors");
  if (other >= 0) throw new InputError("model", paths[other]!, "only safetensors shards (or the GGUF files of one split series) can be combined into one model");
  return openShardSet(paths, display);
}
