/**
 * The one ordered list of format readers. Formats are recognised by content (magic bytes, JSON or
 * protobuf structure, zip members), never by extension: `detectFormat` asks each reader in this order
 * and the first that claims a file opens it. A new format is a reader module plus one entry here.
 *
 * The order matters only where two content tests can accept the same file; those constraints are:
 * - `pytorch-index` before `safetensors-index`: `pytorch_model.bin.index.json` has the shape of a
 *   safetensors shard index, and only the PyTorch test looks at what the shards are.
 * - the cheap magic-number tests (safetensors, TFLite, .npy, GGUF, HDF5, zip) are disjoint by
 *   construction; the protobuf walk of `onnx` (a heuristic on the first field and the top-level
 *   structure) comes after `safetensors`, whose length prefix could otherwise start like a varint.
 * - the zip formats (`npz`, `pytorch`, `keras`) are told apart by their members and are disjoint.
 * Everything else is listed in the order the formats were added; keep new readers at the end unless
 * their test overlaps an earlier one (then say so here).
 */
import { openSource } from "../io/byteSource.js";
import { looksLikeGguf, openGguf } from "./gguf/gguf.js";
import { isKerasArchive, looksLikeHdf5, openHdf5, openKeras } from "./keras/keras.js";
import { looksLikeNpy } from "./numpy/npy.js";
import { isNpzArchive, openNpy, openNpz } from "./numpy/numpy.js";
import { looksLikeOnnx, onnxCompanions, openOnnx } from "./onnx/onnx.js";
import { looksLikeLegacyTorch, openLegacyTorch, openPytorch, torchPickleEntry } from "./pytorch/pytorch.js";
import { isPytorchShardIndex, openPytorchShardIndex } from "./pytorch/pytorchSharded.js";
import { looksLikeSafetensors, openSafetensorsFile } from "./safetensors.js";
import { openShardIndex, readShardIndex, shardIndexFiles } from "./safetensorsSharded.js";
import type { OpenedModel } from "./tensor.js";
import { looksLikeTfjs, openTfjs, tfjsCompanions } from "./tfjs/tfjs.js";
import { looksLikeTflite, openTflite } from "./tflite/tflite.js";
import { looksLikeZip, readZipArchive, type ZipArchive } from "./zip/zip.js";

/**
 * A reader of one format: recognises it by content and opens a file as a model (register one with
 * `registerFormat`).
 */
export interface FormatReader {
  name: string;
  /** Content test on the first bytes of a file (up to HEAD_BYTES). May read more of the file. */
  detect(head: Uint8Array, path: string): boolean | Promise<boolean>;
  /**
   * Open `path` (claimed by `detect`): the model's files, metadata and tensor records; no tensor data is read.
   */
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

/** A JSON object: the first byte that is not whitespace is "{". */
function startsWithJsonObject(head: Uint8Array): boolean {
  return head.find((byte) => byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) === 0x7b;
}

/** The archive's central directory, or undefined when the file is not a readable zip. */
async function zipArchiveOf(head: Uint8Array, path: string): Promise<ZipArchive | undefined> {
  if (!looksLikeZip(head)) return undefined;
  let source;
  try {
    source = await openSource(path);
    return await readZipArchive(source);
  } catch {
    return undefined;
  } finally {
    await source?.close();
  }
}

/** A format stored as a zip archive, recognised by its members. */
function zipFormat(name: string, holds: (archive: ZipArchive) => boolean, open: FormatReader["open"], suggestedBy: string[]): FormatReader {
  return {
    name,
    detect: async (head, path) => {
      const archive = await zipArchiveOf(head, path);
      return archive !== undefined && holds(archive);
    },
    open,
    suggestedBy,
  };
}

/** A JSON document that `accepts` parses without throwing. */
function jsonFormat(accepts: (path: string) => Promise<boolean>): FormatReader["detect"] {
  return async (head, path) => {
    if (!startsWithJsonObject(head)) return false;
    try {
      return await accepts(path);
    } catch {
      return false;
    }
  };
}

const readers: FormatReader[] = [
  { name: "safetensors", detect: (head) => looksLikeSafetensors(head), open: openSafetensorsFile, suggestedBy: [".safetensors"] },
  // Before safetensors-index (see above).
  { name: "pytorch-index", detect: jsonFormat(isPytorchShardIndex), open: openPytorchShardIndex, companions: shardIndexFiles },
  {
    name: "safetensors-index",
    detect: jsonFormat(async (path) => {
      await readShardIndex(path);
      return true;
    }),
    open: openShardIndex,
    companions: shardIndexFiles,
    // A defective index is still an index: its reader says what is wrong with it.
    suggestedBy: [".index.json"],
  },
  { name: "onnx", detect: looksLikeOnnx, open: openOnnx, companions: onnxCompanions, suggestedBy: [".onnx"] },
  { name: "tflite", detect: (head) => looksLikeTflite(head), open: openTflite, suggestedBy: [".tflite"] },
  { name: "tfjs", detect: looksLikeTfjs, open: openTfjs, companions: tfjsCompanions, suggestedBy: ["model.json", "weights_manifest.json"] },
  // Training-framework checkpoints: NumPy, PyTorch (the legacy pickle stream is recognised to say so), GGUF, Keras.
  { name: "npy", detect: (head) => looksLikeNpy(head), open: openNpy, suggestedBy: [".npy"] },
  zipFormat("npz", isNpzArchive, openNpz, [".npz"]),
  zipFormat("pytorch", (archive) => torchPickleEntry(archive) !== undefined, openPytorch, [".pt", ".pth", "pytorch_model.bin"]),
  { name: "pytorch-legacy", detect: (head) => looksLikeLegacyTorch(head), open: openLegacyTorch },
  { name: "gguf", detect: (head) => looksLikeGguf(head), open: openGguf, suggestedBy: [".gguf"] },
  zipFormat("keras", isKerasArchive, openKeras, [".keras"]),
  { name: "hdf5", detect: (head) => looksLikeHdf5(head), open: openHdf5, suggestedBy: [".h5", ".hdf5"] },
];

/** Add a format (library users). Readers registered later are tried first only if `first` is set. */
export function registerFormat(reader: FormatReader, first = false): void {
  if (first) readers.unshift(reader);
  else readers.push(reader);
}

/** The readers in the order they are tried. */
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

/** The reader a file name suggests (never used to accept content; see `suggestedBy`). */
export function suggestedReader(path: string): FormatReader | undefined {
  const lower = path.toLowerCase();
  return readers.find((candidate) => candidate.suggestedBy?.some((ending) => lower.endsWith(ending)));
}
