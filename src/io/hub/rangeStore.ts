/**
 * Downloaded byte ranges kept on disk, in two ways:
 * - the Hugging Face cache (default; `--no-cache` turns it off): every range downloaded is kept in
 *   the file's partial blob (partialBlob.ts) in the standard cache layout, so a rerun — or the second
 *   pass over an F32/F64 tensor — reads it from disk; a file whose every byte has been downloaded
 *   becomes a verified blob linked from `snapshots/<commit>/<path>`, where Python finds it too.
 * - the spill (with `--no-cache`): F32/F64 tensors larger than one chunk are read twice (max|w|
 *   first, then the bins). Their first-pass ranges are announced as "read again" and kept in a
 *   temporary folder, up to a disk budget, until the second pass has read them; the folder is removed
 *   when the process exits. Everything else is streamed straight through and never touches disk.
 */
import { rmSync } from "node:fs";
import { mkdir, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { ReadIntent } from "../byteSource.js";
import { makeProcessTempFolder } from "../processTemp.js";
import { blobPath, isSafeBlobName, linkSnapshot, normaliseEtag } from "./cacheLayout.js";
import { PartialBlob, readBytesAt } from "./partialBlob.js";

/** What identifies the content of one remote file, and where it belongs in the cache. */
export interface RemoteFileIdentity {
  repo: string;
  path: string;
  /** The revision as the user named it (refs/<revision> is written for a branch or tag). */
  revision?: string;
  commit: string;
  etag: string;
  size: number;
}

export class RangeStore {
  private spillDir: string | undefined;
  private readonly spilled = new Map<string, number>();
  private spillBytes = 0;
  private warned = false;
  private readonly partials = new Map<string, { identity: RemoteFileIdentity; partial: PartialBlob }>();

  constructor(
    /** The Hugging Face cache to fill, or undefined (spill only). */
    private readonly cacheDir: string | undefined,
    private readonly spillBudgetBytes: number,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  private partialOf(identity: RemoteFileIdentity): PartialBlob | undefined {
    if (this.cacheDir === undefined || !isSafeBlobName(normaliseEtag(identity.etag))) return undefined;
    const path = blobPath(identity.repo, identity.etag, this.cacheDir);
    let entry = this.partials.get(path);
    if (!entry) {
      entry = { identity, partial: new PartialBlob(path, identity.size, normaliseEtag(identity.etag)) };
      this.partials.set(path, entry);
    }
    return entry.partial;
  }

  private spillPath(identity: RemoteFileIdentity, position: number, length: number): string {
    return join(this.spillDir!, `${normaliseEtag(identity.etag).replace(/[^A-Za-z0-9]/g, "_")}-${identity.size}-${position}-${length}`);
  }

  /** Serve a read from disk if it was kept; true when `target` was filled. */
  async read(identity: RemoteFileIdentity, position: number, target: Uint8Array, intent: ReadIntent): Promise<boolean> {
    const partial = this.partialOf(identity);
    if (partial) return partial.read(target, position);
    if (this.spillDir === undefined) return false;
    const path = this.spillPath(identity, position, target.length);
    if (!this.spilled.has(path)) return false;
    const found = await readBytesAt(path, target, 0, target.length);
    if (intent === "last" || !found) await this.drop(path);
    return found;
  }

  /** Keep freshly downloaded bytes: in the cache, or in the spill when they will be read again. */
  async write(identity: RemoteFileIdentity, position: number, bytes: Uint8Array, intent: ReadIntent): Promise<void> {
    try {
      const partial = this.partialOf(identity);
      if (partial) {
        // A repository folder needs snapshots/ (and, for @huggingface/hub's scanner, refs/) to be a
        // valid cache entry while it holds only partial files.
        for (const folder of ["snapshots", "refs"]) await mkdir(join(dirname(dirname(partial.blobPath)), folder), { recursive: true });
        if (await partial.write(position, bytes)) await this.promote(identity, partial);
        return;
      }
      if (intent !== "again" || this.spillBytes + bytes.length > this.spillBudgetBytes) return;
      this.spillDir ??= createSpillDir();
      const path = this.spillPath(identity, position, bytes.length);
      await writeFile(path, bytes);
      if (!this.spilled.has(path)) this.spillBytes += bytes.length;
      this.spilled.set(path, bytes.length);
    } catch (error) {
      this.warnOnce(error);
    }
  }

  /** A complete partial file becomes the blob, linked from its snapshot. */
  private async promote(identity: RemoteFileIdentity, partial: PartialBlob): Promise<void> {
    if (!(await partial.promote())) {
      this.warn(`hf://${identity.repo}/${identity.path}: the downloaded bytes do not match the file's SHA-256 (ETag); not kept in the cache`);
      return;
    }
    await linkSnapshot(identity.repo, identity.revision, identity.commit, identity.path, identity.etag, this.cacheDir);
  }

  /**
   * Files of this run that were downloaded in part, with what is missing: the caller may fetch the
   * gaps (`fill`) so the file becomes a blob.
   */
  async incomplete(): Promise<{ identity: RemoteFileIdentity; gaps: [number, number][] }[]> {
    const out: { identity: RemoteFileIdentity; gaps: [number, number][] }[] = [];
    for (const { identity, partial } of this.partials.values()) {
      const gaps = await partial.gaps().catch(() => []);
      if (gaps.length > 0) out.push({ identity, gaps });
    }
    return out;
  }

  private warnOnce(error: unknown): void {
    // Keeping bytes is an optimisation: a full disk costs a second download, not the analysis.
    if (!this.warned) this.warn(`cannot keep downloaded bytes on disk (${(error as Error).message.split("\n")[0]}); continuing without`);
    this.warned = true;
  }

  private async drop(path: string): Promise<void> {
    const length = this.spilled.get(path);
    if (length === undefined) return;
    this.spilled.delete(path);
    this.spillBytes -= length;
    await unlink(path).catch(() => undefined);
  }

  /** Remove the spill folder (the cache stays). */
  dispose(): void {
    if (this.spillDir !== undefined) removeSpillDir(this.spillDir);
    this.spillDir = undefined;
    this.spilled.clear();
    this.spillBytes = 0;
    this.partials.clear();
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
