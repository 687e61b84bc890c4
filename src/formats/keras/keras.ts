/**
 * Keras weights: HDF5 files (`model.save("x.h5")`, `save_weights("x.weights.h5")`, any HDF5 file of
 * float datasets) and `.keras` archives (Keras 3: a zip holding `model.weights.h5`, `config.json`,
 * `metadata.json`). HDF5 is read by h5wasm (hdf5.ts), never by a parser of our own. Every dataset is a
 * tensor named by its path in the file ("model_weights/dense/dense/kernel:0",
 * "layers/dense/vars/0"); float datasets (16/32/64-bit) are analysed, the rest listed as skipped.
 *
 * h5wasm opens files by path, so a local .h5 is opened in place, while the weights member of a
 * .keras archive (stored or deflated) and an HDF5 file on the Hub are first copied to a temporary
 * file (streamed, at most MAX_TEMP_COPY_BYTES; removed at exit). Dataset bytes are then streamed by
 * hyperslab reads (hdf5Source.ts) in chunks like every other format: no dataset is loaded whole.
 */
import { InputError } from "../../errors.js";
import { SourcePool } from "../../io/byteSource.js";
import { isRemoteLocation } from "../../io/location.js";
import { copyToTempFile } from "../../io/tempFile.js";
import type { FloatDType, OpenedModel, TensorRecord } from "../tensor.js";
import { type ZipArchive, checkInflateRatio, memberSpan, openMember, readMemberBytes, readZipArchive } from "../zip/zip.js";
import { type DatasetInfo, hdf5ErrorSummary, listDatasets, typeClassName } from "./hdf5.js";
import { hdf5SourceName } from "./hdf5Source.js";

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const WEIGHTS_MEMBER = "model.weights.h5";
const MAX_METADATA_JSON_BYTES = 1024 * 1024;

export function looksLikeHdf5(head: Uint8Array): boolean {
  return head.length >= 8 && HDF5_MAGIC.every((byte, i) => head[i] === byte);
}

export function isKerasArchive(archive: ZipArchive): boolean {
  return archive.byName.has(WEIGHTS_MEMBER);
}

const FLOAT_SIZES: Record<number, FloatDType> = { 2: "F16", 4: "F32", 8: "F64" };

function tensorRecord(localPath: string, dataset: DatasetInfo): TensorRecord {
  const { path: name, shape } = dataset;
  const params = shape.reduce((product, dim) => product * dim, 1);
  const bits = dataset.size * 8;
  if (dataset.typeClass === 1) {
    const dtype = FLOAT_SIZES[dataset.size];
    if (!dtype) return { name, dtype: `F${bits}`, shape, params, skipReason: `${bits}-bit float is not supported` };
    if (dataset.missingFilters.length > 0) return { name, dtype, shape, params, skipReason: `HDF5 filter ${dataset.missingFilters.join(", ")} is not available (no plugin)` };
    return { name, dtype, shape, params, data: { ranges: [{ source: hdf5SourceName(localPath, name), offset: 0, length: params * dataset.size }], encoding: { kind: "float", dtype }, elements: params } };
  }
  if (dataset.typeClass === 0) {
    const dtype = `${dataset.signed ? "I" : "U"}${bits}`;
    return { name, dtype, shape, params, skipReason: `integer dtype ${dtype} is not a weight` };
  }
  const kind = typeClassName(dataset.typeClass);
  return { name, dtype: kind.toUpperCase(), shape, params, skipReason: `HDF5 ${kind} dataset is not a weight` };
}

async function datasetsOf(localPath: string, display: string): Promise<DatasetInfo[]> {
  try {
    return await listDatasets(localPath);
  } catch (error) {
    throw new InputError("malformed", display, hdf5ErrorSummary(error));
  }
}

export async function openKerasH5(path: string): Promise<OpenedModel> {
  const pool = new SourcePool();
  try {
    const source = await pool.get(path);
    let localPath = path;
    if (isRemoteLocation(path)) localPath = await copyToTempFile({ ranges: [{ source: path, offset: 0, length: source.size }], label: "HDF5 file", fileName: "weights.h5" }, pool);
    const datasets = await datasetsOf(localPath, path);
    return { path, format: "keras-h5", files: [path], bytes: source.size, metadata: { datasets: String(datasets.length) }, tensors: datasets.map((d) => tensorRecord(localPath, d)) };
  } finally {
    await pool.close();
  }
}

export async function openKeras(path: string): Promise<OpenedModel> {
  const pool = new SourcePool();
  try {
    const source = await pool.get(path);
    const archive = await readZipArchive(source);
    const entry = archive.byName.get(WEIGHTS_MEMBER);
    if (!entry) throw new InputError("malformed", path, `zip archive has no ${WEIGHTS_MEMBER}: not a .keras model`);
    checkInflateRatio(path, entry);
    const member = await openMember(source, entry);
    const localPath = await copyToTempFile({ ...memberSpan(member, 0, entry.size), label: `member ${WEIGHTS_MEMBER}`, fileName: WEIGHTS_MEMBER }, pool);
    const datasets = await datasetsOf(localPath, path);
    const metadata: Record<string, string> = { datasets: String(datasets.length), ...(await kerasMetadata(pool, archive, source)) };
    return { path, format: "keras", files: [path], bytes: source.size, metadata, tensors: datasets.map((d) => tensorRecord(localPath, d)) };
  } finally {
    await pool.close();
  }
}

/** keras_version and date_saved from metadata.json, when present and well-formed. */
async function kerasMetadata(pool: SourcePool, archive: ZipArchive, source: Awaited<ReturnType<SourcePool["get"]>>): Promise<Record<string, string>> {
  const entry = archive.byName.get("metadata.json");
  if (!entry || entry.size > MAX_METADATA_JSON_BYTES) return {};
  try {
    checkInflateRatio(archive.file, entry);
    const text = new TextDecoder().decode(await readMemberBytes(pool, await openMember(source, entry), 0, entry.size));
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const shown: Record<string, string> = {};
    for (const key of ["keras_version", "date_saved"]) if (typeof parsed[key] === "string") shown[key] = parsed[key] as string;
    return shown;
  } catch {
    return {};
  }
}
