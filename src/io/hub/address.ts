/**
 * `hf://[models/]owner/repo[@revision][/subpath]`: how a user names a model repository, a revision of
 * it (a branch, tag or commit — training-step branches make a checkpoint series), and a folder or
 * file inside it. Parsed as huggingface_hub parses `hf://` URIs (`utils/_hf_uri.py`): an optional
 * plural type prefix (`models/`; `datasets/`, `spaces/`, `kernels/`, `buckets/` are refused — jaynes
 * reads model repositories), the revision ends at the first `/` unless it is a special ref holding
 * `/` (`refs/pr/3`, `refs/convert/parquet`), and it is percent-decoded (`@refs%2Fpr%2F3`, `@v1%2Fx`).
 * Parsing is pure: no network.
 */
import { posix } from "node:path";
import { InputError } from "../../errors.js";

export const HUB_SCHEME = "hf://";

/** A parsed `hf://owner/repo[@revision][/path]` address. */
export interface HubAddress {
  /** `owner/name` */
  repo: string;
  /** As the user gave it; undefined means the default branch (`main`). */
  revision?: string;
  /** Path inside the repository, without leading or trailing `/`; "" is the repository root. */
  path: string;
}

export const DEFAULT_REVISION = "main";

/** Repository owner and name as the Hub allows them (letters, digits, `-`, `_`, `.`). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Revisions that contain `/` and are matched whole before the path is split off (huggingface_hub's rule). */
const SPECIAL_REF = /^refs\/(?:convert\/[\w.-]+|pr\/\d+)/;

/** Type prefixes of huggingface_hub's `hf://` URIs other than models: recognised, to be refused clearly. */
const OTHER_REPO_TYPES: Record<string, string> = { datasets: "dataset", spaces: "Space", kernels: "kernel", buckets: "bucket" };
const SINGULAR_TYPES: Record<string, string> = { model: "models", dataset: "datasets", space: "spaces", kernel: "kernels", bucket: "buckets" };

/** True for `hf://…` addresses. */
export function isHubAddress(text: string): boolean {
  return text.startsWith(HUB_SCHEME);
}

const USAGE = `expected ${HUB_SCHEME}owner/repo[@revision][/path]`;

/** Parse an `hf://owner/repo[@revision][/path]` address; an InputError names a malformed one. */
export function parseHubAddress(text: string): HubAddress {
  if (!isHubAddress(text)) throw new InputError("io", text, `not a Hub address (${USAGE})`);
  let rest = text.slice(HUB_SCHEME.length);
  const first = rest.slice(0, rest.indexOf("/") >>> 0);
  if (first === "models") rest = rest.slice("models/".length);
  else if (OTHER_REPO_TYPES[first] !== undefined) {
    throw new InputError("io", text, `${OTHER_REPO_TYPES[first]} repositories are not supported: jaynes reads model repositories (${HUB_SCHEME}owner/repo or ${HUB_SCHEME}models/owner/repo)`);
  } else if (SINGULAR_TYPES[first] !== undefined) {
    throw new InputError("io", text, `type prefixes are plural: did you mean ${HUB_SCHEME}${SINGULAR_TYPES[first]}/…?`);
  }
  const at = rest.indexOf("@");
  const slashes = at < 0 ? -1 : rest.slice(0, at).split("/").length - 1;
  // An '@' after owner/repo/ belongs to a file name, as in huggingface_hub.
  const repoText = at >= 0 && slashes === 1 ? rest.slice(0, at) : rest.split("/").slice(0, 2).join("/");
  const [owner = "", name = ""] = repoText.split("/");
  if (!NAME.test(owner) || !NAME.test(name) || name.endsWith(".git") || repoText.split("/").length !== 2) {
    throw new InputError("io", text, `not a Hub address: ${USAGE}`);
  }
  let revision: string | undefined;
  let inside: string;
  if (at >= 0 && slashes === 1) {
    const revisionAndPath = rest.slice(at + 1);
    const special = SPECIAL_REF.exec(revisionAndPath)?.[0];
    const revisionText = special ?? revisionAndPath.split("/")[0]!;
    inside = revisionAndPath.slice(revisionText.length);
    try {
      revision = decodeURIComponent(revisionText);
    } catch {
      throw new InputError("io", text, "the revision is not valid percent-encoding");
    }
    // A revision names a file under refs/ in the cache: no empty, "." or ".." segments.
    if (revision === "" || /[\u0000-\u001f\s\\]/.test(revision) || revision.split("/").some((part) => part === "" || part === "." || part === "..")) {
      throw new InputError("io", text, "empty or invalid revision after '@'");
    }
  } else {
    inside = rest.slice(repoText.length);
  }
  const segments = inside.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) throw new InputError("unsafe-path", text, "'..' is not allowed in a Hub address");
  return { repo: `${owner}/${name}`, ...(revision !== undefined ? { revision } : {}), path: segments.join("/") };
}

/** A revision as written in an address: special refs verbatim, other `/` and `%` percent-encoded. */
export function formatRevision(revision: string): string {
  if (SPECIAL_REF.exec(revision)?.[0] === revision) return revision;
  return revision.replace(/%/g, "%25").replace(/\//g, "%2F");
}

/** The `hf://` text of an address. */
export function formatHubAddress(address: HubAddress): string {
  const revision = address.revision !== undefined ? `@${formatRevision(address.revision)}` : "";
  return `${HUB_SCHEME}${address.repo}${revision}${address.path ? `/${address.path}` : ""}`;
}

/** The same repository and revision, another path inside it. */
export function withHubPath(address: HubAddress, path: string): HubAddress {
  return { ...address, path };
}

/** `folder` + `name` as an address, or undefined when `name` escapes `folder` (absolute, `..`). */
export function hubJoinInside(folder: string, name: string): string | undefined {
  const base = parseHubAddress(folder);
  if (name.startsWith("/") || name.includes("\\")) return undefined;
  const joined = posix.normalize(posix.join(base.path || ".", name));
  const outside = joined === "." || joined === ".." || joined.startsWith("../") || (base.path !== "" && !joined.startsWith(`${base.path}/`));
  return outside ? undefined : formatHubAddress(withHubPath(base, joined));
}

/** `folder` + `name` (a directory entry, or a name prefix such as a shard series'), unchecked. */
export function hubChild(folder: string, name: string): string {
  const base = parseHubAddress(folder);
  const joined = posix.join(base.path, name).replace(/^\/+|\/+$/g, "");
  return formatHubAddress(withHubPath(base, joined === "." ? "" : joined));
}

export function hubParent(text: string): string {
  const address = parseHubAddress(text);
  const parent = posix.dirname(address.path || ".");
  return formatHubAddress(withHubPath(address, parent === "." ? "" : parent));
}

export function hubBaseName(text: string): string {
  return posix.basename(parseHubAddress(text).path);
}

/** One spelling per location (`hf://a/b//c/` and `hf://a/b/c` are the same), for comparisons. */
export function canonicalHubAddress(text: string): string {
  return formatHubAddress(parseHubAddress(text));
}
