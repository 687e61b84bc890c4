/**
 * A file behind an http(s) URL as a byte source: HTTP range requests (RFC 9110 §14), so only the
 * bytes the analysis needs are downloaded, as for a local file. The first 16 KiB come with the
 * request that learns the size (`Content-Range: bytes 0-16383/SIZE`) and are kept: headers are read
 * from them without a request per field. A file is opened several times in one analysis (format
 * detection, the reader, the accumulation), so its size and first bytes are remembered for a minute
 * (32 URLs at most). Connection failures and 5xx answers are retried 3 times (0.5, 1, 2 s); a
 * server that ignores `Range` (answers 200 to a large file) is an error, since the file would have
 * to be downloaded whole for every read.
 *
 * URLs are shown as given in outputs and messages, so they must carry no secret; credentials in the
 * URL (`https://user:pass@…`) are refused. An authenticated store is served by a ByteSource of the
 * caller's (`registerSourceOpener`). The Hugging Face Hub has its own source (io/hub/), with tokens,
 * revisions and a cache.
 */
import { InputError } from "../errors.js";

const HEAD_BYTES = 16 * 1024;
/** How long the size and first bytes of a URL are reused by later opens. */
const REMEMBER_MS = 60_000;
const remembered = new Map<string, { size: number; head: Uint8Array; until: number }>();
const ATTEMPTS = 4;
const TIMEOUT_MS = 60_000;

/** True for `http://…` and `https://…` names. */
export function isHttpUrl(name: string): boolean {
  return /^https?:\/\//i.test(name);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function failureText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause?.code) return cause.code;
  if ((error as { name?: string } | null)?.name === "TimeoutError") return `no answer within ${TIMEOUT_MS / 1000} s`;
  return error instanceof Error ? error.message : String(error);
}

/** GET with a Range header, retried on network failures and 5xx. */
async function rangeRequest(url: string, first: number, last: number): Promise<Response> {
  let lastFailure = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (attempt > 1) await sleep(250 * 2 ** (attempt - 1));
    try {
      const response = await fetch(url, { headers: { Range: `bytes=${first}-${last}` }, redirect: "follow", signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (response.status >= 500) {
        lastFailure = `HTTP ${response.status}`;
        await response.body?.cancel();
        continue;
      }
      return response;
    } catch (error) {
      lastFailure = failureText(error);
    }
  }
  throw new InputError("network", url, `${lastFailure} (after ${ATTEMPTS} attempts)`);
}

/** SIZE of `Content-Range: bytes a-b/SIZE` (or an unsatisfied range: `bytes` star `/SIZE`), or undefined. */
export function contentRangeSize(header: string | null): number | undefined {
  const match = /^bytes\s+(?:\d+-\d+|\*)\/(\d+)\s*$/i.exec(header ?? "");
  return match ? Number(match[1]) : undefined;
}

/** A ByteSource (io/byteSource.ts) over an http(s) URL; `openSource` opens one for every such name. */
export class UrlSource {
  private constructor(
    readonly name: string,
    readonly size: number,
    private readonly head: Uint8Array,
  ) {}

  /** Learn the size and read the first 16 KiB; an InputError naming the URL when that fails. */
  static async open(url: string): Promise<UrlSource> {
    const known = remembered.get(url);
    if (known && known.until > Date.now()) return new UrlSource(url, known.size, known.head);
    const source = await UrlSource.fetchHead(url);
    if (remembered.size >= 32) remembered.delete(remembered.keys().next().value!);
    remembered.set(url, { size: source.size, head: source.head, until: Date.now() + REMEMBER_MS });
    return source;
  }

  private static async fetchHead(url: string): Promise<UrlSource> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InputError("io", url, "not a valid URL");
    }
    if (parsed.username || parsed.password) throw new InputError("io", `${parsed.protocol}//${parsed.host}${parsed.pathname}`, "credentials in a URL are not accepted (they would appear in outputs); serve the file through a ByteSource of your own");
    const response = await rangeRequest(url, 0, HEAD_BYTES - 1);
    if (response.status === 416) {
      await response.body?.cancel();
      const size = contentRangeSize(response.headers.get("content-range"));
      if (size === 0) return new UrlSource(url, 0, new Uint8Array(0));
      throw new InputError("io", url, "HTTP 416 (range not satisfiable)");
    }
    if (response.status === 206) {
      const size = contentRangeSize(response.headers.get("content-range"));
      if (size === undefined) {
        await response.body?.cancel();
        throw new InputError("io", url, "the server's 206 answer has no usable Content-Range header");
      }
      return new UrlSource(url, size, new Uint8Array(await response.arrayBuffer()));
    }
    if (response.status === 200) {
      const length = Number(response.headers.get("content-length") ?? NaN);
      if (length <= HEAD_BYTES) {
        const bytes = new Uint8Array(await response.arrayBuffer());
        return new UrlSource(url, bytes.length, bytes);
      }
      await response.body?.cancel();
      throw new InputError("io", url, "the server does not answer byte-range requests (HTTP 200 to a Range request); download the file and analyse it locally");
    }
    await response.body?.cancel();
    throw new InputError(response.status === 404 ? "io" : "network", url, `HTTP ${response.status}${response.status === 404 ? " (not found)" : ""}`);
  }

  /** Fill `target` from `position`: from the kept first 16 KiB, else by one range request. */
  async readExact(target: Uint8Array, position: number): Promise<void> {
    const end = position + target.length;
    if (!(position >= 0) || end > this.size) {
      throw new InputError("truncated", this.name, `needs bytes ${position}..${end} but the file has ${this.size}`, undefined, position);
    }
    if (target.length === 0) return;
    if (end <= this.head.length) {
      target.set(this.head.subarray(position, end));
      return;
    }
    const response = await rangeRequest(this.name, position, end - 1);
    if (response.status !== 206) {
      await response.body?.cancel();
      throw new InputError("network", this.name, `HTTP ${response.status} to a range request`, undefined, position);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length !== target.length) throw new InputError("truncated", this.name, `the server sent ${bytes.length} of ${target.length} bytes`, undefined, position);
    target.set(bytes);
  }

  /** Nothing to release: every request is complete when its read returns. */
  async close(): Promise<void> {}
}
