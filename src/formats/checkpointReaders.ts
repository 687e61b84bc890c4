/**
 * Readers of training-framework checkpoints, registered in open.ts: NumPy (.npy, .npz), PyTorch
 * (.pt/.bin zip checkpoints; the legacy pickle format is recognised to say so), GGUF and Keras
 * (.keras zip, HDF5 .h5). Zip-based formats are told apart by their members, never by extension.
 */
import { openSource } from "../io/byteSource.js";
import { looksLikeGguf, openGguf } from "./gguf/gguf.js";
import { isKerasArchive, looksLikeHdf5, openHdf5, openKeras } from "./keras/keras.js";
import { isNpzArchive, openNpy, openNpz } from "./numpy/numpy.js";
import { looksLikeNpy } from "./numpy/npy.js";
import type { FormatReader } from "./open.js";
import { looksLikeLegacyTorch, openLegacyTorch, openPytorch, torchPickleEntry } from "./pytorch/pytorch.js";
import { isPytorchShardIndex, openPytorchShardIndex } from "./pytorch/pytorchSharded.js";
import { shardIndexFiles } from "./safetensorsSharded.js";
import { looksLikeZip, readZipArchive, type ZipArchive } from "./zip/zip.js";

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

/**
 * `pytorch_model.bin.index.json`: a shard index (as safetensors') over torch.save shards. Listed in
 * open.ts before the safetensors index reader, which would otherwise claim it.
 */
export const pytorchIndexReader: FormatReader = {
  name: "pytorch-index",
  detect: async (head, path) => {
    // A JSON object: the first byte that is not whitespace is "{".
    if (head.find((byte) => byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) !== 0x7b) return false;
    try {
      return await isPytorchShardIndex(path);
    } catch {
      return false;
    }
  },
  open: openPytorchShardIndex,
  companions: shardIndexFiles,
};

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

export const checkpointReaders: FormatReader[] = [
  {
    name: "npy",
    detect: (head) => looksLikeNpy(head),
    open: openNpy,
    suggestedBy: [".npy"],
  },
  zipFormat("npz", isNpzArchive, openNpz, [".npz"]),
  zipFormat("pytorch", (archive) => torchPickleEntry(archive) !== undefined, openPytorch, [".pt", ".pth", "pytorch_model.bin"]),
  {
    name: "pytorch-legacy",
    detect: (head) => looksLikeLegacyTorch(head),
    open: openLegacyTorch,
  },
  {
    name: "gguf",
    detect: (head) => looksLikeGguf(head),
    open: openGguf,
    suggestedBy: [".gguf"],
  },
  zipFormat("keras", isKerasArchive, openKeras, [".keras"]),
  {
    name: "hdf5",
    detect: (head) => looksLikeHdf5(head),
    open: openHdf5,
    suggestedBy: [".h5", ".hdf5"],
  },
];
