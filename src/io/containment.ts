/**
 * Which files a model may read — the containment rule, for every format: a model reads only regular
 * files inside its own folder, after symbolic links are resolved. A file a model refers to (a shard
 * of an index, ONNX external data, a TF.js weight shard) must (1) name a path inside the folder of
 * the file that refers to it (no absolute path, no `..` escape) and (2) resolve, links followed,
 * inside that folder's containment root. FIFOs, devices and sockets are refused before they are
 * opened (regularFile.ts).
 *
 * One exception, decided here and nowhere else: a Hugging Face cache snapshot. In
 * `…/models--owner--repo/snapshots/<revision>/file`, every file is a link to
 * `…/models--owner--repo/blobs/<hash>`, so the containment root of a folder below `snapshots/` is
 * the `models--owner--repo` folder (the repository's own cache, never a sibling repository).
 *
 * What the check cannot see: a link swapped between the check and the open (the window is the
 * time of one `open`); that needs a hostile process on the machine, not a hostile file.
 */
import { realpathSync } from "node:fs";
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
