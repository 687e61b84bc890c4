/**
 * From what the user typed to opened models. Formats are recognised by content (magic bytes or JSON
 * structure), never by extension; each format registers a `FormatReader`. Directories expand to the
 * models they hold (files a model pulls in, such as shards, are not models of their own), and
 * safetensors shard series (`x-00001-of-00003.safetensors`, …) are grouped into one model.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { describeIoError, openSource } from "../io/byteSource.js";
import { hubIsFolder, hubListFolder, isHubAddress } from "../io/hub/index.js";
import { locationKey } from "../io/location.js";
import { checkpointReaders, pytorchIndexReader } from "./checkpointReaders.js";
import { looksLikeOnnx, onnxCompanions, openOnnx } from "./onnx/onnx.js";
import { looksLikeSafetensors, openSafetensorsFile } from "./safetensors.js";
import { looksLikeTfjs, openTfjs, tfjsCompanions } from "./tfjs/tfjs.js";
import { looksLikeTflite, openTflite } from "./tflite/tflite.js";
import { openShardIndex, openShardSet, readShardIndex, shardIndexFiles, shardName } from "./safetensorsSharded.js";
import type { OpenedModel } from "./tensor.js";
import { checkModelBounds } from "./bounds.js";

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
  return modelsAmong(await filesInDirectory(directory));
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

/** The reader a file name suggests (never used to accept content; see `suggestedBy`). */
function suggestedReader(path: string): FormatReader | undefined {
  const lower = path.toLowerCase();
  return readers.find((candidate) => candidate.suggestedBy?.some((ending) => lower.endsWith(ending)));
}

/** The files directly in a directory (local, or a folder of a Hub repository), sorted. */
async function filesInDirectory(directory: string): Promise<string[]> {
  if (isHubAddress(directory)) return hubListFolder(directory);
  try {
    const names = (await readdir(directory, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name).sort();
    return names.map((name) => join(directory, name));
  } catch (error) {
    throw new InputError("io", directory, describeIoError(error));
  }
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
    if (await isDirectory(path)) {
      const models = await modelsInDirectory(path);
      if (models.length === 0) throw new InputError("unknown-format", path, "directory holds no supported model file");
      for (const model of models) inputs.push(model);
    } else {
      files.push(path);
    }
  }
  return [...groupShards(files), ...inputs];
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
    const reader = await detectFormat(only);
    if (reader) return withinBounds(await reader.open(only));
    // Unrecognised content: if the name suggests a format, let its reader name the defect.
    const suggested = suggestedReader(only);
    if (suggested) await suggested.open(only);
    throw new InputError("unknown-format", only, `content matches no supported format (${readers.map((r) => r.name).join(", ")})`);
  }
  for (const file of paths) {
    const reader = await detectFormat(file);
    if (reader?.name !== "safetensors") throw new InputError("model", file, "only safetensors shards can be combined into one model");
  }
  const display = groupShards(paths).length === 1 ? groupShards(paths)[0]!.display : paths.join(" + ");
  return withinBounds(await openShardSet(paths, display));
}

/** A model is checked against the limits every model obeys (formats/bounds.ts) before it is analysed. */
function withinBounds(model: OpenedModel): OpenedModel {
  checkModelBounds(model);
  return model;
}
