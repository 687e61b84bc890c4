/**
 * Where models live: a path the user gives is a location of one backend — the local file system, or
 * a remote store (`hf://…`, the Hugging Face Hub). This is the one place that tells them apart: every
 * question that depends on the backend (is it a folder, what files does a folder hold, folder
 * arithmetic, can it be stat'ed) goes through `locationBackend`, so no other module tests for `hf://`
 * and a second remote backend is one more `LocationBackend` in `BACKENDS`. Folder arithmetic must not
 * run node:path over an address (`join` would turn `hf://` into `hf:/`), so every reader that names
 * companion files goes through here too.
 *
 * Reading bytes is io/byteSource.ts (`openSource` by name); a remote backend registers its byte
 * source opener there (the Hub's module does so when it is loaded, which this module does).
 */
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { InputError } from "../errors.js";
import { describeIoError, isRegisteredSourceName } from "./byteSource.js";
import { isHttpUrl } from "./urlSource.js";
import { canonicalHubAddress, hubBaseName, hubChild, hubJoinInside, hubParent, isHubAddress } from "./hub/address.js";
import { hubIsFolder, hubListFolder } from "./hub/index.js";

export interface LocationBackend {
  readonly name: string;
  /** Remote: no local path, no mtime (results are not cached by file stamps; readers needing a path copy it). */
  readonly remote: boolean;
  claims(path: string): boolean;
  /** Whether `path` is a folder; an InputError naming it when it cannot be looked at. */
  isFolder(path: string): Promise<boolean>;
  /** The files directly in a folder, as locations, sorted. */
  filesIn(folder: string): Promise<string[]>;
  parent(path: string): string;
  baseName(path: string): string;
  /** A name in a folder (a directory entry, or a prefix of file names), unchecked. */
  child(folder: string, name: string): string;
  /** One key per location, so two spellings of the same file compare equal. */
  key(path: string): string;
  /** `name` resolved inside `folder`, or undefined when it is absolute or escapes the folder. */
  inside(folder: string, name: string): string | undefined;
  /** `path` relative to the folder `root`, with forward slashes. */
  relative(root: string, path: string): string;
}

const local: LocationBackend = {
  name: "local",
  remote: false,
  claims: () => true,
  async isFolder(path) {
    try {
      return (await stat(path)).isDirectory();
    } catch (error) {
      throw new InputError("io", path, describeIoError(error));
    }
  },
  async filesIn(folder) {
    try {
      const names = (await readdir(folder, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name).sort();
      return names.map((name) => join(folder, name));
    } catch (error) {
      throw new InputError("io", folder, describeIoError(error));
    }
  },
  parent: (path) => dirname(path),
  baseName: (path) => basename(path),
  child: (folder, name) => join(folder, name),
  key: (path) => resolve(path),
  inside(folder, name) {
    const target = resolve(folder, name);
    const rel = relative(resolve(folder), target);
    if (isAbsolute(name) || rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) return undefined;
    return target;
  },
  relative: (root, path) => relative(root, path).split(sep).join("/"),
};

const hub: LocationBackend = {
  name: "hub",
  remote: true,
  claims: isHubAddress,
  isFolder: hubIsFolder,
  filesIn: hubListFolder,
  parent: hubParent,
  baseName: hubBaseName,
  child: hubChild,
  key: canonicalHubAddress,
  inside: hubJoinInside,
  relative(root, path) {
    const prefix = `${root.replace(/\/$/, "")}/`;
    return path.startsWith(prefix) ? path.slice(prefix.length) : path;
  },
};

/**
 * Names with `/`-separated paths that are not local files: http(s) URLs, and the names a registered
 * source opener serves (a library user's `s3://bucket/key`, a ByteSource handed to `analyze`). A name
 * is a file, never a folder (there is no listing), and companion files (shards, external data) are
 * its siblings by name.
 */
function namedBackend(name: string, claims: (path: string) => boolean): LocationBackend {
  const cut = (path: string): number => path.lastIndexOf("/");
  const root = (path: string): number => {
    const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(path);
    return scheme ? scheme[0].length : 0;
  };
  return {
    name,
    remote: true,
    claims,
    isFolder: async () => false,
    async filesIn(folder) {
      throw new InputError("io", folder, "cannot list the files of a folder here; name the model file");
    },
    parent: (path) => (cut(path) >= root(path) && cut(path) >= 0 ? path.slice(0, cut(path)) : ""),
    baseName: (path) => path.slice(cut(path) + 1),
    child: (folder, child) => (folder === "" ? child : `${folder.replace(/\/$/, "")}/${child}`),
    key: (path) => path,
    inside(folder, child) {
      if (child.startsWith("/") || /^[a-z][a-z0-9+.-]*:/i.test(child)) return undefined;
      const parts: string[] = [];
      for (const part of child.split("/")) {
        if (part === "" || part === ".") continue;
        if (part === "..") {
          if (parts.length === 0) return undefined;
          parts.pop();
        } else parts.push(part);
      }
      if (parts.length === 0) return undefined;
      return folder === "" ? parts.join("/") : `${folder.replace(/\/$/, "")}/${parts.join("/")}`;
    },
    relative(rootFolder, path) {
      const prefix = `${rootFolder.replace(/\/$/, "")}/`;
      return path.startsWith(prefix) ? path.slice(prefix.length) : path;
    },
  };
}

/** Remote backends, tried in order; a path no remote backend claims is local. */
const BACKENDS: readonly LocationBackend[] = [hub, namedBackend("url", isHttpUrl), namedBackend("registered", isRegisteredSourceName)];

export function locationBackend(path: string): LocationBackend {
  return BACKENDS.find((backend) => backend.claims(path)) ?? local;
}

export function isRemoteLocation(path: string): boolean {
  return locationBackend(path).remote;
}

export function isFolder(path: string): Promise<boolean> {
  return locationBackend(path).isFolder(path);
}

/** The files directly in a folder (local, or a folder of a Hub repository), sorted. */
export function filesInFolder(folder: string): Promise<string[]> {
  return locationBackend(folder).filesIn(folder);
}

export function parentOf(path: string): string {
  return locationBackend(path).parent(path);
}

export function baseNameOf(path: string): string {
  return locationBackend(path).baseName(path);
}

/** A name in a folder (a directory entry, or a prefix of file names). */
export function childOf(folder: string, name: string): string {
  return locationBackend(folder).child(folder, name);
}

/** One key per location, so two spellings of the same file compare equal. */
export function locationKey(path: string): string {
  return locationBackend(path).key(path);
}

/** `name` resolved inside `folder`, or undefined when it is absolute or escapes the folder. */
export function insideFolder(folder: string, name: string): string | undefined {
  return locationBackend(folder).inside(folder, name);
}

/** `path` relative to the folder `root`, with forward slashes (what --glob patterns are written in). */
export function relativeTo(root: string, path: string): string {
  return locationBackend(root).relative(root, path);
}
