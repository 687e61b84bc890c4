/**
 * Random-access byte sources: the bottom layer of the pipeline. Readers parse headers through
 * `readExact`, the streaming layer pulls tensor bytes through `read`. Everything is positioned reads
 * into caller-owned buffers: no file is ever loaded whole, and positions are plain numbers (exact up
 * to 2^53 bytes), so files beyond 4 GiB work.
 */
import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { InputError } from "../errors.js";
import { assertRegularFile, checkOpenedRegular, noteInputFile } from "./regularFile.js";

/**
 * What the caller will do with the bytes of a read: "again" — read them once more soon (the second
 * pass over an F32/F64 tensor larger than one chunk); "last" — that second read. Local files ignore
 * it (the OS page cache does the job); remote sources keep "again" bytes so nothing is downloaded twice.
 */
export type ReadIntent = "once" | "again" | "last";

export interface ByteSource {
  /** Display name used in error messages (a path or URL, never a secret). */
  readonly name: string;
  readonly size: number;
  /** Fill `target` with the bytes at [position, position + target.length); throws on short reads. */
  readExact(target: Uint8Array, position: number, intent?: ReadIntent): Promise<void>;
  close(): Promise<void>;
}

export class FileSource implements ByteSource {
  private constructor(
    readonly name: string,
    readonly size: number,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string): Promise<FileSource> {
    // FIFOs, devices and sockets are refused before the open (opening a FIFO blocks); O_NONBLOCK and
    // the check on the opened file cover a file swapped in between.
    await assertRegularFile(path);
    let handle: FileHandle;
    try {
      handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      throw new InputError("io", path, describeIoError(error));
    }
    try {
      const stat = await handle.stat();
      checkOpenedRegular(path, stat);
      noteInputFile(path);
      return new FileSource(path, stat.size, handle);
    } catch (error) {
      await handle.close();
      if (error instanceof InputError) throw error;
      throw new InputError("io", path, describeIoError(error));
    }
  }

  async readExact(target: Uint8Array, position: number): Promise<void> {
    if (position < 0 || position + target.length > this.size) {
      throw new InputError(
        "truncated",
        this.name,
        `needs bytes ${position}..${position + target.length} but the file has ${this.size}`,
        undefined,
        position,
      );
    }
    let filled = 0;
    while (filled < target.length) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.handle.read(target, filled, target.length - filled, position + filled));
      } catch (error) {
        throw new InputError("io", this.name, describeIoError(error), undefined, position + filled);
      }
      if (bytesRead === 0) {
        throw new InputError("truncated", this.name, "file ended early (was it truncated while reading?)", undefined, position + filled);
      }
      filled += bytesRead;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

export function describeIoError(error: unknown): string {
  if (error && typeof error === "object" && "code" in error) {
    const code = String((error as { code: unknown }).code);
    const known: Record<string, string> = {
      ENOENT: "no such file or directory",
      EACCES: "permission denied",
      EISDIR: "is a directory",
      ENOTDIR: "a path component is not a directory",
      EMFILE: "too many open files",
      ENFILE: "too many open files in the system",
      EIO: "I/O error",
      ELOOP: "a loop of symbolic links",
      ENAMETOOLONG: "file name too long",
      EROFS: "read-only file system",
      ENOSPC: "no space left on the device",
      EDQUOT: "disk quota exceeded",
      EPERM: "operation not permitted",
      EEXIST: "already exists",
      EBUSY: "resource busy",
      EFBIG: "file too large",
      ETXTBSY: "text file busy",
      ENXIO: "no such device or address",
      ENODEV: "no such device",
      EAGAIN: "resource temporarily unavailable",
      ERR_INVALID_ARG_VALUE: "the path is not valid (it holds a NUL byte?)",
      ERR_INVALID_ARG_TYPE: "the path is not valid",
      ERR_FS_FILE_TOO_LARGE: "file too large to read at once",
    };
    return known[code] ?? (error instanceof Error && error.message ? error.message.split("\n")[0]! : code);
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * A source that reads as zeros (`ZERO_SOURCE`), for the implicit zeros of sparse tensors
 * (io/zeroSource.ts). Built in rather than registered, so every thread — worker threads included —
 * can read it without registering anything.
 */
export const ZERO_SOURCE = "jaynes:zeros";

const zeros: ByteSource = {
  name: ZERO_SOURCE,
  size: Number.MAX_SAFE_INTEGER,
  readExact: async (target) => {
    target.fill(0);
  },
  close: async () => undefined,
};

/**
 * Opens a source by name: local paths and the zero source are built in; other backends register an
 * opener before it makes names (the Hub's io/hub/source.ts when it loads; HDF5 dataset sources when
 * the first name is made), so a name exists only in a thread where it can be opened; worker threads
 * register what tasks sent to them may name (parallel/worker.ts).
 */
export type SourceOpener = (name: string) => Promise<ByteSource>;

export interface SourceOpenerOptions {
  /**
   * Read these sources on the main thread only: worker threads would each need their own costly
   * state (the Hub's settings and download spill; an 80 MB HDF5 library instance per thread).
   */
  mainThreadOnly?: boolean;
}

const openers: { test: (name: string) => boolean; open: SourceOpener; mainThreadOnly: boolean }[] = [];

/** Lets a backend (the Hub, HDF5 datasets, …) serve names it recognises, such as `hf://…`. */
export function registerSourceOpener(test: (name: string) => boolean, opener: SourceOpener, options: SourceOpenerOptions = {}): void {
  openers.unshift({ test, open: opener, mainThreadOnly: options.mainThreadOnly ?? false });
}

/** True when `name` is served by an opener registered with `mainThreadOnly`. */
export function readsOnMainThread(name: string): boolean {
  return openers.find((candidate) => candidate.test(name))?.mainThreadOnly ?? false;
}

export function openSource(name: string): Promise<ByteSource> {
  if (name === ZERO_SOURCE) return Promise.resolve(zeros);
  for (const candidate of openers) if (candidate.test(name)) return candidate.open(name);
  return FileSource.open(name);
}

/**
 * Keeps one open source per name for the lifetime of an analysis, so a sharded model's files are
 * opened once however many tensors they hold.
 */
export class SourcePool {
  private readonly sources = new Map<string, Promise<ByteSource>>();

  get(name: string): Promise<ByteSource> {
    let source = this.sources.get(name);
    if (!source) {
      source = openSource(name);
      this.sources.set(name, source);
      // A failed open is not cached: the next caller gets a fresh attempt and the same clear error.
      source.catch(() => this.sources.delete(name));
    }
    return source;
  }

  async close(): Promise<void> {
    const all = [...this.sources.values()];
    this.sources.clear();
    await Promise.all(all.map(async (source) => (await source.catch(() => undefined))?.close()));
  }
}

/** Read a little-endian u64 as a number, or undefined when it exceeds 2^53. */
export function readU64(bytes: Uint8Array, at: number): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const value = view.getBigUint64(at, true);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}
