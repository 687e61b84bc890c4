/**
 * What the Hub knows about a repository, through @huggingface/hub (loaded on first use, so local
 * runs never pay for it): the commit a revision points to (`modelInfo`, expand=sha), whether a path
 * is a file or a folder (`pathsInfo`), a folder's files (`listFiles`), and a file's size, ETag and
 * download URL (`fileDownloadInfo`). A revision is pinned to its commit once per process, so every
 * later request of the run reads the same snapshot even if the branch moves meanwhile.
 *
 * Offline (`--offline`, HF_HUB_OFFLINE) the same questions are answered from the Hugging Face cache
 * alone (`refs/`, `snapshots/`), without a request; so is a revision whose commit could not be asked
 * because the Hub was unreachable, when the cache holds it (as huggingface_hub falls back).
 *
 * Answers are memoised per process (and dropped when the endpoint or token changes).
 */
import { InputError } from "../../errors.js";
import { DEFAULT_REVISION, type HubAddress, formatHubAddress, parseHubAddress, withHubPath } from "./address.js";
import { cachedCommit, cachedEntry, cachedFolderFiles } from "./cacheLayout.js";
import { hubCacheDir, hubEndpoint, hubOffline, hubSettings, onHubSettingsChange } from "./config.js";
import { HubNetworkError, hubFetch, hubInputError } from "./http.js";

type HubLibrary = typeof import("@huggingface/hub");

let library: Promise<HubLibrary> | undefined;
const loadLibrary = (): Promise<HubLibrary> => (library ??= import("@huggingface/hub"));

/** A file of a repository at a pinned commit. */
export interface HubFile {
  address: string;
  repo: string;
  path: string;
  /** As the user named it (undefined: the default branch). */
  revision?: string;
  commit: string;
  size: number;
  etag: string;
  url: string;
}

/** A revision pinned to a commit; `local`: answered from the cache, and the run makes no request for it. */
export interface PinnedRevision {
  commit: string;
  local: boolean;
}

const commits = new Map<string, Promise<PinnedRevision>>();
const files = new Map<string, Promise<HubFile>>();
const kinds = new Map<string, Promise<"file" | "directory">>();
const listings = new Map<string, Promise<{ path: string; size: number }[]>>();

export function forgetHubAnswers(): void {
  commits.clear();
  files.clear();
  kinds.clear();
  listings.clear();
}
onHubSettingsChange(forgetHubAnswers);

/** Memoise a promise; a failure is not kept, so a later call tries again. */
function memo<T>(map: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let value = map.get(key);
  if (!value) {
    value = make();
    map.set(key, value);
    value.catch(() => map.delete(key));
  }
  return value;
}

const fetchForLibrary = hubFetch as typeof fetch;

function common(address: HubAddress, commit: string): { repo: string; revision: string; hubUrl: string; fetch: typeof fetch } {
  return { repo: address.repo, revision: commit, hubUrl: hubEndpoint(), fetch: fetchForLibrary };
}

/** Why a Hub address cannot be served offline, as the end of a one-line message. */
export function offlineReason(): string {
  return `offline mode (--offline or HF_HUB_OFFLINE) and not in the Hugging Face cache ${hubCacheDir()}`;
}

/** The commit a revision points to (a commit hash is taken as it is), and whether it came from the cache. */
export function pinRevision(address: HubAddress): Promise<PinnedRevision> {
  const revision = address.revision ?? DEFAULT_REVISION;
  const display = formatHubAddress(withHubPath(address, ""));
  return memo(commits, `${address.repo}@${revision}`, async () => {
    if (hubOffline()) {
      const commit = await cachedCommit(address.repo, revision);
      if (commit === undefined) throw new InputError("io", display, `revision ${JSON.stringify(revision)}: ${offlineReason()}; run once online or download it with \`hf download ${address.repo}\``);
      return { commit, local: true };
    }
    if (/^[0-9a-f]{40}$/.test(revision)) return { commit: revision, local: false };
    const hub = await loadLibrary();
    try {
      const info = await hub.modelInfo({ name: address.repo, revision, additionalFields: ["sha"], hubUrl: hubEndpoint(), fetch: fetchForLibrary });
      // A mirror that does not report the commit: use the revision name as it is.
      return { commit: typeof info.sha === "string" && /^[0-9a-f]{40}$/.test(info.sha) ? info.sha : revision, local: false };
    } catch (error) {
      // The Hub cannot be reached: a revision the cache holds is read from there (huggingface_hub does the same).
      const cached = error instanceof HubNetworkError ? await cachedCommit(address.repo, revision) : undefined;
      if (cached === undefined) throw hubInputError(display, error, revision);
      hubSettings().onWarning?.(`${display}: ${hubInputError(display, error, revision).detail}; using the cached snapshot ${cached.slice(0, 12)}`);
      return { commit: cached, local: true };
    }
  });
}

/** The commit a revision points to (a commit hash is taken as it is). */
export async function resolveCommit(address: HubAddress): Promise<string> {
  return (await pinRevision(address)).commit;
}

/** Size, ETag and URL of one file. */
export function hubFile(text: string): Promise<HubFile> {
  const address = parseHubAddress(text);
  const display = formatHubAddress(address);
  return memo(files, display, async () => {
    if (address.path === "") throw new InputError("io", display, "is a repository, not a file");
    const commit = await resolveCommit(address);
    const hub = await loadLibrary();
    let info: Awaited<ReturnType<HubLibrary["fileDownloadInfo"]>>;
    try {
      info = await hub.fileDownloadInfo({ ...common(address, commit), path: address.path });
    } catch (error) {
      throw hubInputError(display, error, address.revision);
    }
    if (!info) throw new InputError("io", display, `no such file in revision ${JSON.stringify(address.revision ?? DEFAULT_REVISION)} (404)`);
    if (!Number.isSafeInteger(info.size) || info.size < 0) throw new InputError("network", display, "the Hub reported no valid file size");
    return { address: display, repo: address.repo, path: address.path, ...(address.revision !== undefined ? { revision: address.revision } : {}), commit, size: info.size, etag: info.etag, url: info.url };
  });
}

/** Whether an address names a folder (the repository root is one) or a file. */
export function hubPathKind(text: string): Promise<"file" | "directory"> {
  const address = parseHubAddress(text);
  const display = formatHubAddress(address);
  return memo(kinds, display, async () => {
    const pinned = await pinRevision(address); // the repository and revision exist and are readable
    if (address.path === "") return "directory";
    if (pinned.local) {
      const entry = await cachedEntry(address.repo, pinned.commit, address.path);
      if (!entry) throw new InputError("io", display, `no such file or folder in the cached snapshot ${pinned.commit.slice(0, 12)} of revision ${JSON.stringify(address.revision ?? DEFAULT_REVISION)} (${offlineReason()})`);
      return entry.kind;
    }
    const commit = pinned.commit;
    const hub = await loadLibrary();
    let entries: Awaited<ReturnType<HubLibrary["pathsInfo"]>>;
    try {
      entries = await hub.pathsInfo({ ...common(address, commit), paths: [address.path] });
    } catch (error) {
      throw hubInputError(display, error, address.revision);
    }
    const entry = entries.find((candidate) => candidate.path === address.path);
    if (!entry) throw new InputError("io", display, `no such file or folder in revision ${JSON.stringify(address.revision ?? DEFAULT_REVISION)}`);
    return entry.type === "directory" ? "directory" : "file";
  });
}

/** The files directly in a folder (not recursive), with their sizes. */
export function hubFolderFiles(text: string): Promise<{ path: string; size: number }[]> {
  const address = parseHubAddress(text);
  const display = formatHubAddress(address);
  return memo(listings, display, async () => {
    const pinned = await pinRevision(address);
    if (pinned.local) {
      try {
        return await cachedFolderFiles(address.repo, pinned.commit, address.path);
      } catch {
        throw new InputError("io", display, `no such folder in the cached snapshot ${pinned.commit.slice(0, 12)} (${offlineReason()})`);
      }
    }
    const commit = pinned.commit;
    const hub = await loadLibrary();
    const found: { path: string; size: number }[] = [];
    try {
      for await (const entry of hub.listFiles({ ...common(address, commit), ...(address.path ? { path: address.path } : {}) })) {
        if (entry.type === "file") found.push({ path: entry.path, size: entry.lfs?.size ?? entry.size });
      }
    } catch (error) {
      throw hubInputError(display, error, address.revision);
    }
    return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  });
}
