/**
 * What a folder offers as model files, before any reader looks at them: one level (`fit`, `dynamics`:
 * a local folder or a Hub folder) or the whole tree (`scan`). Decided here, by names and file types:
 * - training companions (optimizer/scheduler/RNG states, training arguments, DeepSpeed and FSDP
 *   engine shards — trainingFiles.ts) and config/tokenizer files are skipped with their reason;
 * - symbolic links to files are files (the Hugging Face cache's snapshots are links into blobs/);
 *   links to folders are not followed (no cycles);
 * - a Hugging Face cache repository (`models--owner--name/`) is read through `snapshots/` only: its
 *   `blobs/` are the same files again, and a scan of the cache counts each repo@revision once;
 * - in a snapshot (local or on the Hub) the copies of safetensors weights in other serialisations
 *   are left out, as the Hub does when listing (`preferSafetensors`);
 * - in a tree walk, a sub-folder that cannot be read and a dangling or looping link named like a
 *   model are failures of their own, and the rest of the tree is still listed.
 */
import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { describeIoError } from "../io/byteSource.js";
import { isCacheRepoFolder } from "../io/hub/cacheLayout.js";
import { prefetchHeads, preferSafetensors } from "../io/hub/index.js";
import { filesInFolder, isRemoteLocation, locationKey } from "../io/location.js";
import { type SkippedEntry, companionFolderReason, companionReason, isCheckpointFolder, noteReason } from "./trainingFiles.js";

export { preferSafetensors };

/** Code-unit order: the same on every machine, whatever the locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A name some reader would claim: a file named so is reported if it cannot be read. */
const MODEL_NAME = /\.(safetensors|gguf|onnx|tflite|pt|pth|bin|ckpt|h5|hdf5|keras|npz|npy)$|(^|[\\/])model\.json$|\.index\.json$/i;

export function looksLikeModelName(path: string): boolean {
  return MODEL_NAME.test(path);
}

/** A snapshot folder of a local Hugging Face cache (`…/models--o--n/snapshots/<commit>`). */
const SNAPSHOT_FOLDER = /(^|[\\/])(models|datasets|spaces)--[^\\/]+[\\/]snapshots[\\/][0-9a-f]{40}$/;

function isSnapshotFolder(folder: string): boolean {
  return SNAPSHOT_FOLDER.test(folder);
}

/** Candidate files minus companions (reported as skipped). */
function withoutCompanions(files: readonly string[], skipped: SkippedEntry[]): string[] {
  const kept: string[] = [];
  for (const path of files) {
    const reason = companionReason(path) ?? noteReason(path);
    if (reason !== undefined) skipped.push({ path, reason });
    else kept.push(path);
  }
  return kept;
}

/** Files of one snapshot folder, minus other serialisations of its safetensors weights. */
function snapshotFiles(folder: string, files: string[], skipped: SkippedEntry[]): string[] {
  if (!isSnapshotFolder(folder)) return files;
  const kept = preferSafetensors(files);
  for (const path of files) if (!kept.includes(path)) skipped.push({ path, reason: "the safetensors weights beside it in another serialisation (as on the Hub)" });
  return kept;
}

export interface FolderListing {
  /** Candidate model files directly in the folder, sorted. */
  files: string[];
  /** Sub-folders named `checkpoint-<step>` (local folders only), sorted. */
  checkpoints: string[];
  skipped: SkippedEntry[];
}

/** Whether a directory entry is a file, following a symbolic link (a dangling link is not). */
async function isFileEntry(folder: string, entry: Dirent): Promise<boolean> {
  if (entry.isFile()) return true;
  if (!entry.isSymbolicLink()) return false;
  return (await stat(join(folder, entry.name)).catch(() => undefined))?.isFile() ?? false;
}

/** One folder, not recursive: local, or a folder of a Hub repository. */
export async function listFolder(directory: string): Promise<FolderListing> {
  const skipped: SkippedEntry[] = [];
  if (isRemoteLocation(directory)) {
    const files = withoutCompanions(await filesInFolder(directory), skipped);
    await prefetchHeads(files); // every candidate's first bytes, concurrently
    return { files, checkpoints: [], skipped };
  }
  let entries: Dirent[];
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    throw new InputError("io", directory, describeIoError(error));
  }
  entries.sort((a, b) => compareNames(a.name, b.name));
  const files: string[] = [];
  const checkpoints: string[] = [];
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (await isFileEntry(directory, entry)) files.push(path);
    else if (entry.isDirectory() && isCheckpointFolder(path)) checkpoints.push(path);
    else if (entry.isDirectory() && companionFolderReason(path) !== undefined) skipped.push({ path, reason: companionFolderReason(path)! });
  }
  return { files: snapshotFiles(directory, withoutCompanions(files, skipped), skipped), checkpoints, skipped };
}

/** A part of a tree that could not be listed, as the one-line error a scan reports for it. */
export interface TreeFailure {
  path: string;
  error: InputError;
}

export interface TreeListing {
  files: string[];
  skipped: SkippedEntry[];
  failures: TreeFailure[];
}

/** Why a link named like a model leads nowhere, or undefined when it leads to a file or a folder. */
async function brokenLink(path: string): Promise<string | undefined> {
  try {
    await stat(path);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "dangling symbolic link: its target does not exist";
    if (code === "ELOOP") return "symbolic link loop: the link leads back to itself";
    return `symbolic link cannot be followed: ${describeIoError(error)}`;
  }
}

/**
 * Every candidate file below a local directory, depth first in sorted order (so the list is the same
 * on every machine). Hidden entries (`.git`, `.cache`, …) and the folders in `skip` are not entered.
 * Only the root being unreadable throws; a sub-folder that cannot be read is a failure entry.
 */
export async function walkTree(directory: string, skip: readonly string[] = []): Promise<TreeListing> {
  const skipped = new Set(skip.map((path) => locationKey(path)));
  const listing: TreeListing = { files: [], skipped: [], failures: [] };
  const walk = async (folder: string, isRoot: boolean): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      const failure = new InputError("io", folder, `cannot read the folder: ${describeIoError(error)}`);
      if (isRoot) throw new InputError("io", folder, describeIoError(error));
      listing.failures.push({ path: folder, error: failure });
      return;
    }
    const cacheRepo = await isCacheRepoFolder(folder);
    entries.sort((a, b) => compareNames(a.name, b.name));
    const files: string[] = [];
    for (const entry of entries) if (!entry.name.startsWith(".") && (await isFileEntry(folder, entry))) files.push(join(folder, entry.name));
    const kept = new Set(snapshotFiles(folder, withoutCompanions(files, listing.skipped), listing.skipped));
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (skipped.has(locationKey(path))) continue;
        if (cacheRepo && entry.name !== "snapshots") continue; // blobs/ and refs/ are read through snapshots/
        const reason = companionFolderReason(path);
        if (reason !== undefined) listing.skipped.push({ path, reason });
        else await walk(path, false);
      } else if (kept.has(path)) {
        listing.files.push(path);
      } else if (entry.isSymbolicLink() && !files.includes(path) && looksLikeModelName(entry.name)) {
        const reason = await brokenLink(path);
        if (reason !== undefined) listing.failures.push({ path, error: new InputError("io", path, reason) });
      }
    }
  };
  await walk(directory, true);
  return listing;
}
