/**
 * The Hugging Face cache as huggingface_hub lays it out (`file_download.py`, "Manage the cache"), so
 * that Python and jaynes share downloads both ways:
 *
 *   <cache>/models--<owner>--<name>/
 *     refs/<revision>                     the commit a branch or tag pointed to (text, no newline)
 *     snapshots/<commit>/<path>           symbolic link → ../../blobs/<etag> (one more ../ per folder)
 *     blobs/<etag>                        the file's bytes, named by its normalised ETag
 *
 * A blob appears only complete (written under another name, verified, then renamed); links and refs
 * are replaced atomically (temporary name + rename). What jaynes keeps of a file it has read only in
 * part lives beside the blob as `blobs/<etag>.jaynes-partial` (partialBlob.ts), never under a final
 * name, so a Python reader can never see a truncated blob.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, readdir, rename, stat, symlink, unlink } from "node:fs/promises";
import { dirname, join, posix, relative } from "node:path";
import { writeFileAtomic } from "../atomicWrite.js";
import { DEFAULT_REVISION } from "./address.js";
import { hubCacheDir } from "./config.js";

export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** `owner/name` → `models--owner--name` (huggingface_hub's `repo_folder_name`). */
export function repoFolderName(repo: string): string {
  return `models--${repo.split("/").join("--")}`;
}

export function repoCacheFolder(repo: string, cacheDir = hubCacheDir()): string {
  return join(cacheDir, repoFolderName(repo));
}

/** Path segments of a repository path, refused if they could leave the snapshot folder. */
function segments(path: string): string[] {
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..") || path.includes("\\")) throw new RangeError(`unsafe repository path ${JSON.stringify(path)}`);
  return parts;
}

export function snapshotPath(repo: string, commit: string, path: string, cacheDir = hubCacheDir()): string {
  return join(repoCacheFolder(repo, cacheDir), "snapshots", commit, ...segments(path));
}

/** The ETag as a blob name: without quotes and weak marker (huggingface_hub's `_normalize_etag`). */
export function normaliseEtag(etag: string): string {
  return etag.replace(/^W\//, "").replace(/^"|"$/g, "");
}

/** A blob name must be one plain file name (an ETag is a hash; anything else is not trusted as a path). */
export function isSafeBlobName(name: string): boolean {
  return /^[A-Za-z0-9._-]{1,200}$/.test(name) && name !== "." && name !== "..";
}

export function blobPath(repo: string, etag: string, cacheDir = hubCacheDir()): string {
  return join(repoCacheFolder(repo, cacheDir), "blobs", normaliseEtag(etag));
}

function refPath(repo: string, revision: string, cacheDir: string): string {
  return join(repoCacheFolder(repo, cacheDir), "refs", ...segments(revision));
}

/** The commit a revision names in the cache: a commit hash as it is, else `refs/<revision>`. */
export async function cachedCommit(repo: string, revision = DEFAULT_REVISION, cacheDir = hubCacheDir()): Promise<string | undefined> {
  if (COMMIT_HASH.test(revision)) return revision;
  try {
    const text = (await readFile(refPath(repo, revision, cacheDir), "utf8")).trim();
    return COMMIT_HASH.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** What a path of a cached snapshot is: a file (size), a folder, or absent. Links are followed. */
export async function cachedEntry(repo: string, commit: string, path: string, cacheDir = hubCacheDir()): Promise<{ kind: "file"; size: number; local: string } | { kind: "directory" } | undefined> {
  const local = snapshotPath(repo, commit, path, cacheDir);
  try {
    const info = await stat(local);
    if (info.isDirectory()) return { kind: "directory" };
    return info.isFile() ? { kind: "file", size: info.size, local } : undefined;
  } catch {
    return undefined;
  }
}

/** The files directly in a folder of a cached snapshot (links followed), with their sizes, sorted. */
export async function cachedFolderFiles(repo: string, commit: string, path: string, cacheDir = hubCacheDir()): Promise<{ path: string; size: number }[]> {
  const folder = snapshotPath(repo, commit, path, cacheDir);
  const found: { path: string; size: number }[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const info = await stat(join(folder, entry.name)).catch(() => undefined);
    if (info?.isFile()) found.push({ path: path ? posix.join(path, entry.name) : entry.name, size: info.size });
  }
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Replace `path` with a symbolic link to `target`, atomically (a reader sees the old or the new). */
async function replaceWithSymlink(target: string, path: string): Promise<void> {
  const temporary = `${path}.jaynes-link-${process.pid}-${randomBytes(4).toString("hex")}`;
  await symlink(target, temporary);
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/**
 * Record a complete blob under a revision as huggingface_hub does: the snapshot entry links to the
 * blob (relative link), and a branch or tag name gets `refs/<revision>` = commit.
 */
export async function linkSnapshot(repo: string, revision: string | undefined, commit: string, path: string, etag: string, cacheDir = hubCacheDir()): Promise<string> {
  const link = snapshotPath(repo, commit, path, cacheDir);
  await mkdir(dirname(link), { recursive: true });
  const existing = await stat(link).catch(() => undefined);
  if (!existing?.isFile()) await replaceWithSymlink(relative(dirname(link), blobPath(repo, etag, cacheDir)), link);
  const name = revision ?? DEFAULT_REVISION;
  if (!COMMIT_HASH.test(name)) {
    const ref = refPath(repo, name, cacheDir);
    if ((await readFile(ref, "utf8").catch(() => undefined)) !== commit) {
      await mkdir(dirname(ref), { recursive: true });
      await writeFileAtomic(ref, commit);
    }
  }
  return link;
}

/**
 * Whether a local folder is a repository folder of the cache (`models--owner--name` holding
 * `snapshots/`): its `blobs/` are the snapshots' targets and must not be listed a second time.
 */
export async function isCacheRepoFolder(folder: string): Promise<boolean> {
  const name = folder.split(/[\\/]/).pop() ?? "";
  if (!/^(models|datasets|spaces)--./.test(name)) return false;
  return (await stat(join(folder, "snapshots")).catch(() => undefined))?.isDirectory() ?? false;
}
