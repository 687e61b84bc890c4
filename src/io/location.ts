/**
 * Paths the user gives are local file paths or remote addresses (`hf://…`). Folder arithmetic
 * (parent, join, "is this inside that folder") must not run node:path over an address — `join`
 * would turn `hf://` into `hf:/` — so every reader that names companion files goes through here.
 */
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { canonicalHubAddress, hubBaseName, hubChild, hubJoinInside, hubParent, isHubAddress } from "./hub/address.js";

export function isRemoteLocation(path: string): boolean {
  return isHubAddress(path);
}

export function parentOf(path: string): string {
  return isHubAddress(path) ? hubParent(path) : dirname(path);
}

export function baseNameOf(path: string): string {
  return isHubAddress(path) ? hubBaseName(path) : basename(path);
}

/** A name in a folder (a directory entry, or a prefix of file names). */
export function childOf(folder: string, name: string): string {
  return isHubAddress(folder) ? hubChild(folder, name) : join(folder, name);
}

/** One key per location, so two spellings of the same file compare equal. */
export function locationKey(path: string): string {
  return isHubAddress(path) ? canonicalHubAddress(path) : resolve(path);
}

/** `name` resolved inside `folder`, or undefined when it is absolute or escapes the folder. */
export function insideFolder(folder: string, name: string): string | undefined {
  if (isHubAddress(folder)) return hubJoinInside(folder, name);
  const target = resolve(folder, name);
  const rel = relative(resolve(folder), target);
  if (isAbsolute(name) || rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) return undefined;
  return target;
}
