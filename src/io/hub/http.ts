/**
 * Every request to the Hub goes through `hubFetch`: it adds the token (only for the Hub's own
 * origin — undici drops the header on a cross-origin redirect to a CDN), and retries what is worth
 * retrying with exponential backoff and jitter: connection failures, 5xx, and 429, where a
 * `Retry-After` (seconds or an HTTP date) is honoured. Any other failure status becomes a
 * `HubHttpError` at once. The library (@huggingface/hub) is handed this function as its `fetch`, so
 * its calls get the same auth, retries and errors; it is never given the token itself.
 *
 * Errors become one-line `InputError`s through `hubInputError`, which names the hf:// address, never
 * a URL with secrets, and scrubs the token from anything a server said.
 *
 * Transport limits (a server can be slow, hostile or broken): every request has an overall deadline,
 * retries included — the answer within `timeoutMs` per attempt, and the whole exchange, body included,
 * within `requestBudgetMs` (timeoutMs plus the expected bytes at MIN_RATE_BYTES_PER_S, so a server
 * dripping a byte every half second is cut off instead of holding the run forever). Bodies are
 * counted as they arrive, after decompression: a reply to a Range request may not exceed the range,
 * any other reply (the API's JSON) not MAX_REPLY_BYTES — a 1 MB gzip reply inflating to 1 GB stops at
 * the cap. Breaking a limit is a HubLimitError, which is not retried.
 */
import { InputError } from "../../errors.js";
import { type HubSettings, endpointLabel, hubEndpoint, hubSettings, hubToken, redactSecrets } from "./config.js";

export class HubHttpError extends Error {
  override readonly name = "HubHttpError";
  constructor(
    readonly status: number,
    /** The Hub's `X-Error-Code` (EntryNotFound, RevisionNotFound, RepoNotFound, GatedRepo, …). */
    readonly errorCode: string | undefined,
    /** The Hub's `X-Error-Message`, redacted and cut to one short line. */
    readonly serverMessage: string | undefined,
    readonly attempts: number,
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status}${errorCode ? ` ${errorCode}` : ""}`);
  }
}

/** The network failed (refused, reset, timed out) on every attempt. */
export class HubNetworkError extends Error {
  override readonly name = "HubNetworkError";
  constructor(
    readonly reason: string,
    readonly attempts: number,
  ) {
    super(reason);
  }
}

/** A reply broke a transport limit (too large, or slower than its deadline allows). Not retried. */
export class HubLimitError extends Error {
  override readonly name = "HubLimitError";
}

/** Largest reply to a request without a Range (model info, folder listings, …), after decompression. */
export const MAX_REPLY_BYTES = 64 * 1024 * 1024;
/** The slowest transfer accepted over a whole request: 64 KiB/s. */
export const MIN_RATE_BYTES_PER_S = 64 * 1024;
/** Bytes assumed for the deadline of a reply whose size is not known in advance. */
const UNKNOWN_REPLY_BYTES = 4 * 1024 * 1024;

/** The overall time one request may take, body included: the answer timeout plus `bytes` at the minimum rate. */
export function requestBudgetMs(settings: Pick<HubSettings, "timeoutMs">, bytes: number): number {
  return settings.timeoutMs + (1000 * bytes) / MIN_RATE_BYTES_PER_S;
}

/** Bytes a `Range: bytes=a-b` header asks for, or undefined. */
function rangeLength(headers: Headers): number | undefined {
  const match = /^bytes=(\d+)-(\d+)$/.exec(headers.get("Range") ?? "");
  return match ? Number(match[2]) - Number(match[1]) + 1 : undefined;
}

/**
 * The response with its body counted and timed: more than `maxBytes` (after decompression), or
 * still flowing at `deadline`, errors the stream with a HubLimitError and cancels the transfer.
 */
function limitedResponse(response: Response, maxBytes: number, deadline: number, what: string): Response {
  const body = response.body;
  if (!body) return response;
  const reader = body.getReader();
  let seen = 0;
  let timer: NodeJS.Timeout | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setTimeout(
        () => {
          controller.error(new HubLimitError(`${what} was not complete after ${Math.round((deadline - startedAt) / 1000)} s (slower than ${MIN_RATE_BYTES_PER_S / 1024} KiB/s)`));
          void reader.cancel().catch(() => undefined);
        },
        Math.max(0, deadline - Date.now()),
      );
      timer.unref();
    },
    async pull(controller) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (error) {
        clearTimeout(timer);
        controller.error(error);
        return;
      }
      if (chunk.done) {
        clearTimeout(timer);
        controller.close();
        return;
      }
      seen += chunk.value.length;
      if (seen > maxBytes) {
        clearTimeout(timer);
        controller.error(new HubLimitError(`${what} is larger than ${maxBytes} bytes${response.headers.get("Content-Encoding") ? " once decompressed" : ""}: refused`));
        await reader.cancel().catch(() => undefined);
        return;
      }
      controller.enqueue(chunk.value);
    },
    async cancel(reason) {
      clearTimeout(timer);
      await reader.cancel(reason).catch(() => undefined);
    },
  });
  const startedAt = Date.now();
  const limited = new Response(stream, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(limited, "url", { value: response.url });
  Object.defineProperty(limited, "redirected", { value: response.redirected });
  return limited;
}

/** Counters for what went over the wire (reported with --verbose, asserted by tests). */
export const hubTraffic = { requests: 0, retries: 0, bytes: 0, cachedBytes: 0 };

export function resetHubTraffic(): void {
  Object.assign(hubTraffic, { requests: 0, retries: 0, bytes: 0, cachedBytes: 0 });
}

const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);
const MAX_BACKOFF_MS = 30_000;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Delay before attempt `attempt + 1`: base · 2^(attempt−1), ±25 % jitter, at most 30 s. */
export function backoffDelay(settings: HubSettings, attempt: number): number {
  const exponential = Math.min(MAX_BACKOFF_MS, settings.backoffMs * 2 ** (attempt - 1));
  return Math.round(exponential * (0.75 + Math.random() * 0.5));
}

/** `Retry-After: 5` or `Retry-After: <HTTP date>` → milliseconds, or undefined. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function describeFetchFailure(error: unknown): string {
  if (error instanceof Error && error.name === "AbortError") return "request aborted";
  if (error instanceof Error && error.name === "TimeoutError") return `no answer for ${Math.round(hubSettings().timeoutMs / 1000)} s`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const code = cause?.code ?? (error as { code?: string } | undefined)?.code;
  const known: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ECONNRESET: "connection reset",
    ENOTFOUND: "host not found",
    EAI_AGAIN: "host name lookup failed",
    ETIMEDOUT: "connection timed out",
    UND_ERR_SOCKET: "connection closed by the server",
    UND_ERR_CONNECT_TIMEOUT: "connection timed out",
    UND_ERR_HEADERS_TIMEOUT: "no response headers in time",
    UND_ERR_BODY_TIMEOUT: "the response stalled",
  };
  if (code && known[code]) return known[code];
  return redactSecrets((cause?.message ?? (error instanceof Error ? error.message : String(error))).split("\n")[0] ?? "network error");
}

function withAuthorization(url: string, init: RequestInit | undefined): RequestInit {
  const headers = new Headers(init?.headers);
  const token = hubToken();
  const sameOrigin = new URL(url).origin === new URL(hubEndpoint()).origin;
  if (token && sameOrigin) headers.set("Authorization", `Bearer ${token}`);
  else headers.delete("Authorization");
  headers.set("User-Agent", "jaynes (+@huggingface/hub)");
  return { ...init, headers };
}

function urlOf(input: string | URL | Request): string {
  return typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
}

/**
 * fetch with auth and retries. Resolves with an ok response (2xx, body unread); rejects with
 * HubHttpError or HubNetworkError, or the caller's abort reason. An attempt that has not answered
 * within the timeout is abandoned and retried. Without `init.signal` the timeout also bounds reading
 * the (small, JSON) body; callers that stream a large body pass their own signal and watch for
 * stalls themselves.
 */
export async function hubFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const settings = hubSettings();
  const url = urlOf(input);
  const request = withAuthorization(url, init);
  const caller = init?.signal ?? undefined;
  const ranged = rangeLength(new Headers(request.headers));
  const maxBytes = ranged ?? MAX_REPLY_BYTES;
  // The whole exchange, retries and body included, ends by this time.
  const deadline = Date.now() + settings.attempts * settings.timeoutMs + requestBudgetMs(settings, ranged ?? UNKNOWN_REPLY_BYTES);
  const what = ranged !== undefined ? `the answer to a ${ranged}-byte range request` : "the Hub's answer";
  for (let attempt = 1; ; attempt++) {
    hubTraffic.requests++;
    let response: Response;
    const controller = new AbortController();
    const forward = (): void => controller.abort(caller?.reason);
    caller?.addEventListener("abort", forward, { once: true });
    if (caller?.aborted) forward();
    const timer = setTimeout(() => controller.abort(new DOMException(`no answer for ${Math.round(settings.timeoutMs / 1000)} s`, "TimeoutError")), settings.timeoutMs);
    timer.unref();
    try {
      response = await fetch(url, { ...request, signal: controller.signal });
    } catch (error) {
      if (caller?.aborted) throw caller.reason ?? error;
      const reason = describeFetchFailure(error);
      if (attempt >= settings.attempts || Date.now() > deadline) throw new HubNetworkError(reason, attempt);
      await waitBeforeRetry(settings, attempt, reason, backoffDelay(settings, attempt));
      continue;
    } finally {
      // From here a caller with a signal watches the body for stalls: the timeout was for the answer.
      if (caller) clearTimeout(timer);
    }
    if (response.ok) return limitedResponse(response, maxBytes, Math.min(deadline, Date.now() + requestBudgetMs(settings, ranged ?? UNKNOWN_REPLY_BYTES)), what);
    const retryAfterMs = parseRetryAfter(response.headers.get("Retry-After"));
    const retryable = response.status === 429 || RETRYABLE_STATUS.has(response.status);
    await response.body?.cancel().catch(() => undefined);
    const tooLong = retryAfterMs !== undefined && retryAfterMs > settings.maxRetryAfterMs;
    if (!retryable || attempt >= settings.attempts || tooLong) {
      const message = response.headers.get("X-Error-Message");
      throw new HubHttpError(response.status, response.headers.get("X-Error-Code") ?? undefined, message ? redactSecrets(message).replace(/\s+/g, " ").slice(0, 200) : undefined, attempt, retryAfterMs);
    }
    const delay = response.status === 429 && retryAfterMs !== undefined ? retryAfterMs : backoffDelay(settings, attempt);
    if (Date.now() + delay > deadline) throw new HubHttpError(response.status, response.headers.get("X-Error-Code") ?? undefined, undefined, attempt, retryAfterMs);
    await waitBeforeRetry(settings, attempt, `HTTP ${response.status}${response.status === 429 ? " (rate limited)" : ""}`, delay);
  }
}

export async function waitBeforeRetry(settings: HubSettings, attempt: number, reason: string, delayMs: number): Promise<void> {
  hubTraffic.retries++;
  settings.onRetry?.({ reason, attempt, attempts: settings.attempts, delayMs });
  await sleep(delayMs);
}

/** A Hub failure as the one-line input error the CLI prints (exit code 2). */
export function hubInputError(address: string, error: unknown, revision?: string): InputError {
  if (error instanceof InputError) return error;
  // The library may wrap what our fetch threw (a body cut at a limit) in errors of its own.
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (cause instanceof HubLimitError) return new InputError("limit", address, cause.message);
  }
  const token = hubToken();
  if (error instanceof HubHttpError) {
    const said = error.serverMessage ? ` (the Hub says: ${error.serverMessage})` : "";
    switch (error.status) {
      case 401:
        return new InputError(
          "network",
          address,
          token
            ? `the Hub rejected the token (401): it is invalid or expired, or the repository does not exist${said}`
            : `authentication required (401): the repository is private or gated; set HF_TOKEN or pass --token-file${said}`,
        );
      case 403:
        return new InputError("network", address, `access denied (403): the token does not grant access to this repository; for a gated model, accept its conditions on the model page${said}`);
      case 404: {
        const which = revision ?? "main";
        if (error.errorCode === "EntryNotFound") return new InputError("io", address, `no such file or folder in revision ${JSON.stringify(which)} (404)`);
        if (error.errorCode === "RevisionNotFound") return new InputError("io", address, `revision ${JSON.stringify(which)} not found (404)`);
        if (error.errorCode === "RepoNotFound") return new InputError("io", address, `repository not found (404)${token ? "" : "; if it is private, set HF_TOKEN or pass --token-file"}`);
        return new InputError("io", address, `not found on ${endpointLabel()} (404)${said}`);
      }
      case 416:
        return new InputError("network", address, "the server refused the byte range (416)");
      case 429: {
        const wait = error.retryAfterMs !== undefined ? `; the Hub asks to wait ${Math.ceil(error.retryAfterMs / 1000)} s` : "";
        return new InputError("network", address, `rate limited by the Hub (429) after ${error.attempts} attempt${error.attempts === 1 ? "" : "s"}${wait}; try again later, or set HF_TOKEN for a higher limit`);
      }
      default:
        return new InputError("network", address, `the Hub answered HTTP ${error.status} after ${error.attempts} attempt${error.attempts === 1 ? "" : "s"}${said}`);
    }
  }
  if (error instanceof HubNetworkError) {
    return new InputError("network", address, `cannot reach ${endpointLabel()}: ${error.reason} (after ${error.attempts} attempt${error.attempts === 1 ? "" : "s"})`);
  }
  // Anything else (an unexpected answer the library could not parse): still one line, no secrets.
  const text = error instanceof Error ? error.message : String(error);
  return new InputError("network", address, `unexpected answer from ${endpointLabel()}: ${redactSecrets(text).split("\n")[0]!.slice(0, 200)}`);
}
