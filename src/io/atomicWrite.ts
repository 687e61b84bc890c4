/**
 * Output files appear whole or not at all: write to a temporary file in the same directory, flush,
 * then rename over the target (atomic on POSIX within one filesystem). An interrupted run leaves at
 * most a `.<name>.jaynes-tmp-<pid>-*` file, removed on the way out when possible, and otherwise by
 * the next run that writes into that folder (io/processTemp.ts).
 *
 * What is never clobbered:
 * - a file this run reads as an input (`-o model.safetensors` naming the checkpoint): refused;
 * - a directory, socket or block device: refused;
 * - a FIFO or character device (`-o /dev/stdout`, `/dev/null`, a shell's `>(gzip > x)`), or a link
 *   into /dev/fd or /proc (what /dev/stdout is): written as a stream, never replaced by a file.
 * A link to a regular file is followed: the file it points to is replaced, the link stays.
 * Every failure is an OutputError (`cannot write PATH: reason`, exit code 73).
 *
 * `AtomicFile` is the streaming form (a checkpoint written chunk by chunk, several files committed
 * together: `init`); it writes regular files only — a FIFO or device target is refused, since a set
 * of files is committed at once. `writeFileAtomic` writes one buffer.
 */
import { randomBytes } from "node:crypto";
import { constants, writeSync } from "node:fs";
import { type FileHandle, lstat, mkdir, open, readlink, realpath, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { OutputError } from "../errors.js";
import { describeIoError } from "./byteSource.js";
import { fileKind, isInputFile } from "./regularFile.js";
import { sweepStaleWriteTemporaries, writeTemporaryName } from "./processTemp.js";

const pendingTemporaries = new Set<string>();
const MAX_LINK_HOPS = 40;
const STREAM_LINK_PREFIXES = ["/proc/", "/dev/fd/"];

type OutputTarget = { kind: "file"; path: string } | { kind: "stream"; path: string } | { kind: "descriptor"; fd: number };

/** `/proc/self/fd/N`, `/proc/<this pid>/fd/N`, `/dev/fd/N`: a descriptor of this process. */
function ownDescriptor(path: string): number | undefined {
  const match = /^\/(?:proc\/(?:self|(\d+))\/fd|dev\/fd)\/(\d+)$/.exec(path);
  if (!match || (match[1] !== undefined && Number(match[1]) !== process.pid)) return undefined;
  return Number(match[2]);
}

/** Where writing `path` goes, following links; throws OutputError for targets that must not be replaced. */
export async function outputTarget(path: string): Promise<OutputTarget> {
  let current = resolve(path);
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    let info;
    try {
      info = await lstat(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "file", path: current };
      throw new OutputError(`cannot write ${path}: ${describeIoError(error)}`);
    }
    if (info.isSymbolicLink()) {
      const link = await readlink(current);
      const next = isAbsolute(link) ? link : resolve(dirname(current), link);
      // /dev/stdout → /proc/self/fd/1: whatever the descriptor is (a terminal, a pipe, a file the
      // shell opened), replacing it with a new file would lose the output.
      // A descriptor of this process is written as it is (re-opening a socket's /proc entry fails).
      const fd = ownDescriptor(next);
      if (fd !== undefined) return { kind: "descriptor", fd };
      if (STREAM_LINK_PREFIXES.some((prefix) => next.startsWith(prefix))) return { kind: "stream", path };
      current = next;
      continue;
    }
    if (info.isFile()) {
      current = await realpath(current).catch(() => current);
      if (isInputFile(current)) throw new OutputError(`cannot write ${path}: it is an input of this run (refusing to overwrite it)`);
      return { kind: "file", path: current };
    }
    if (info.isFIFO() || info.isCharacterDevice()) return { kind: "stream", path };
    throw new OutputError(`cannot write ${path}: it is a ${fileKind(info)} (refusing to replace it with a file)`);
  }
  throw new OutputError(`cannot write ${path}: a loop of symbolic links`);
}

const notAFile = (path: string): OutputError => new OutputError(`cannot write ${path}: it is a FIFO, device or descriptor, and this output is written as regular files (refusing to replace it)`);

/** A file written sequentially into a temporary beside its target, renamed onto it by `commit`. */
export class AtomicFile {
  private position = 0;
  private closed = false;

  private constructor(
    /** The path as the user gave it (for messages). */
    readonly path: string,
    /** The regular file the rename replaces (links followed). */
    readonly target: string,
    readonly temporary: string,
    private readonly handle: FileHandle,
  ) {}

  /** Start writing `path`; throws OutputError when it must not be replaced or its folder cannot be written. */
  static async create(path: string): Promise<AtomicFile> {
    const target = await outputTarget(path);
    if (target.kind !== "file") throw notAFile(path);
    return AtomicFile.createAt(path, target.path);
  }

  /** Start writing `target`, a regular file's path already resolved by `outputTarget`. */
  static async createAt(path: string, target: string): Promise<AtomicFile> {
    const folder = dirname(target);
    sweepStaleWriteTemporaries(folder);
    const temporary = join(folder, writeTemporaryName(basename(target), randomBytes(4).toString("hex")));
    pendingTemporaries.add(temporary);
    try {
      return new AtomicFile(path, target, temporary, await open(temporary, "wx"));
    } catch (error) {
      pendingTemporaries.delete(temporary);
      throw new OutputError(`cannot write ${path}: ${describeIoError(error)}`);
    }
  }

  get bytesWritten(): number {
    return this.position;
  }

  /** Append `bytes` (the buffer may be reused once the promise resolves). */
  async write(bytes: Uint8Array): Promise<void> {
    try {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, this.position + done);
        done += bytesWritten;
      }
    } catch (error) {
      throw new OutputError(`cannot write ${this.path}: ${describeIoError(error)}`);
    }
    this.position += bytes.length;
  }

  /** Flush to disk and close; the target is not touched yet. */
  async finish(): Promise<void> {
    try {
      await this.handle.sync();
      this.closed = true;
      await this.handle.close();
    } catch (error) {
      throw new OutputError(`cannot write ${this.path}: ${describeIoError(error)}`);
    }
  }

  /**
   * Rename the finished temporary onto the target — checked again just before: never onto a
   * directory, device or FIFO (as root, a rename onto /dev/null replaces the system's /dev/null),
   * never onto a file this run read.
   */
  async commit(): Promise<void> {
    const existing = await lstat(this.target).catch(() => undefined);
    if (existing && !existing.isFile()) throw new OutputError(`cannot write ${this.path}: it is a ${fileKind(existing)} (refusing to replace it with a file)`);
    if (existing && isInputFile(this.target)) throw new OutputError(`cannot write ${this.path}: it is an input of this run (refusing to overwrite it)`);
    try {
      await rename(this.temporary, this.target);
    } catch (error) {
      throw new OutputError(`cannot write ${this.path}: ${describeIoError(error)}`);
    }
    pendingTemporaries.delete(this.temporary);
  }

  /** Give up: close and remove the temporary (never throws). */
  async abort(): Promise<void> {
    if (!this.closed) await this.handle.close().catch(() => undefined);
    this.closed = true;
    await unlink(this.temporary).catch(() => undefined);
    pendingTemporaries.delete(this.temporary);
  }
}

export async function writeFileAtomic(path: string, contents: string | Uint8Array): Promise<void> {
  const target = await outputTarget(path);
  if (target.kind === "descriptor") return writeDescriptor(path, target.fd, contents);
  if (target.kind === "stream") return writeStream(path, contents);
  await writeFileAt(path, target.path, contents);
}

async function writeFileAt(path: string, target: string, contents: string | Uint8Array): Promise<void> {
  const file = await AtomicFile.createAt(path, target);
  try {
    await file.write(typeof contents === "string" ? Buffer.from(contents, "utf8") : contents);
    await file.finish();
    await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
}

/** Write to a descriptor this process already holds (`-o /dev/stdout`). */
async function writeDescriptor(path: string, fd: number, contents: string | Uint8Array): Promise<void> {
  const stream = fd === 1 ? process.stdout : fd === 2 ? process.stderr : undefined;
  try {
    if (stream) {
      await new Promise<void>((resolve, reject) => stream.write(contents, (error) => (error ? reject(error) : resolve())));
      return;
    }
    const bytes = typeof contents === "string" ? Buffer.from(contents) : contents;
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
  } catch (error) {
    throw new OutputError(`cannot write ${path}: ${describeIoError(error)}`);
  }
}

/** Write into an existing FIFO or character device as it is (no temporary, no rename). */
async function writeStream(path: string, contents: string | Uint8Array): Promise<void> {
  try {
    const handle = await open(path, constants.O_WRONLY | constants.O_APPEND);
    try {
      await handle.writeFile(contents);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new OutputError(`cannot write ${path}: ${describeIoError(error)}`);
  }
}

/**
 * Check before any work that `path` may be written (its folder exists, it is no input or directory).
 * `filesOnly`: a FIFO, device or descriptor is refused too (outputs written by AtomicFile).
 */
export async function checkOutputPath(path: string, inputs: readonly string[], options: { filesOnly?: boolean } = {}): Promise<void> {
  const target = await outputTarget(path);
  if (target.kind !== "file") {
    if (options.filesOnly) throw notAFile(path);
    return;
  }
  const folder = await stat(dirname(target.path)).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!folder) throw new OutputError(`cannot write ${path}: folder ${dirname(target.path)} does not exist`);
  for (const input of inputs) {
    const same = await stat(input).then(
      async (info) => info.isFile() && (await realpath(input)) === target.path,
      () => false,
    );
    if (same) throw new OutputError(`cannot write ${path}: it is an input of this run (refusing to overwrite it)`);
  }
}

/** Synchronous best-effort cleanup for signal handlers. */
export function removePendingTemporaries(unlinkSync: (path: string) => void): void {
  for (const path of pendingTemporaries) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
  pendingTemporaries.clear();
}

/** Create an output folder (and its parents); a failure is an OutputError naming it. */
export async function ensureOutputFolder(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw new OutputError(`cannot create the folder ${path}: ${describeIoError(error)}`);
  }
}
