/**
 * Downloaded byte ranges kept on disk, in two ways:
 * - `--cache DIR` (persistent): every range read is stored as one file under a key of (endpoint,
 *   repository, file, ETag, size) — the ETag is the content hash the Hub gives LFS files, so a
 *   changed file never serves stale bytes — and the range (offset, length). Writes are atomic
 *   (temporary file + rename), so an interrupted run never leaves a torn range; a rerun with the
 *   same settings reads the same ranges and downloads no tensor bytes.
 * - the spill (always, without --cache): F32/F64 tensors larger than one chunk are read twice (max|w|
 *   first, then the bins). Their first-pass ranges are announced as "read again" and kept in a
 *   temporary folder, up to a disk budget, until the second pass has read them; the folder is removed
 *   when the process exits. Everything else is streamed straight through and never touches disk.
 */
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdir, open, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../atomicWrite.js";
import type { ReadIntent } from "../byteSource.js";
import { makeProcessTempFolder } from "../processTemp.js";

/** What identifies the content of one remote file. */
export interface RemoteFileIdentity {
  endpoint: string;
  repo: string;
  path: string;
  etag: string;
  size: number;
}

const CACHE_LAYOUT = "jaynes-hub-v1";

export function identityKey(identity: RemoteFileIdentity): string {
  const parts = [identity.endpoint, identity.repo, identity.path, identity.etag, String(identity.size)];
  return createHash("sha256").update(parts.join("\u0000")).digest("hex");
}

/** Fill `target` from a file holding exactly target.length bytes; false when absent or the wrong size. */
async function readWhole(path: string, target: Uint8Array): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch {
    return false;
  }
  try {
    if ((await handle.stat()).size !== target.length) return false;
    let filled = 0;
    while (filled < target.length) {
      const { bytesRead } = await handle.read(target, filled, target.length - filled, filled);
      if (bytesRead === 0) return false;
      filled += bytesRead;
    }
    return true;
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}

export class RangeStore {
  private spillDir: string | undefined;
  private readonly spilled = new Map<string, number>();
  private spillBytes = 0;
  private warned = false;

  constructor(
    private readonly cacheDir: string | undefined,
    private readonly spillBudgetBytes: number,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  private cachePath(identity: RemoteFileIdentity, position: number, length: number): string {
    const key = identityKey(identity);
    return join(this.cacheDir!, CACHE_LAYOUT, key.slice(0, 2), key, `${position}-${length}`);
  }

  private spillPath(identity: RemoteFileIdentity, position: number, length: number): string {
    return join(this.spillDir!, `${identityKey(identity)}-${position}-${length}`);
  }

  /** Serve a read from disk if it was kept; true when `target` was filled. */
  async read(identity: RemoteFileIdentity, position: number, target: Uint8Array, intent: ReadIntent): Promise<boolean> {
    if (this.cacheDir !== undefined) return readWhole(this.cachePath(identity, position, target.length), target);
    if (this.spillDir === undefined) return false;
    const path = this.spillPath(identity, position, target.length);
    if (!this.spilled.has(path)) return false;
    const found = await readWhole(path, target);
    if (intent === "last" || !found) await this.drop(path);
    return found;
  }

  /** Keep freshly downloaded bytes: always with --cache, in the spill when they will be read again. */
  async write(identity: RemoteFileIdentity, position: number, bytes: Uint8Array, intent: ReadIntent): Promise<void> {
    try {
      if (this.cacheDir !== undefined) {
        const path = this.cachePath(identity, position, bytes.length);
        await mkdir(join(path, ".."), { recursive: true });
        await writeFileAtomic(path, bytes);
        return;
      }
      if (intent !== "again" || this.spillBytes + bytes.length > this.spillBudgetBytes) return;
      this.spillDir ??= createSpillDir();
      const path = this.spillPath(identity, position, bytes.length);
      await writeFile(path, bytes);
      if (!this.spilled.has(path)) this.spillBytes += bytes.length;
      this.spilled.set(path, bytes.length);
    } catch (error) {
      // Keeping bytes is an optimisation: a full disk costs a second download, not the analysis.
      if (!this.warned) this.warn(`cannot keep downloaded bytes on disk (${(error as Error).message.split("\n")[0]}); continuing without`);
      this.warned = true;
    }
  }

  private async drop(path: string): Promise<void> {
    const length = this.spilled.get(path);
    if (length === undefined) return;
    this.spilled.delete(path);
    this.spillBytes -= length;
    await unlink(path).catch(() => undefined);
  }

  /** Remove the spill folder (the persistent cache stays). */
  dispose(): void {
    if (this.spillDir !== undefined) removeSpillDir(this.spillDir);
    this.spillDir = undefined;
    this.spilled.clear();
    this.spillBytes = 0;
  }
}

const spillDirs = new Set<string>();
let exitHookInstalled = false;

function createSpillDir(): string {
  const dir = makeProcessTempFolder("spill");
  spillDirs.add(dir);
  if (!exitHookInstalled) {
    // 'exit' also runs after the CLI's SIGINT/SIGTERM handler calls process.exit.
    process.once("exit", () => {
      for (const path of spillDirs) removeSpillDir(path);
    });
    exitHookInstalled = true;
  }
  return dir;
}

function removeSpillDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  spillDirs.delete(dir);
}
