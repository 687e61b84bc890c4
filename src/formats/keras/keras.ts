/**
 * Keras checkpoints, read with the HDF5 library (h5wasm; no home-made HDF5):
 * - `.keras` (Keras 3): a zip holding `model.weights.h5` (variables at `layers/<layer>/vars/<i>`,
 *   optimizer state under `optimizer/`), `config.json` and `metadata.json`. h5wasm reads only from a
 *   path, so the weights member is copied to a temporary file first (streamed; io/tempFile.ts).
 * - `.h5` (Keras 2 `model.save`/`save_weights`, or any HDF5 file): weights at
 *   `model_weights/<layer>/<layer>/kernel:0`, optimizer state under `optimizer_weights/`.
 * Every dataset becomes a tensor named by its path; float16/32/64 datasets (either byte order) are
 * analysed, the rest (optimizer state, integers, strings, datasets needing a filter plugin h5wasm
 * lacks) are listed as skipped. Tensor data is one range on the dataset's byte source
 * (hdf5/datasetSource.ts), read by hyperslabs as raw little-endian bytes.
 */
import { InputError } from "../../errors.js";
import { SourcePool, openSource } from "../../io/byteSource.js";
import { isRemoteLocation } from "../../io/location.js";
import { copyToTempFile } from "../../io/tempFile.js";
import { datasetSourceName } from "../hdf5/datasetSource.js";
import { hdf5Acquire, hdf5Call, hdf5Release } from "../hdf5/hdf5Client.js";
import type { Hdf5DatasetInfo } from "../hdf5/hdf5Worker.js";
import { PICKLED_NPZ } from "../numpy/numpy.js";
import { isPlainObject, parseStrictJson } from "../strictJson.js";
import type { FloatDType } from "../../io/encoding.js";
import type { OpenedModel, TensorRecord } from "../tensor.js";
import { shapeProduct } from "../tensor.js";
import { checkInflateRatio, memberSpan, openMember, readMemberBytes, readZipArchive, type ZipArchive } from "../zip/zip.js";

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
export const KERAS_WEIGHTS_MEMBER = "model.weights.h5";
/** HDF5 type classes (H5Tpublic.h). */
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
/**
 * A dataset may declare at most this many bytes per byte of the file (beyond a free allowance):
 * HDF5 returns fill values for data never written, so a tiny file could declare terabytes of zeros.
 */
const MAX_DECLARED_PER_FILE_BYTE = 100;
const DECLARED_FREE_BYTES = 64 * 1024 * 1024;
const MAX_METADATA_JSON_BYTES = 1024 * 1024;

/** The HDF5 format signature at byte 0 (files with a user block put it at 512, 1024, …: not detected). */
export function looksLikeHdf5(head: Uint8Array): boolean {
  return head.length >= 8 && HDF5_SIGNATURE.every((byte, i) => head[i] === byte);
}

/** Keras 3 can also store the weights as `np.savez` of dicts (`weights_format="npz"`). */
const KERAS_NPZ_MEMBER = "model.weights.npz";


export function isKerasArchive(archive: ZipArchive): boolean {
  return archive.byName.has(KERAS_WEIGHTS_MEMBER) || (archive.byName.has(KERAS_NPZ_MEMBER) && archive.byName.has("config.json"));
}

const OPTIMIZER_GROUPS = ["optimizer/", "optimizer_weights/"];

/** Filters built into the HDF5 library h5wasm ships: deflate, shuffle, fletcher32, nbit, scaleoffset. */
const BUILT_IN_FILTERS = new Set([1, 2, 3, 5, 6]);

function datasetTensor(path: string, meta: Hdf5DatasetInfo, fileBytes: number, display: string): TensorRecord {
  const dataset = meta.name;
  const missingFilters = meta.filters.filter((filter) => !BUILT_IN_FILTERS.has(filter.id)).map((filter) => `${filter.name || "unnamed"} (${filter.id})`);
  const shape = meta.shape ?? [];
  const params = shapeProduct(shape);
  if (params === undefined) throw new InputError("overflow", display, `shape [${shape.join(", ")}] overflows`, dataset);
  const bits = meta.size * 8;
  const dtype = meta.type === H5T_FLOAT ? `FLOAT${bits}` : meta.type === H5T_INTEGER ? `${meta.signed ? "INT" : "UINT"}${bits}` : `H5T_CLASS_${meta.type}`;
  const record: TensorRecord = { name: dataset, dtype, shape, params };
  const bytes = params * meta.size;
  const floatDtype: FloatDType | undefined = meta.type === H5T_FLOAT ? ({ 2: "F16", 4: "F32", 8: "F64" } as Record<number, FloatDType>)[meta.size] : undefined;
  if (OPTIMIZER_GROUPS.some((group) => dataset.startsWith(group))) record.skipReason = "optimizer state, not a weight";
  else if (meta.type === H5T_INTEGER) record.skipReason = `integer dataset ${dtype} is not a weight`;
  else if (meta.type !== H5T_FLOAT) record.skipReason = `HDF5 type class ${meta.type} is not a weight`;
  else if (!floatDtype) record.skipReason = `${bits}-bit float datasets are not read`;
  else if (missingFilters.length > 0) record.skipReason = `HDF5 filter ${missingFilters.join(", ")} is not available (no plugin)`;
  else if (meta.shape === null || shape.length === 0) record.skipReason = "scalar dataset";
  else if (bytes > DECLARED_FREE_BYTES + MAX_DECLARED_PER_FILE_BYTE * fileBytes) {
    record.skipReason = `declares ${bytes} bytes, more than ${MAX_DECLARED_PER_FILE_BYTE}× the ${fileBytes}-byte file (unwritten fill values?)`;
  } else {
    record.data = { ranges: [{ source: datasetSourceName(path, dataset, display), offset: 0, length: bytes }], encoding: { kind: "float", dtype: floatDtype }, elements: params };
  }
  return record;
}

/**
 * The datasets of a local HDF5 file as tensor records, and the file's Keras attributes. Listed in
 * the HDF5 worker, which refuses external links, virtual datasets and any other file the library
 * tries to open (`unsafe-path`).
 */
async function readHdf5(path: string, fileBytes: number, display: string): Promise<{ tensors: TensorRecord[]; metadata: Record<string, string> }> {
  hdf5Acquire(path);
  try {
    const { datasets, metadata } = await hdf5Call<{ datasets: Hdf5DatasetInfo[]; metadata: Record<string, string> }>(display, { op: "list", path });
    return { tensors: datasets.map((meta) => datasetTensor(path, meta, fileBytes, display)), metadata };
  } finally {
    hdf5Release(path);
  }
}

/** A legacy Keras .h5 (or any HDF5 file). A Hub file is copied locally first: h5wasm reads paths. */
export async function openHdf5(path: string): Promise<OpenedModel> {
  const pool = new SourcePool();
  try {
    const source = await openSource(path);
    const size = source.size;
    await source.close();
    const local = isRemoteLocation(path) ? await copyToTempFile({ ranges: [{ source: path, offset: 0, length: size }], bytes: size, name: "model.h5", file: path }, pool) : path;
    const { tensors, metadata } = await readHdf5(local, size, path);
    return { path, format: metadata.keras_version ? "keras-h5" : "hdf5", files: [path], bytes: size, metadata, tensors };
  } finally {
    await pool.close();
  }
}

/** `metadata.json` of a .keras archive: keras_version and date_saved, when present and small. */
async function archiveMetadata(pool: SourcePool, archive: ZipArchive): Promise<Record<string, string>> {
  const entry = archive.byName.get("metadata.json");
  if (!entry || entry.size > MAX_METADATA_JSON_BYTES) return {};
  checkInflateRatio(archive.file, entry);
  const member = await openMember(await pool.get(archive.file), entry);
  const parsed = parseStrictJson(new TextDecoder().decode(await readMemberBytes(pool, member, 0, entry.size)));
  if ("error" in parsed || !isPlainObject(parsed.value)) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed.value)) if (typeof value === "string") out[key] = value;
  return out;
}

export async function openKeras(path: string): Promise<OpenedModel> {
  const pool = new SourcePool();
  try {
    const source = await pool.get(path);
    const archive = await readZipArchive(source);
    const entry = archive.byName.get(KERAS_WEIGHTS_MEMBER);
    if (!entry && archive.byName.has(KERAS_NPZ_MEMBER)) throw new InputError("unsafe", path, `Keras 3 archive with its weights in ${KERAS_NPZ_MEMBER}: ${PICKLED_NPZ}`);
    if (!entry) throw new InputError("malformed", path, `zip archive holds no ${KERAS_WEIGHTS_MEMBER} (not a .keras file)`);
    checkInflateRatio(path, entry);
    const member = await openMember(source, entry);
    const span = memberSpan(member, 0, entry.size);
    const copy = await copyToTempFile({ ...span, bytes: entry.size, name: KERAS_WEIGHTS_MEMBER, file: path, crc32: { declared: entry.crc32, member: entry.name } }, pool);
    const { tensors, metadata } = await readHdf5(copy, entry.size, path);
    return { path, format: "keras", files: [path], bytes: source.size, metadata: { ...(await archiveMetadata(pool, archive)), ...metadata }, tensors };
  } finally {
    await pool.close();
  }
}
