/**
 * A file on the Hub as a `ByteSource`: every reader and the streaming layer work on it unchanged.
 * `readExact` becomes HTTP range requests whose bodies are streamed straight into the caller's
 * buffer (no intermediate copy of the whole range, no `arrayBuffer()`); a large read is split into
 * parts of `partBytes` fetched concurrently, at most `concurrency` requests in flight for the
 * process, so memory stays what the caller allocated. A connection that drops or stalls mid-body is
 * resumed from the first missing byte (each byte lands in its place exactly once), up to `attempts`
 * times without progress.
 *
 * The first 16 KiB of each file are fetched once and kept: format detection, the safetensors length
 * prefix and most headers are served from them. The source's name is the hf:// address, so messages
 * never show a URL or a token.
 *
 * Before any of that, the Hugging Face cache is asked (`openHubSource`): a file whose snapshot entry
 * or blob is there is read from disk — with no request at all offline, or after pinning the revision
 * online — and bytes downloaded are kept there (rangeStore.ts).
 */
import { stat } from "node:fs/promises";
import { InputError } from "../../errors.js";
import { type ByteSource, FileSource, type ReadIntent, registerSourceOpener } from "../byteSource.js";
import { DEFAULT_REVISION, formatHubAddress, isHubAddress, parseHubAddress } from "./address.js";
import { blobPath, cachedEntry, isSafeBlobName, linkSnapshot, normaliseEtag } from "./cacheLayout.js";
import { type HubSettings, hubCacheDir, hubOffline, hubSettings, onHubSettingsChange } from "./config.js";
import { HubLimitError, HubNetworkError, backoffDelay, describeFetchFailure, hubFetch, hubInputError, hubTraffic, requestBudgetMs, waitBeforeRetry } from "./http.js";
import { RangeStore, type RemoteFileIdentity } from "./rangeStore.js";
import { type HubFile, hubFile, offlineReason, pinRevision } from "./repo.js";

export const HEAD_BLOCK_BYTES = 16 * 1024;

/** Counting semaphore: at most `limit` range requests run at once across all sources. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  async run<T>(limit: number, task: () => Promise<T>): Promise<T> {
    while (this.active >= limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

const limiter = new Limiter();
let store: RangeStore | undefined;
const heads = new Map<string, Promise<Uint8Array>>();
const MAX_HEADS = 1024;

function rangeStore(settings: HubSettings): RangeStore {
  store ??= new RangeStore(settings.writeCache ? hubCacheDir() : undefined, settings.spillBudgetBytes, (message) => settings.onWarning?.(message));
  return store;
}

onHubSettingsChange(() => {
  store?.dispose();
  store = undefined;
  heads.clear();
});

function identityOf(file: HubFile): RemoteFileIdentity {
  return { repo: file.repo, path: file.path, ...(file.revision !== undefined ? { revision: file.revision } : {}), commit: file.commit, etag: file.etag, size: file.size };
}

/** A body read that must give up (it is not retried). */
class FatalRangeError extends Error {}

/**
 * Stream bytes [position, position + target.length) of a file into `target`, resuming after drops.
 * Rejects with an InputError naming the address.
 */
async function fetchRangeInto(file: HubFile, target: Uint8Array, position: number, group: AbortSignal): Promise<void> {
  const settings = hubSettings();
  let filled = 0;
  let failures = 0;
  // Resumes make progress, but a server that trickles bytes must not hold the run forever.
  const deadline = Date.now() + settings.attempts * settings.timeoutMs + requestBudgetMs(settings, target.length);
  while (filled < target.length) {
    const controller = new AbortController();
    const abortFromGroup = (): void => controller.abort(group.reason);
    group.addEventListener("abort", abortFromGroup, { once: true });
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const armTimer = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, settings.timeoutMs);
    };
    const before = filled;
    const start = position + filled;
    const end = position + target.length - 1;
    let answered = false;
    try {
      // hubFetch waits for the answer (with its own timeout and retries); the body is watched here.
      const response = await hubFetch(file.url, { headers: { Range: `bytes=${start}-${end}`, "Accept-Encoding": "identity" }, signal: controller.signal });
      answered = true;
      const body = response.body;
      if (!body) throw new FatalRangeError("the server sent no body");
      if (response.status === 200 && start !== 0) {
        await body.cancel().catch(() => undefined);
        throw new FatalRangeError("the server does not support byte ranges (answered 200 to a Range request)");
      }
      if (response.status === 206) {
        const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get("Content-Range") ?? "");
        if (!range || Number(range[1]) !== start || Number(range[2]) > end || (range[3] !== "*" && Number(range[3]) !== file.size)) {
          await body.cancel().catch(() => undefined);
          throw new FatalRangeError(`the server answered a different byte range (${response.headers.get("Content-Range") ?? "no Content-Range"}) than asked (${start}-${end}/${file.size}); did the file change?`);
        }
      }
      const reader = body.getReader();
      try {
        armTimer();
        while (filled < target.length) {
          const { done, value } = await reader.read();
          if (done) break;
          armTimer();
          hubTraffic.bytes += value.length;
          const take = Math.min(value.length, target.length - filled);
          target.set(take === value.length ? value : value.subarray(0, take), filled);
          filled += take;
        }
      } finally {
        if (filled >= target.length) await reader.cancel().catch(() => undefined);
        reader.releaseLock();
      }
      if (filled < target.length) throw new HubNetworkError("the response ended early", 1);
    } catch (error) {
      if (group.aborted) throw group.reason;
      if (error instanceof FatalRangeError) throw new InputError("network", file.address, error.message, undefined, start);
      if (error instanceof HubLimitError) throw new InputError("limit", file.address, error.message, undefined, start);
      // hubFetch already retried failures to connect, timeouts and error statuses; what is left to
      // retry here is a body that broke off or stalled.
      if (!answered) throw hubInputError(file.address, error, undefined);
      failures = filled > before ? 1 : failures + 1; // progress resets the count: only stuck ranges give up
      const cause = stalled ? `no data for ${Math.round(settings.timeoutMs / 1000)} s` : error instanceof HubNetworkError ? error.reason : describeFetchFailure(error);
      const reason = `${cause} after ${filled - before} of ${end - start + 1} bytes`;
      if (failures >= settings.attempts || Date.now() > deadline) {
        throw new InputError("network", file.address, `download failed at byte ${position + filled}: ${reason} (after ${failures} attempts without progress)`);
      }
      await waitBeforeRetry(settings, failures, `${reason}; resuming at byte ${position + filled}`, backoffDelay(settings, failures));
    } finally {
      clearTimeout(timer);
      group.removeEventListener("abort", abortFromGroup);
    }
  }
}

/** Download a read: split into parts fetched concurrently; the first failure cancels the others. */
async function download(file: HubFile, target: Uint8Array, position: number, settings: HubSettings): Promise<void> {
  const group = new AbortController();
  const parts: Promise<void>[] = [];
  for (let offset = 0; offset < target.length; offset += settings.partBytes) {
    const piece = target.subarray(offset, Math.min(target.length, offset + settings.partBytes));
    parts.push(
      limiter.run(settings.concurrency, async () => {
        if (group.signal.aborted) return;
        await fetchRangeInto(file, piece, position + offset, group.signal);
      }),
    );
  }
  const outcomes = await Promise.allSettled(parts.map((part) => part.catch((error: unknown) => (group.abort(error), Promise.reject(error)))));
  // Every part has stopped writing into `target` before the caller hears of a failure.
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  if (failed) throw failed.reason;
}

/** Bytes of a file, through the disk cache or spill when they were kept, else downloaded. */
async function readRange(file: HubFile, target: Uint8Array, position: number, intent: ReadIntent): Promise<void> {
  const settings = hubSettings();
  const kept = rangeStore(settings);
  const identity = identityOf(file);
  if (await kept.read(identity, position, target, intent)) {
    hubTraffic.cachedBytes += target.length;
    return;
  }
  await download(file, target, position, settings);
  await kept.write(identity, position, target, intent);
}

function headBlock(file: HubFile): Promise<Uint8Array> {
  const key = `${file.address}\u0000${file.commit}\u0000${file.etag}`;
  let head = heads.get(key);
  if (!head) {
    if (heads.size >= MAX_HEADS) heads.delete(heads.keys().next().value!);
    const block = new Uint8Array(Math.min(HEAD_BLOCK_BYTES, file.size));
    head = readRange(file, block, 0, "once").then(() => block);
    heads.set(key, head);
    head.catch(() => heads.delete(key));
  }
  return head;
}

export class HubFileSource implements ByteSource {
  readonly name: string;
  readonly size: number;

  /** A source over one file of a pinned revision (use `HubFileSource.open`). */
  constructor(private readonly file: HubFile) {
    this.name = file.address;
    this.size = file.size;
  }

  /** The file from the cache when it is there, else read over the network. */
  static open(address: string): Promise<ByteSource> {
    return openHubSource(address);
  }

  async readExact(target: Uint8Array, position: number, intent: ReadIntent = "once"): Promise<void> {
    if (position < 0 || position + target.length > this.size) {
      throw new InputError("truncated", this.name, `needs bytes ${position}..${position + target.length} but the file has ${this.size}`, undefined, position);
    }
    if (target.length === 0) return;
    if (position + target.length <= Math.min(HEAD_BLOCK_BYTES, this.size)) {
      target.set((await headBlock(this.file)).subarray(position, position + target.length));
      return;
    }
    await readRange(this.file, target, position, intent);
  }

  async close(): Promise<void> {
    // Nothing to release: connections belong to fetch's pool.
  }
}

/** A file of the Hugging Face cache read under its hf:// address (errors name the address, not the blob). */
class CachedHubSource implements ByteSource {
  private constructor(
    readonly name: string,
    readonly size: number,
    private readonly file: FileSource,
  ) {}

  static async open(address: string, local: string): Promise<CachedHubSource> {
    const file = await FileSource.open(local).catch((error: unknown) => Promise.reject(renamed(error, address)));
    return new CachedHubSource(address, file.size, file);
  }

  async readExact(target: Uint8Array, position: number): Promise<void> {
    try {
      await this.file.readExact(target, position);
    } catch (error) {
      throw renamed(error, this.name);
    }
    hubTraffic.cachedBytes += target.length;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

function renamed(error: unknown, address: string): unknown {
  return error instanceof InputError ? new InputError(error.code, address, error.detail, error.tensor, error.offset) : error;
}

/**
 * An hf:// file as a byte source: from the cache's snapshot entry, else from a complete blob of the
 * same content (then linked into the snapshot, as huggingface_hub does), else over the network.
 * Offline, only the first is possible and anything else is a one-line error.
 */
export async function openHubSource(text: string): Promise<ByteSource> {
  const address = parseHubAddress(text);
  const display = formatHubAddress(address);
  if (address.path === "") throw new InputError("io", display, "is a repository, not a file");
  const pinned = await pinRevision(address);
  const cached = await cachedEntry(address.repo, pinned.commit, address.path);
  if (cached?.kind === "file") return CachedHubSource.open(display, cached.local);
  if (pinned.local) {
    const revision = JSON.stringify(address.revision ?? DEFAULT_REVISION);
    throw new InputError("io", display, `${cached ? "is a folder" : `not in the cached snapshot ${pinned.commit.slice(0, 12)} of revision ${revision}`} (${offlineReason()})`);
  }
  const file = await hubFile(display);
  const settings = hubSettings();
  const blob = isSafeBlobName(normaliseEtag(file.etag)) ? blobPath(file.repo, file.etag) : undefined;
  const existing = blob !== undefined ? await stat(blob).catch(() => undefined) : undefined;
  if (blob !== undefined && existing?.isFile() && existing.size === file.size) {
    if (settings.writeCache) await linkSnapshot(file.repo, file.revision, file.commit, file.path, file.etag).catch(() => undefined);
    return CachedHubSource.open(display, blob);
  }
  return new HubFileSource(file);
}

/** Files downloaded in part are completed when at most this share of their bytes is missing. */
export const COMPLETE_MISSING_FRACTION = 0.1;

/**
 * At the end of a run: files of which at most 10 % is still missing (the tensors an analysis skips:
 * biases, integer buffers) are completed, so they become blobs in the cache that Python and the next
 * run read without a download. Files read in small part (`--include` of one layer) stay partial.
 * Failures only cost the completion (a warning), never the run's results.
 */
export async function completeHubDownloads(): Promise<void> {
  const settings = hubSettings();
  if (!store || !settings.writeCache || hubOffline()) return;
  for (const { identity, gaps } of await store.incomplete()) {
    const missing = gaps.reduce((sum, [start, end]) => sum + end - start, 0);
    if (missing > COMPLETE_MISSING_FRACTION * identity.size) continue;
    const address = formatHubAddress({ repo: identity.repo, ...(identity.revision !== undefined ? { revision: identity.revision } : {}), path: identity.path });
    try {
      const file = await hubFile(address);
      for (const [start, end] of gaps) {
        for (let at = start; at < end; at += settings.partBytes * settings.concurrency) {
          const piece = new Uint8Array(Math.min(settings.partBytes * settings.concurrency, end - at));
          await readRange(file, piece, at, "once");
        }
      }
    } catch (error) {
      settings.onWarning?.(`${address}: not kept whole in the cache (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`);
    }
  }
}

/** Fetch the file facts and first bytes of several files concurrently (a folder about to be scanned). */
export async function prefetchHeads(addresses: string[]): Promise<void> {
  // Own workers, not the limiter: the head downloads inside take the limiter's slots themselves.
  const queue = [...addresses];
  const worker = async (): Promise<void> => {
    for (let address = queue.shift(); address !== undefined; address = queue.shift()) {
      try {
        const source = await openHubSource(address);
        if (source instanceof HubFileSource) await source.readExact(new Uint8Array(1), 0);
        await source.close();
      } catch {
        // Reported when (and if) the file is actually opened.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(queue.length, hubSettings().concurrency) }, worker));
}

registerSourceOpener(isHubAddress, (name) => HubFileSource.open(name), { mainThreadOnly: true });
