/**
 * Temporary files and folders of this process carry its pid in their names, so that what a killed
 * process left behind (SIGKILL, a power cut: no exit hook ran) can be told apart from what a running
 * process still uses, and is removed by the next run:
 * - folders under os.tmpdir() (or a folder the user named, `activations --spill-dir`):
 *   `jaynes-<kind>-<pid>-XXXXXX` (temporary copies, Hub download spill, activation spills);
 * - atomic-write temporaries next to their target: `.<name>.jaynes-tmp-<pid>-<hex>`.
 * Only entries of this user whose process is gone are removed.
 */
import { lstatSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TEMP_FOLDER = /^jaynes-[a-z]+-(?<pid>\d+)-[A-Za-z0-9]{6}$/;
const WRITE_TEMPORARY = /^\..+\.jaynes-tmp-(?<pid>\d+)-[0-9a-f]+$/;

/** True while a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function ownedByMe(path: string): boolean {
  try {
    const info = lstatSync(path);
    return typeof process.getuid !== "function" || info.uid === process.getuid();
  } catch {
    return false;
  }
}

/** The entries of `folder` named by `pattern` (its group `pid` the owner's pid) whose process is gone, and are this user's: removed. */
function removeLeftovers(folder: string, pattern: RegExp): void {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = pattern.exec(name)?.groups?.pid;
    if (pid === undefined || processAlive(Number(pid))) continue;
    const path = join(folder, name);
    if (ownedByMe(path)) rmSync(path, { recursive: true, force: true });
  }
}

const sweptParents = new Set<string>();

/** Remove `jaynes-<kind>-<pid>-*` folders under `parent` (default os.tmpdir()) whose process is gone (once per folder per process). */
export function sweepStaleTempFolders(parent: string = tmpdir()): void {
  if (sweptParents.has(parent)) return;
  sweptParents.add(parent);
  removeLeftovers(parent, TEMP_FOLDER);
}

/** A new temporary folder of this process: `jaynes-<kind>-<pid>-XXXXXX` under `parent` (default os.tmpdir()). */
export function makeProcessTempFolder(kind: string, parent: string = tmpdir()): string {
  sweepStaleTempFolders(parent);
  return mkdtempSync(join(parent, `jaynes-${kind}-${process.pid}-`));
}

/** The temporary name an atomic write of `name` uses in its folder. */
export function writeTemporaryName(name: string, suffix: string): string {
  return `.${name}.jaynes-tmp-${process.pid}-${suffix}`;
}

const sweptFolders = new Set<string>();

/** Remove, once per folder per process, atomic-write temporaries in `folder` left by dead processes. */
export function sweepStaleWriteTemporaries(folder: string): void {
  if (sweptFolders.has(folder)) return;
  sweptFolders.add(folder);
  removeLeftovers(folder, WRITE_TEMPORARY);
}
