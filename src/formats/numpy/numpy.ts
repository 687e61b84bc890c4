/**
 * NumPy readers: a single .npy file (one tensor, named after the file) and an .npz archive (a zip of
 * .npy members, `np.savez` stored or `np.savez_compressed` deflated; one tensor per member, named
 * after the member without ".npy"). Only headers are read; a deflated member's array is described as
 * a span of its inflated content and streamed through the inflater when analysed.
 */
import { InputError } from "../../errors.js";
import { SourcePool } from "../../io/byteSource.js";
import { baseNameOf } from "../../io/location.js";
import type { OpenedModel, TensorRecord } from "../tensor.js";
import { attachMemberChecksum, checkInflateRatio, memberSpan, openMember, readMemberBytes, readZipArchive, type ZipArchive } from "../zip/zip.js";
import { npyTensor, readNpyHeader } from "./npy.js";

export async function openNpy(path: string): Promise<OpenedModel> {
  const pool = new SourcePool();
  try {
    const source = await pool.get(path);
    const read = async (start: number, length: number): Promise<Uint8Array> => {
      const bytes = new Uint8Array(length);
      await source.readExact(bytes, start);
      return bytes;
    };
    const header = await readNpyHeader(read, source.size, path);
    const name = baseNameOf(path).replace(/\.npy$/i, "");
    const tensor = npyTensor(name, header, source.size, (start, bytes) => ({ ranges: [{ source: path, offset: start, length: bytes }] }), path);
    return { path, format: "npy", files: [path], bytes: source.size, metadata: { fortran_order: String(header.fortranOrder) }, tensors: [tensor] };
  } finally {
    await pool.close();
  }
}

/** Why a NumPy archive of pickled object arrays is not read (Keras 3's `weights_format="npz"` store). */
export const PICKLED_NPZ = "NumPy object arrays, i.e. pickles, which jaynes never unpickles; re-save the weights in HDF5 (Keras' default weights_format=\"h5\", or model.save_weights(\"x.weights.h5\"))";

/** An .npz: a zip whose members are all .npy files (directories aside). */
export function isNpzArchive(archive: ZipArchive): boolean {
  const files = archive.entries.filter((entry) => !entry.name.endsWith("/"));
  return files.length > 0 && files.every((entry) => entry.name.endsWith(".npy"));
}

export async function openNpz(path: string): Promise<OpenedModel> {
  const pool = new SourcePool();
  try {
    const source = await pool.get(path);
    const archive = await readZipArchive(source);
    if (!isNpzArchive(archive)) throw new InputError("malformed", path, "zip archive is not an .npz: not all its members are .npy files");
    const tensors: TensorRecord[] = [];
    for (const entry of archive.entries) {
      if (entry.name.endsWith("/")) continue;
      const name = entry.name.replace(/\.npy$/, "");
      checkInflateRatio(path, entry);
      const member = await openMember(source, entry);
      const header = await readNpyHeader((start, length) => readMemberBytes(pool, member, start, length), entry.size, path, name);
      const tensor = npyTensor(name, header, entry.size, (start, bytes) => memberSpan(member, start, bytes), path);
      await attachMemberChecksum(pool, member, tensor.data);
      tensors.push(tensor);
    }
    // Only pickled objects (Keras' model.weights.npz stores dicts of arrays so): nothing can be read.
    if (tensors.length > 0 && tensors.every((tensor) => tensor.dtype === "OBJECT")) throw new InputError("unsafe", path, `holds only ${PICKLED_NPZ}`);
    const compressed = archive.entries.filter((entry) => entry.method !== 0).length;
    return { path, format: "npz", files: [path], bytes: source.size, metadata: { members: String(archive.entries.length), deflated_members: String(compressed) }, tensors, order: "written" };
  } finally {
    await pool.close();
  }
}
