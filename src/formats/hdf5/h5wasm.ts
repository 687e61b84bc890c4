/**
 * The HDF5 library (h5wasm: the HDF Group's C library compiled to WebAssembly; its Node build reads
 * files through the real file system with HDF5's own positioned I/O, never loading a file whole).
 * Loaded on first use only — it costs ≈ 0.3 s — and shared by everything on one thread: open files
 * are reference-counted, so the many dataset sources of one model share one HDF5 file handle.
 */
import { InputError, oneLine } from "../../errors.js";

type H5wasm = (typeof import("h5wasm/node"))["default"];
export type H5File = InstanceType<H5wasm["File"]>;
type H5Module = Awaited<H5wasm["ready"]>;

let loading: Promise<{ h5: H5wasm; module: H5Module }> | undefined;

export function loadH5wasm(): Promise<{ h5: H5wasm; module: H5Module }> {
  loading ??= import("h5wasm/node").then(async ({ default: h5 }) => {
    const module = await h5.ready;
    // HDF5 prints its error stack to stderr by default; make errors exceptions instead.
    module.activate_throwing_error_handler();
    return { h5, module };
  });
  return loading;
}

/** One line from an HDF5 error stack: its deepest frame, where the cause is named. */
export function hdf5ErrorSummary(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const frames = [...text.matchAll(/#\d+: .*? in \w+\(\)?: ([^\n]*)/g)];
  return frames.length > 0 ? frames[frames.length - 1]![1]!.trim() : oneLine(text).slice(0, 300);
}

const open = new Map<string, { file: H5File; refs: number }>();

/** Open (or share) an HDF5 file read-only. `display` names the input in error messages. */
export async function acquireH5File(path: string, display: string): Promise<H5File> {
  const { h5 } = await loadH5wasm();
  const entry = open.get(path);
  if (entry) {
    entry.refs++;
    return entry.file;
  }
  let file: H5File;
  try {
    file = new h5.File(path, "r");
  } catch (error) {
    throw new InputError("malformed", display, `not a readable HDF5 file (${hdf5ErrorSummary(error)})`);
  }
  open.set(path, { file, refs: 1 });
  return file;
}

export function releaseH5File(path: string): void {
  const entry = open.get(path);
  if (!entry) return;
  if (--entry.refs === 0) {
    open.delete(path);
    entry.file.close();
  }
}
