/**
 * `hf://owner/repo[@revision][/subpath]`: how a user names a model repository, a revision of it (a
 * branch, tag or commit — training-step branches make a checkpoint series), and a folder or file
 * inside it. The revision ends at the first `/`; a revision that contains `/` (`refs/pr/1`) is
 * written percent-encoded (`@refs%2Fpr%2F1`). Parsing is pure: no network.
 */
import { posix } from "node:path";
import { InputError } from "../../errors.js";

export const HUB_SCHEME = "hf://";

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

export function isHubAddress(text: string): boolean {
  return text.startsWith(HUB_SCHEME);
}

export function parseHubAddress(text: string): HubAddress {
  if (!isHubAddress(text)) throw new InputError("io", text, `not a Hub address (expected ${HUB_SCHEME}owner/repo[@revision][/path])`);
  const rest = text.slice(HUB_SCHEME.length);
  const segments = rest.split("/");
  const owner = segments[0] ?? "";
  const repoPart = segments[1] ?? "";
  const at = repoPart.indexOf("@");
  const name = at < 0 ? repoPart : repoPart.slice(0, at);
  if (!NAME.test(owner) || !NAME.test(name) || name.endsWith(".git")) {
    throw new InputError("io", text, `not a Hub address: expected ${HUB_SCHEME}owner/repo[@revision][/path]`);
  }
  let revision: string | undefined;
  if (at >= 0) {
    try {
      revision = decodeURIComponent(repoPart.slice(at + 1));
    } catch {
      throw new InputError("io", text, "the revision is not valid percent-encoding");
    }
    if (revision === "" || /[\u0000-\u001f\s]/.test(revision)) throw new InputError("io", text, "empty or invalid revision after '@'");
  }
  const inside = segments.slice(2).filter((segment) => segment !== "" && segment !== ".");
  if (inside.includes("..")) throw new InputError("unsafe-path", text, "'..' is not allowed in a Hub address");
  return { repo: `${owner}/${name}`, ...(revision !== undefined ? { revision } : {}), path: inside.join("/") };
}

export function formatHubAddress(address: HubAddress): string {
  const revision = address.revision !== undefined ? `@${encodeURIComponent(address.revision)}` : "";
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
