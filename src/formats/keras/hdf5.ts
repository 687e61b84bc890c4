/**
 * HDF5 through h5wasm (the HDF5 C library compiled to WebAssembly; its Node build reads files by
 * path with positioned reads, so a file is never loaded whole). Loaded lazily: only HDF5 inputs pay
 * for the 4 MB module. HDF5 errors are turned into exceptions (h5wasm's throwing error handler) and
 * summarised in one line; nothing is printed to stderr.
 *
 * Dataset bytes are read by hyperslab: a flat element range [from, to) of a row-major dataset is at
 * most 2·rank + 1 boxes (a partial first row, whole rows, a partial last row, recursively), each one
 * H5Dread into WebAssembly memory. h5wasm reads in the file's type with little-endian byte order, so
 * every float dataset arrives as little-endian F16/F32/F64 bytes whatever its stored byte order,
 * chunking or compression filter.
 */
import type { Dataset, File as H5File } from "h5wasm";

type H5wasm = typeof import("h5wasm");
type H5Module = Awaited<H5wasm["ready"]>;

let loading: Promise<{ h5wasm: H5wasm; module: H5Module }> | undefined;

export function loadH5wasm(): Promise<{ h5wasm: H5wasm; module: H5Module }> {
  loading ??= (async () => {
    const h5wasm = ((await import("h5wasm/node")) as unknown as { default: H5wasm }).default;
    const module = await h5wasm.ready;
    module.activate_throwing_error_handler();
    return { h5wasm, module };
  })();
  return loading;
}

/** One line from an HDF5 error stack: the innermost frame's message. */
export function hdf5ErrorSummary(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const frames = [...text.matchAll(/#\d+: .*? in ([A-Za-z0-9_]+)\(\): (.*)/g)];
  const last = frames[frames.length - 1];
  if (last) return `HDF5: ${last[2]!.trim()} (${last[1]})`;
  return `HDF5: ${text.split("\n")[0]!.trim()}`;
}

export interface DatasetInfo {
  /** Path inside the file, without the leading "/". */
  path: string;
  shape: number[];
  /** HDF5 type class (0 integer, 1 float, 3 string, 6 compound, …). */
  typeClass: number;
  /** Bytes per element. */
  size: number;
  signed: boolean;
  /** Filters HDF5 would need a plugin for (not built into h5wasm): the dataset cannot be read. */
  missingFilters: string[];
}

/** Filters built into the HDF5 library h5wasm ships: deflate, shuffle, fletcher32, nbit, scaleoffset. */
const BUILT_IN_FILTERS = new Set([1, 2, 3, 5, 6]);

const TYPE_CLASS_NAMES: Record<number, string> = { 0: "integer", 1: "float", 2: "time", 3: "string", 4: "bitfield", 5: "opaque", 6: "compound", 7: "reference", 8: "enum", 9: "variable-length", 10: "array" };
export const typeClassName = (typeClass: number): string => TYPE_CLASS_NAMES[typeClass] ?? `class ${typeClass}`;

/** Every dataset in the file, in h5wasm's path order (hard links to one dataset listed once each). */
export async function listDatasets(localPath: string): Promise<DatasetInfo[]> {
  const { h5wasm } = await loadH5wasm();
  const file = new h5wasm.File(localPath, "r");
  try {
    const datasets: DatasetInfo[] = [];
    for (const path of file.paths()) {
      const entity = file.get(path);
      if (!(entity instanceof h5wasm.Dataset)) continue;
      const metadata = entity.metadata;
      const missingFilters = entity.filters.filter((filter) => !BUILT_IN_FILTERS.has(filter.id)).map((filter) => `${filter.name || "unnamed"} (${filter.id})`);
      datasets.push({ path: path.replace(/^\//, ""), shape: metadata.shape ?? [], typeClass: metadata.type, size: metadata.size, signed: metadata.signed, missingFilters });
    }
    return datasets;
  } finally {
    file.close();
  }
}

/** Boxes (offset, count per dim) covering the flat row-major element range [from, to) of `shape`. */
export function hyperslabs(shape: readonly number[], from: number, to: number): { offset: number[]; count: number[] }[] {
  if (to <= from) return [];
  if (shape.length === 0) return [{ offset: [], count: [] }];
  const inner = shape.slice(1);
  const rowSize = inner.reduce((product, dim) => product * dim, 1);
  const boxes: { offset: number[]; count: number[] }[] = [];
  const inRow = (row: number, lo: number, hi: number): void => {
    for (const box of hyperslabs(inner, lo, hi)) boxes.push({ offset: [row, ...box.offset], count: [1, ...box.count] });
  };
  const firstRow = Math.floor(from / rowSize);
  const lastRow = Math.floor((to - 1) / rowSize);
  if (firstRow === lastRow) {
    inRow(firstRow, from - firstRow * rowSize, to - firstRow * rowSize);
    return boxes;
  }
  let wholeStart = firstRow;
  if (from % rowSize !== 0) {
    inRow(firstRow, from - firstRow * rowSize, rowSize);
    wholeStart++;
  }
  const tail = to % rowSize !== 0;
  const wholeEnd = tail ? lastRow : lastRow + 1;
  if (wholeEnd > wholeStart) boxes.push({ offset: [wholeStart, ...inner.map(() => 0)], count: [wholeEnd - wholeStart, ...inner] });
  if (tail) inRow(lastRow, 0, to - lastRow * rowSize);
  return boxes;
}

/** An open HDF5 file shared by the dataset sources that read from it (reference counted). */
interface SharedFile {
  file: H5File;
  users: number;
}
const openFiles = new Map<string, Promise<SharedFile>>();

export async function acquireFile(localPath: string): Promise<H5File> {
  let shared = openFiles.get(localPath);
  if (!shared) {
    shared = loadH5wasm().then(({ h5wasm }) => ({ file: new h5wasm.File(localPath, "r"), users: 0 }));
    openFiles.set(localPath, shared);
    shared.catch(() => openFiles.delete(localPath));
  }
  const entry = await shared;
  entry.users++;
  return entry.file;
}

export async function releaseFile(localPath: string): Promise<void> {
  const shared = openFiles.get(localPath);
  if (!shared) return;
  const entry = await shared;
  if (--entry.users === 0) {
    openFiles.delete(localPath);
    entry.file.close();
  }
}

/** Read elements [from, to) of a dataset as little-endian bytes into `target`. */
export async function readDatasetElements(file: H5File, dataset: Dataset | string, shape: readonly number[], itemBytes: number, from: number, to: number, target: Uint8Array): Promise<void> {
  const { module } = await loadH5wasm();
  const path = typeof dataset === "string" ? dataset : dataset.path;
  let written = 0;
  for (const box of hyperslabs(shape, from, to)) {
    const elements = box.count.reduce((product, dim) => product * dim, 1);
    const bytes = elements * itemBytes;
    const pointer = module._malloc(bytes);
    if (pointer === 0) throw new Error(`HDF5: could not allocate ${bytes} bytes`);
    try {
      const rank = box.count.length;
      module.get_dataset_data(file.file_id, path, rank ? box.count.map(BigInt) : null, rank ? box.offset.map(BigInt) : null, rank ? box.count.map(() => 1n) : null, BigInt(pointer));
      target.set(module.HEAPU8.subarray(pointer, pointer + bytes), written);
    } finally {
      module._free(pointer);
    }
    written += bytes;
  }
}
