/**
 * The Hub options every command that takes paths shares. A command adds them with
 * `addHubOptions(command)`; `hubSettingsFrom(options)` turns them into the run environment's Hub
 * settings (cli/environment.ts), which the use case applies.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { type HubSettings, hubTraffic, readTokenFile } from "../io/hub/index.js";
import { bytes } from "../report/numbers.js";
import { logLine } from "./terminal.js";

export interface HubCliOptions {
  tokenFile?: string;
  hubUrl?: string;
  /** A folder (`--cache DIR`), or false (`--no-cache`). */
  cache?: string | false;
  offline?: boolean;
}

export const HUB_HELP = `
Hugging Face Hub: any path may be hf://[models/]owner/repo[@revision][/path] (read by HTTP range
requests: only the headers and the selected tensors are downloaded). Files already in the Hugging
Face cache (HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub) are read from there, and
downloaded bytes are kept there for Python and later runs. Offline: --offline or HF_HUB_OFFLINE=1.
Token: --token-file, HF_TOKEN, else the file huggingface_hub uses; mirror: --hub-url or HF_ENDPOINT.`;

export function addHubOptions(command: Command): Command {
  return command
    .option("--token-file <file>", "read the Hugging Face token from FILE (default: HF_TOKEN, then $HF_HOME/token)")
    .option("--hub-url <url>", "Hub endpoint or mirror (default: HF_ENDPOINT or https://huggingface.co)")
    .option("--cache <dir>", "Hugging Face cache folder to read and fill (default: HF_HUB_CACHE, else $HF_HOME/hub)")
    .option("--no-cache", "read the Hugging Face cache but write nothing to it")
    .option("--offline", "make no network request: read hf:// models from the cache only (also HF_HUB_OFFLINE=1)");
}

/** The layout of jaynes ≤ 0.1's `--cache DIR` (byte ranges keyed by hash), no longer read. */
const OLD_CACHE_LAYOUT = "jaynes-hub-v1";

/** The Hub settings the options ask for (token, endpoint, cache), with retries and warnings logged on stderr. */
export function hubSettingsFrom(options: HubCliOptions): Partial<HubSettings> {
  if (typeof options.cache === "string" && existsSync(join(options.cache, OLD_CACHE_LAYOUT))) {
    logLine(`jaynes: warning: ${join(options.cache, OLD_CACHE_LAYOUT)} holds byte ranges in the cache layout of jaynes 0.1, which is no longer read (--cache is now a Hugging Face cache folder); delete it`);
  }
  return {
    ...(options.hubUrl !== undefined ? { endpoint: options.hubUrl } : {}),
    ...(options.tokenFile !== undefined ? { token: readTokenFile(options.tokenFile) } : {}),
    ...(typeof options.cache === "string" ? { cacheDir: options.cache } : {}),
    ...(options.cache === false ? { writeCache: false } : {}),
    ...(options.offline ? { offline: true } : {}),
    onRetry: (event) => logLine(`jaynes: Hub: ${event.reason}; retrying in ${(event.delayMs / 1000).toFixed(1)} s (attempt ${event.attempt + 1} of ${event.attempts})`),
    onWarning: (message) => logLine(`jaynes: warning: ${message}`),
  };
}

/** One line on what went over the wire, when anything did (for --verbose). */
export function logHubTraffic(): void {
  if (hubTraffic.requests === 0 && hubTraffic.cachedBytes === 0) return;
  const cached = hubTraffic.cachedBytes > 0 ? `, ${bytes(hubTraffic.cachedBytes)} from the cache` : "";
  const retries = hubTraffic.retries > 0 ? `, ${hubTraffic.retries} retr${hubTraffic.retries === 1 ? "y" : "ies"}` : "";
  logLine(`jaynes: Hub: downloaded ${bytes(hubTraffic.bytes)} in ${hubTraffic.requests} requests${cached}${retries}`);
}
