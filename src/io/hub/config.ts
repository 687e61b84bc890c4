/**
 * Hub settings for the whole process. Byte sources are opened by name (`openSource("hf://…")`), so
 * the endpoint, token and cache cannot travel with each call: they are set once (`configureHub`, the
 * CLI does it from its options) and default to the environment exactly as huggingface_hub reads it
 * (`constants.py`, `utils/_auth.py`):
 * - endpoint `HF_ENDPOINT`;
 * - token `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`, else the file `HF_TOKEN_PATH`, else
 *   `$HF_HOME/token`, where `HF_HOME` defaults to `$XDG_CACHE_HOME/huggingface`, else
 *   `~/.cache/huggingface` (where `hf auth login` stores it);
 * - cache `HF_HUB_CACHE`, else `HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`;
 * - offline `HF_HUB_OFFLINE` (or `TRANSFORMERS_OFFLINE`) set to 1, ON, YES or TRUE.
 *
 * The token is a secret: it is only ever put into an Authorization header. Nothing here formats it,
 * and `redactSecrets` scrubs it from any text that came from elsewhere (server messages).
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { InputError, UsageError } from "../../errors.js";
import { describeIoError } from "../byteSource.js";

export const DEFAULT_ENDPOINT = "https://huggingface.co";

/** A request to the Hub that is retried. */
export interface RetryEvent {
  /** What failed, in words ("HTTP 429", "connection dropped after 1.2 MB", …). */
  reason: string;
  attempt: number;
  attempts: number;
  delayMs: number;
}

/** How jaynes talks to the Hugging Face Hub (`configureHub`). */
export interface HubSettings {
  /** Base URL of the Hub or a mirror; unset: `HF_ENDPOINT`, else the Hub (see `hubEndpoint`). */
  endpoint?: string;
  /** Unset: from the environment, read when a request first needs it (see `hubToken`). */
  token?: string;
  /**
   * The Hugging Face cache (the `hub/` folder holding `models--owner--repo/`); unset: from the
   * environment (see `hubCacheDir`). `--cache DIR`.
   */
  cacheDir?: string;
  /** Keep downloaded bytes in the cache (default). False (`--no-cache`): the cache is read, never written. */
  writeCache: boolean;
  /** Make no request at all: read from the cache only. Unset: `HF_HUB_OFFLINE` (see `hubOffline`). */
  offline?: boolean;
  /** Give up on a request that sends nothing for this long (then retry). */
  timeoutMs: number;
  /** Attempts per request, the first included. */
  attempts: number;
  /** First backoff delay; doubled per attempt (with jitter), at most 30 s. */
  backoffMs: number;
  /** A 429 asking to wait longer than this fails at once instead of sleeping. */
  maxRetryAfterMs: number;
  /** Range requests in flight at once. */
  concurrency: number;
  /** Large reads are split into requests of this size, run concurrently. */
  partBytes: number;
  /** Disk budget for bytes a second pass will read again (F32/F64 tensors over one chunk). */
  spillBudgetBytes: number;
  /** Told of every retried request. */
  onRetry?: (event: RetryEvent) => void;
  /** Told of warnings (one line each). */
  onWarning?: (message: string) => void;
}

const BASE: HubSettings = {
  writeCache: true,
  timeoutMs: 60_000,
  attempts: 6,
  backoffMs: 500,
  maxRetryAfterMs: 60_000,
  concurrency: 4,
  partBytes: 2 * 1024 * 1024,
  spillBudgetBytes: 4 * 1024 ** 3,
};

let current: HubSettings = { ...BASE };
/** What the environment gave, read on first use: a local-only run never looks at it. */
let environment: { endpoint?: string; token?: string | undefined; cacheDir?: string; offline?: boolean } = {};
const listeners: (() => void)[] = [];

/** Set (part of) the Hub settings; unspecified fields keep their value or the environment default. */
export function configureHub(settings: Partial<HubSettings>): HubSettings {
  const merged: HubSettings = { ...current, ...stripUndefined(settings) };
  if (merged.endpoint !== undefined) merged.endpoint = normaliseEndpoint(merged.endpoint);
  if (merged.token !== undefined) merged.token = checkToken(merged.token, "the token");
  current = merged;
  for (const listener of listeners) listener();
  return merged;
}

/** The Hub settings in effect. */
export function hubSettings(): HubSettings {
  return current;
}

/** The endpoint in force: configured, else `HF_ENDPOINT`, else https://huggingface.co. */
export function hubEndpoint(): string {
  if (current.endpoint !== undefined) return current.endpoint;
  environment.endpoint ??= normaliseEndpoint(process.env.HF_ENDPOINT || DEFAULT_ENDPOINT);
  return environment.endpoint;
}

/** The token in force: configured, else from the environment (see the module comment for the order). */
export function hubToken(): string | undefined {
  if (current.token !== undefined) return current.token;
  if (!("token" in environment)) environment.token = tokenFromEnvironment(process.env);
  return environment.token;
}

/** The Hugging Face cache folder in force: `--cache`/`configureHub`, else as huggingface_hub finds it. */
export function hubCacheDir(): string {
  if (current.cacheDir !== undefined) return resolve(current.cacheDir);
  environment.cacheDir ??= cacheDirFromEnvironment(process.env);
  return environment.cacheDir;
}

/** True when no request may be made: `--offline`/`configureHub`, else HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE. */
export function hubOffline(): boolean {
  if (current.offline !== undefined) return current.offline;
  environment.offline ??= isTrue(process.env.HF_HUB_OFFLINE) || isTrue(process.env.TRANSFORMERS_OFFLINE);
  return environment.offline;
}

/** huggingface_hub's truthy environment values. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ["1", "ON", "YES", "TRUE"].includes(value.toUpperCase());
}

/** `~` and `$VAR`/`${VAR}` expanded, as Python's `expanduser(expandvars(…))` (unknown variables stay). */
function expandPath(path: string, env: NodeJS.ProcessEnv): string {
  const expanded = path.replace(/\$(\w+)|\$\{(\w+)\}/g, (whole, plain: string | undefined, braced: string | undefined) => env[(plain ?? braced)!] ?? whole);
  return expanded === "~" || expanded.startsWith("~/") ? join(homedir(), expanded.slice(1)) : expanded;
}

/** `HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`. */
export function hfHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(expandPath(env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "huggingface"), env));
}

export function cacheDirFromEnvironment(env: NodeJS.ProcessEnv): string {
  const configured = env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE;
  return configured ? resolve(expandPath(configured, env)) : join(hfHome(env), "hub");
}

/** Back to the environment defaults (and drop what was learnt about repositories): for tests. */
export function resetHubSettings(): void {
  current = { ...BASE };
  environment = {};
  for (const listener of listeners) listener();
}

/** Called whenever settings change, so memoised answers from another endpoint or token are dropped. */
export function onHubSettingsChange(listener: () => void): void {
  listeners.push(listener);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

/** `--hub-url` / `HF_ENDPOINT`: http(s), no credentials in the URL (they would leak into messages). */
export function normaliseEndpoint(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`Hub endpoint ${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`Hub endpoint must be http:// or https:// (got ${url.protocol})`);
  if (url.username || url.password) throw new UsageError("Hub endpoint must not contain credentials; pass the token with HF_TOKEN or --token-file");
  if (url.search || url.hash) throw new UsageError("Hub endpoint must not have a query or fragment");
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** The endpoint as it may appear in messages. */
export function endpointLabel(): string {
  return hubEndpoint();
}

function checkToken(token: string, source: string): string {
  const trimmed = token.trim();
  // A token goes into a header: control characters or inner spaces would corrupt the request.
  if (trimmed === "" || /[\s\u0000-\u001f\u007f]/.test(trimmed)) throw new UsageError(`${source} is empty or not a single word`);
  return trimmed;
}

/** Read a token file (`--token-file`): its first non-empty line. Errors name the file, never the content. */
export function readTokenFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError("io", path, `cannot read the token file: ${describeIoError(error)}`);
  }
  const line = text.split(/\r?\n/).find((candidate) => candidate.trim() !== "");
  if (line === undefined) throw new InputError("io", path, "the token file is empty");
  return checkToken(line, `the token file ${path}`);
}

/** The token as huggingface_hub's `get_token` finds it (without Colab secrets), or undefined. */
export function tokenFromEnvironment(env: NodeJS.ProcessEnv): string | undefined {
  if (env.HF_TOKEN) return checkToken(env.HF_TOKEN, "HF_TOKEN");
  if (env.HUGGING_FACE_HUB_TOKEN) return checkToken(env.HUGGING_FACE_HUB_TOKEN, "HUGGING_FACE_HUB_TOKEN");
  const path = env.HF_TOKEN_PATH ? expandPath(env.HF_TOKEN_PATH, env) : join(hfHome(env), "token");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined; // no stored login: anonymous access
  }
  const line = text.split(/\r?\n/).find((candidate) => candidate.trim() !== "");
  return line === undefined ? undefined : checkToken(line, path);
}

/** Replace the token wherever it occurs (text that came from a server or a library). */
export function redactSecrets(text: string): string {
  const token = current.token ?? environment.token;
  return token ? text.split(token).join("***") : text;
}
