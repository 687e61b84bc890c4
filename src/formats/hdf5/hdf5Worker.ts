/**
 * The HDF5 worker thread: the only place h5wasm (the HDF Group's C library compiled to WebAssembly)
 * runs. A damaged file can send that library into an endless loop or abort it; on its own thread it
 * can be stopped (hdf5Client.ts terminates the worker on a watchdog or a deadline) and its abort
 * costs one input, not the process.
 *
 * Two fences, installed before the library loads:
 * - Files: the library opens files through node:fs (Emscripten's NODERAWFS). `fs.openSync` is
 *   wrapped so that it opens only the files the client named; any other open — HDF5 external
 *   storage, an external link, the source file of a virtual dataset — is refused and remembered,
 *   and the call fails with `unsafe-path` even if HDF5 itself would have carried on with fill values.
 * - Memory: WebAssembly memory growth beyond `memoryCapBytes` is refused, so an allocation a
 *   damaged file asks for fails inside HDF5 (an error) instead of growing the process.
 */
import fs from "node:fs";
import { resolve } from "node:path";
import { parentPort, workerData } from "node:worker_threads";

export type Hdf5Request =
  | { id: number; op: "list"; path: string }
  | { id: number; op: "meta"; path: string; dataset: string }
  | { id: number; op: "read"; path: string; dataset: string; offset: number[]; count: number[]; bytes: number }
  | { id: number; op: "release"; path: string };

export interface Hdf5DatasetInfo {
  name: string;
  type: number;
  size: number;
  signed: boolean;
  shape: number[] | null;
  filters: { id: number; name: string }[];
}

export type Hdf5Failure =
  /** The file refers to another file (external link, external storage, virtual dataset). */
  | { kind: "unsafe"; detail: string; dataset?: string }
  /** HDF5 reported an error (its deepest frame, one line). */
  | { kind: "hdf5"; detail: string; dataset?: string }
  /** The WebAssembly module aborted or trapped: the worker must not be used again. */
  | { kind: "abort"; detail: string };

export type Hdf5Response = { id: number; ok: true; value: unknown } | { id: number; ok: false; failure: Hdf5Failure };

export interface Hdf5WorkerData {
  memoryCapBytes: number;
}

type H5wasm = (typeof import("h5wasm/node"))["default"];
type H5File = InstanceType<H5wasm["File"]>;
type H5Module = Awaited<H5wasm["ready"]>;

const port = parentPort;
if (!port) throw new Error("hdf5Worker.js must run as a worker thread");
const { memoryCapBytes } = workerData as Hdf5WorkerData;

// --- the library's diagnostics ----------------------------------------------------------------
// Emscripten binds console.error when the module loads (an abort prints there): keep the last lines
// for the error message instead of printing them.
let diagnostics = "";
const keep = (...parts: unknown[]): void => {
  diagnostics = (diagnostics + parts.map(String).join(" ") + "\n").slice(-2000);
};
console.error = keep;
console.warn = keep;
console.log = keep;
process.stdout.write = ((chunk: unknown) => (keep(chunk), true)) as typeof process.stdout.write;
process.stderr.write = ((chunk: unknown) => (keep(chunk), true)) as typeof process.stderr.write;

function lastDiagnostic(): string | undefined {
  const lines = diagnostics.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  return lines[lines.length - 1]?.slice(0, 200);
}

// --- fence 1: memory --------------------------------------------------------------------------
const grow = WebAssembly.Memory.prototype.grow;
WebAssembly.Memory.prototype.grow = function (this: WebAssembly.Memory, delta: number): number {
  if (this.buffer.byteLength + delta * 65536 > memoryCapBytes) throw new RangeError(`HDF5 memory limit of ${memoryCapBytes} bytes`);
  return grow.call(this, delta);
};

// --- fence 2: files ---------------------------------------------------------------------------
const allowed = new Set<string>();
/** A file the library tried to open and was refused, since the last call started. */
let refusedOpen: string | undefined;
const realpath = (path: string): string => {
  try {
    return fs.realpathSync(path);
  } catch {
    return resolve(path);
  }
};
const openSync = fs.openSync;
/** O_CREAT | O_EXCL: a file that did not exist (the library's tmpfile() for error messages) reads nothing. */
const createsNewFile = (flags: unknown): boolean => typeof flags === "number" && (flags & fs.constants.O_CREAT) !== 0 && (flags & fs.constants.O_EXCL) !== 0;
fs.openSync = function (path: fs.PathLike, ...rest: unknown[]): number {
  const text = String(path);
  if (!allowed.has(realpath(text)) && !createsNewFile(rest[0])) {
    // Only an existing file could give the library bytes; a missing path or a folder (the plugin
    // folder it probes) is refused without further notice.
    let file = false;
    try {
      file = !fs.statSync(text).isDirectory();
    } catch {
      // missing
    }
    if (!file) throw Object.assign(new Error(`ENOENT: no such file, open '${text}'`), { code: "ENOENT", errno: -2 });
    refusedOpen ??= text;
    throw Object.assign(new Error(`EACCES: refused by jaynes, open '${text}'`), { code: "EACCES", errno: -13 });
  }
  return (openSync as (path: fs.PathLike, ...rest: unknown[]) => number)(path, ...rest);
} as typeof fs.openSync;

let library: Promise<{ h5: H5wasm; module: H5Module }> | undefined;
function load(): Promise<{ h5: H5wasm; module: H5Module }> {
  library ??= import("h5wasm/node").then(async ({ default: h5 }) => {
    const module = await h5.ready;
    // HDF5 prints its error stack to stderr by default; make errors exceptions instead.
    module.activate_throwing_error_handler();
    return { h5, module };
  });
  return library;
}

/** One line from an HDF5 error stack: its deepest frame, where the cause is named. */
export function hdf5ErrorSummary(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const frames = [...text.matchAll(/#\d+: .*? in \w+\(\)?: ([^\n]*)/g)];
  return frames.length > 0 ? frames[frames.length - 1]![1]!.trim() : text.replace(/\s+/g, " ").trim().slice(0, 300);
}

/** A trap or abort of the WebAssembly module (its state is then unusable). */
function isWasmTrap(error: unknown): error is Error {
  return error instanceof Error && (error.name === "RuntimeError" || error.constructor.name === "RuntimeError" || error.message.startsWith("Aborted("));
}

class Failure extends Error {
  constructor(readonly failure: Hdf5Failure) {
    super(failure.detail);
  }
}

const files = new Map<string, H5File>();

async function fileOf(path: string): Promise<{ file: H5File; module: H5Module }> {
  const { h5, module } = await load();
  let file = files.get(path);
  if (!file) {
    allowed.add(realpath(path));
    try {
      file = new h5.File(path, "r");
    } catch (error) {
      throw new Failure({ kind: "hdf5", detail: `not a readable HDF5 file (${hdf5ErrorSummary(error)})` });
    }
    files.set(path, file);
  }
  return { file, module };
}

function hdf5<T>(what: () => T, dataset?: string, prefix = "HDF5 structure is damaged"): T {
  try {
    return what();
  } catch (error) {
    if (error instanceof Failure || isWasmTrap(error)) throw error;
    throw new Failure({ kind: "hdf5", detail: `${prefix} (${hdf5ErrorSummary(error)})`, ...(dataset !== undefined ? { dataset } : {}) });
  }
}

async function list(path: string): Promise<{ datasets: Hdf5DatasetInfo[]; metadata: Record<string, string> }> {
  const { file, module } = await fileOf(path);
  const id = file.file_id;
  const datasets: Hdf5DatasetInfo[] = [];
  for (const name of hdf5(() => module.get_names(id, "/", true))) {
    // Links are classified before anything follows them: an external link would open its file.
    const external = hdf5(() => module.get_external_link(id, name), name);
    if (external.filename !== undefined) {
      throw new Failure({ kind: "unsafe", detail: `HDF5 external link to ${JSON.stringify(external.filename)} (${external.obj_path}): refused, a model reads only its own file`, dataset: name });
    }
    // A soft link is a second name of an object listed under its own name (or of nothing).
    if (hdf5(() => module.get_symbolic_link(id, name), name) !== null) continue;
    if (hdf5(() => module.get_type(id, name), name) !== module.H5O_TYPE_DATASET) continue;
    const meta = hdf5(() => module.get_dataset_metadata(id, name), name);
    if (meta.virtual_sources !== undefined) {
      const sources = meta.virtual_sources.map((source) => JSON.stringify(source.file_name)).join(", ");
      throw new Failure({ kind: "unsafe", detail: `HDF5 virtual dataset mapped from ${sources}: refused, a model reads only its own file`, dataset: name });
    }
    // External storage (raw data kept in other files) shows in no metadata h5wasm exposes: reading
    // one element of a contiguous numeric dataset opens those files, which the fence refuses.
    // (Scalars are never read, so never probed.)
    const rank = meta.shape?.length ?? 0;
    const elements = (meta.shape ?? []).reduce((product, dim) => product * dim, 1);
    if (meta.chunks === null && rank > 0 && elements > 0 && (meta.type === 0 || meta.type === 1) && meta.size <= 16) {
      await read(path, name, (meta.shape ?? []).map(() => 0), (meta.shape ?? []).map(() => 1), meta.size);
      if (refusedOpen !== undefined) throw new Failure({ kind: "unsafe", detail: `HDF5 external storage in ${JSON.stringify(refusedOpen)}: refused, a model reads only its own file`, dataset: name });
    }
    const filters = hdf5(() => module.get_dataset_filters(id, name), name).map(({ id: filter, name: filterName }) => ({ id: filter, name: filterName }));
    datasets.push({ name, type: meta.type, size: meta.size, signed: meta.signed, shape: meta.shape, filters });
  }
  const metadata: Record<string, string> = {};
  for (const key of ["keras_version", "backend"]) {
    const value = hdf5(() => (file.attrs[key] ? file.get_attribute(key, true) : undefined));
    if (typeof value === "string") metadata[key] = value;
  }
  return { datasets, metadata };
}

async function meta(path: string, dataset: string): Promise<{ shape: number[] | null; size: number }> {
  const { file, module } = await fileOf(path);
  const info = hdf5(() => module.get_dataset_metadata(file.file_id, dataset), dataset, `HDF5 dataset ${JSON.stringify(dataset)} is missing`);
  return { shape: info.shape, size: info.size };
}

/**
 * The raw bytes of one hyperslab box. HDF5 reads in the dataset's own type with little-endian byte
 * order (h5wasm's memory type), converting big-endian data and running the chunk filters.
 */
async function read(path: string, dataset: string, offset: number[], count: number[], bytes: number): Promise<Uint8Array> {
  const { file, module } = await fileOf(path);
  const pointer = module._malloc(bytes);
  if (pointer === 0) throw new Failure({ kind: "hdf5", detail: `HDF5 could not allocate ${bytes} bytes`, dataset });
  try {
    const rank = count.length;
    hdf5(
      () =>
        module.get_dataset_data(
          file.file_id,
          dataset,
          rank ? count.map((n) => BigInt(n)) : null,
          rank ? offset.map((n) => BigInt(n)) : null,
          rank ? count.map(() => 1n) : null,
          BigInt(pointer),
        ),
      dataset,
      "HDF5 read failed",
    );
    return module.HEAPU8.slice(pointer, pointer + bytes);
  } finally {
    module._free(pointer);
  }
}

function release(path: string): void {
  const file = files.get(path);
  if (!file) return;
  files.delete(path);
  try {
    file.close();
  } catch {
    // closing a damaged file may fail; it is gone either way
  }
}

async function handle(request: Hdf5Request): Promise<unknown> {
  switch (request.op) {
    case "list":
      return list(request.path);
    case "meta":
      return meta(request.path, request.dataset);
    case "read":
      return read(request.path, request.dataset, request.offset, request.count, request.bytes);
    case "release":
      return release(request.path);
  }
}

port.on("message", async (request: Hdf5Request) => {
  refusedOpen = undefined;
  diagnostics = "";
  let response: Hdf5Response;
  let transfer: ArrayBuffer[] = [];
  try {
    const value = await handle(request);
    if (refusedOpen !== undefined) throw new Failure({ kind: "unsafe", detail: `HDF5 data stored in another file (${JSON.stringify(refusedOpen)}): refused, a model reads only its own file` });
    response = { id: request.id, ok: true, value };
    if (value instanceof Uint8Array) transfer = [value.buffer as ArrayBuffer];
  } catch (error) {
    let failure: Hdf5Failure;
    if (refusedOpen !== undefined) {
      const dataset = error instanceof Failure && "dataset" in error.failure ? error.failure.dataset : undefined;
      failure = { kind: "unsafe", detail: `HDF5 data stored in another file (${JSON.stringify(refusedOpen)}: external storage, link or virtual dataset): refused, a model reads only its own file`, ...(dataset !== undefined ? { dataset } : {}) };
    } else if (error instanceof Failure) {
      failure = error.failure;
    } else {
      const message = (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 200);
      failure = { kind: "abort", detail: message || lastDiagnostic() || "no message" };
    }
    response = { id: request.id, ok: false, failure };
  }
  port.postMessage(response, transfer);
});
