/**
 * Which files a model may read — the containment rule, for every format: a model reads only regular
 * files inside its own folder, after symbolic links are resolved. A file a model refers to (a shard
 * of an index, ONNX external data, a TF.js weight shard) must (1) name a path inside the folder of
 * the file that refers to it (no absolute path, no `..` escape) and (2) resolve, links followed,
 * inside that folder's containment root. FIFOs, devices and sockets are refused before they are
 * opened (opening a FIFO blocks until a writer appears), directories too.
 *
 * One exception, decided here and nowhere else: a Hugging Face cache snapshot. In
 * `…/models--owner--repo/snapshots/<revision>/file`, every file is a link to
 * `…/models--owner--repo/blobs/<hash>`, so the containment root of a folder below `snapshots/` is
 * the `models--owner--repo` folder (the repository's own cache, never a sibling repository).
 *
 * What the check cannot see: a link swapped between the check and the open (the window is the
 * time of one `open`); that needs a hostile process on the machine, not a hostile file.
 */
import { type Stats, realpathSync, statSync } from "node:fs";
import { stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { InputError } from "../errors.js";
import { isHubAddress } from "./hub/address.js";
import { insideFolder } from "./location.js";

const SNAPSHOTS = "snapshots";
const CACHED_MODEL_PREFIX = "models--";

/**
 * The folder inside which everything a model in `folder` refers to must resolve: the folder itself,
 * or, below a Hugging Face cache snapshot (`…/models--owner--repo/snapshots/<revision>/…`), the
 * `models--owner--repo` folder whose `blobs/` the snapshot's links point into.
 */
export function containmentRoot(folder: string): string {
  const absolute = resolve(folder);
  const parts = absolute.split(sep);
  // The nearest `models--*/snapshots/<revision>` above (or at) the folder.
  for (let i = parts.length - 2; i >= 1; i--) {
    if (parts[i] === SNAPSHOTS && parts[i - 1]!.startsWith(CACHED_MODEL_PREFIX) && parts[i + 1] !== "") return parts.slice(0, i).join(sep) || sep;
  }
  return absolute;
}

/** True when `path` is `root` or below it (both absolute, links already resolved). */
function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * `name` (as written in `referrer`, a file in `folder`) resolved inside the folder, or an
 * `unsafe-path` InputError naming `referrer`. A name that does not exist is returned as it is: opening
 * it then says "no such file", which is the more useful message.
 */
export function containedPath(folder: string, name: string, referrer: string): string {
  const target = insideFolder(folder, name);
  if (target === undefined) throw new InputError("unsafe-path", referrer, `refers to ${JSON.stringify(name)}, which is outside the model's folder`);
  if (isHubAddress(target)) return target;
  let real: string;
  try {
    real = realpathSync(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP") throw new InputError("unsafe-path", referrer, `refers to ${JSON.stringify(name)}, a loop of symbolic links`);
    return target;
  }
  const root = realpathOrSelf(containmentRoot(folder));
  if (!within(root, real)) {
    throw new InputError("unsafe-path", referrer, `refers to ${JSON.stringify(name)}, a symbolic link that resolves outside the model's folder (to ${real})`);
  }
  return target;
}

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
