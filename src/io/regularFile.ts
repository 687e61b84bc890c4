/**
 * Regular files only: FIFOs, character and block devices and sockets are refused before they are
 * opened (opening a FIFO blocks until a writer comes; `/dev/zero` never ends), directories too —
 * part of the containment rule (containment.ts). And the files this process read as inputs, which
 * outputs must never overwrite (atomicWrite.ts). No dependencies beyond node:fs, so the byte
 * sources can use it.
 */
import { type Stats, realpathSync, statSync } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { InputError } from "../errors.js";

/** What a non-regular file is, in words. */
export function fileKind(info: Stats): string {
  if (info.isFile()) return "regular file";
  if (info.isDirectory()) return "directory";
  if (info.isFIFO()) return "FIFO (named pipe)";
  if (info.isCharacterDevice()) return "character device";
  if (info.isBlockDevice()) return "block device";
  if (info.isSocket()) return "socket";
  return "special file";
}

function notRegular(path: string, info: Stats): InputError {
  return info.isDirectory() ? new InputError("io", path, "is a directory, not a file") : new InputError("unsafe-path", path, `is a ${fileKind(info)}, not a regular file: refused (reading it could block or never end)`);
}

/**
 * Throw unless `path` (links followed) is a regular file; a missing file is left to the open that
 * follows. Call it before opening anything an input names: opening a FIFO blocks.
 */
export async function assertRegularFile(path: string): Promise<void> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch {
    return;
  }
  if (!info.isFile()) throw notRegular(path, info);
}

/** The synchronous `assertRegularFile`, for readers whose library reads synchronously. */
export function assertRegularFileSync(path: string): void {
  let info: Stats;
  try {
    info = statSync(path);
  } catch {
    return;
  }
  if (!info.isFile()) throw notRegular(path, info);
}

/** The same check on an already opened file's stats (closes the check-then-open window). */
export function checkOpenedRegular(path: string, info: Stats): void {
  if (!info.isFile()) throw notRegular(path, info);
}

/**
 * Every local file this process opened as an input (links resolved). Outputs are never written over
 * them: `-o model.safetensors` must not replace the checkpoint it reads.
 */
const inputFiles = new Set<string>();

/** Remember `path` as an input of this run (called when an input file is opened). */
export function noteInputFile(path: string): void {
  try {
    inputFiles.add(realpathSync(path));
  } catch {
    inputFiles.add(resolve(path));
  }
}

/** True when `path` (links resolved by the caller) is a file this process read as an input. */
export function isInputFile(realPath: string): boolean {
  return inputFiles.has(realPath);
}
