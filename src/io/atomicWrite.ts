/**
 * Output files appear whole or not at all: write to a temporary file in the same directory, flush,
 * then rename over the target (atomic on POSIX within one filesystem). An interrupted run leaves at
 * most a `.jaynes-tmp-*` file, which is removed on the way out when possible.
 *
 * `AtomicFile` is the streaming form (a checkpoint written chunk by chunk, several files committed
 * together); `writeFileAtomic` writes one buffer. `checkReplaceable` refuses, before any work, a
 * target that is an input of the run or not a regular file (a directory, a device such as
 * /dev/null, a FIFO): renaming over it would destroy it.
 */
import { randomBytes } from "node:crypto";
import { type FileHandle, lstat, open, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

const pendingTemporaries = new Set<string>();

/** A file written sequentially into a temporary beside `path`, renamed onto it by `commit`. */
export class AtomicFile {
  private position = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    readonly temporary: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(path: string): Promise<AtomicFile> {
    const temporary = join(dirname(path), `.${basename(path)}.jaynes-tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
    pendingTemporaries.add(temporary);
    try {
      return new AtomicFile(path, temporary, await open(temporary, "wx"));
    } catch (error) {
      pendingTemporaries.delete(temporary);
      throw error;
    }
  }

  get bytesWritten(): number {
    return this.position;
  }

  /** Append `bytes` (the buffer may be reused once the promise resolves). */
  async write(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, this.position + done);
      done += bytesWritten;
    }
    this.position += bytes.length;
  }

  /** Flush to disk and close; the target is not touched yet. */
  async finish(): Promise<void> {
    await this.handle.sync();
    this.closed = true;
    await this.handle.close();
  }

  /**
   * Rename the finished temporary onto the target — never onto a directory, device or FIFO: as root,
   * `-o /dev/null` would otherwise replace the system's /dev/null with a regular file.
   */
  async commit(): Promise<void> {
    const existing = await lstat(this.path).catch(() => undefined);
    if (existing && !existing.isFile() && !existing.isSymbolicLink()) throw new Error("exists and is not a regular file; refusing to replace it");
    await rename(this.temporary, this.path);
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
  const file = await AtomicFile.create(path);
  try {
    await file.write(typeof contents === "string" ? Buffer.from(contents, "utf8") : contents);
    await file.finish();
    await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
}

/**
 * Why `path` must not be replaced, or undefined when it may: it exists and is not a regular file
 * (or a link to one), or it is the same file (device and inode, links followed) as one of `inputs`.
 */
export async function replaceRefusal(path: string, inputs: readonly string[]): Promise<string | undefined> {
  const link = await lstat(path).catch(() => undefined);
  if (!link) return undefined;
  const target = link.isSymbolicLink() ? await stat(path).catch(() => undefined) : link;
  if (target && !target.isFile()) return "exists and is not a regular file";
  if (!target) return undefined; // a dangling link: replacing it loses nothing
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (info && info.dev === target.dev && info.ino === target.ino) return `is an input (${input})`;
  }
  return undefined;
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
