/**
 * Reusing results between runs. After a model is analysed, `cache/<stem>.json` records the result
 * with its key: the tool version, the analysis settings, the input paths, and the size and
 * modification time of every file the model consists of (companions included), taken when the
 * model was opened. A rerun whose key matches — every file still has that size and mtime — reuses
 * the result without opening the model. Records are written atomically, one per model as soon as it
 * is done, so an interrupted scan resumes where it stopped. Hub models are not cached (no mtime;
 * `--cache` keeps their bytes instead).
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ModelResult, ModelSettingsRecord } from "../../analysis/model.js";
import { CACHE_FOLDER, modelStem } from "../../analysis/scan/outputs.js";
import type { Stored } from "../../analysis/stored.js";
import { writeFileAtomic } from "../../io/atomicWrite.js";
import { isRemoteLocation } from "../../io/location.js";

export interface FileStamp {
  path: string;
  size: number;
  mtime_ms: number;
}

/** What must be equal for a stored result to stand for a new analysis (besides the file stamps). */
export interface CacheIdentity {
  version: string;
  settings: ModelSettingsRecord;
  inputs: string[];
}

interface CacheRecord {
  tool: "jaynes";
  kind: "scan-cache";
  key: CacheIdentity & { files: FileStamp[] };
  result: Stored<ModelResult>;
}

/** Size and mtime of each file, or undefined when one is remote or cannot be stat'ed. */
export async function stampFiles(files: readonly string[]): Promise<FileStamp[] | undefined> {
  const stamps: FileStamp[] = [];
  for (const path of files) {
    if (isRemoteLocation(path)) return undefined;
    try {
      const info = await stat(path);
      stamps.push({ path, size: info.size, mtime_ms: info.mtimeMs });
    } catch {
      return undefined;
    }
  }
  return stamps;
}

function cachePath(outDir: string, model: string): string {
  return join(outDir, CACHE_FOLDER, `${modelStem(model)}.json`);
}

/** The stored result for `model` when its key still holds, else undefined (any doubt is a miss). */
export async function readCachedResult(outDir: string, model: string, identity: CacheIdentity): Promise<Stored<ModelResult> | undefined> {
  let record: CacheRecord;
  try {
    record = JSON.parse(await readFile(cachePath(outDir, model), "utf8")) as CacheRecord;
  } catch {
    return undefined;
  }
  if (record?.tool !== "jaynes" || record.kind !== "scan-cache" || !record.key || !Array.isArray(record.key.files) || record.key.files.length === 0) return undefined;
  const { files, ...stored } = record.key;
  if (JSON.stringify(stored) !== JSON.stringify(identity)) return undefined;
  const now = await stampFiles(files.map((file) => file.path));
  if (!now || JSON.stringify(now) !== JSON.stringify(files)) return undefined;
  return record.result;
}

/** Store a result under its key (atomically: a reader sees the old record or the new one). */
export async function writeCachedResult(outDir: string, model: string, identity: CacheIdentity, files: FileStamp[], result: Stored<ModelResult>): Promise<void> {
  const record: CacheRecord = { tool: "jaynes", kind: "scan-cache", key: { ...identity, files }, result };
  await writeFileAtomic(cachePath(outDir, model), `${JSON.stringify(record)}\n`);
}
