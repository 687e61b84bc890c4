/**
 * The Hub options every command that takes paths shares. A command adds them with
 * `addHubOptions(command)`; `hubSettingsFrom(options)` turns them into the run environment's Hub
 * settings (cli/environment.ts), which the use case applies.
 */
import type { Command } from "commander";
import { type HubSettings, hubTraffic, readTokenFile } from "../io/hub/index.js";
import { bytes } from "../report/numbers.js";
import { logLine } from "./terminal.js";

export interface HubCliOptions {
  tokenFile?: string;
  hubUrl?: string;
  cache?: string;
}

export const HUB_HELP = `
Hugging Face Hub: any path may be hf://owner/repo[@revision][/path] (read by HTTP range requests;
only the headers and the selected tensors are downloaded). Token: HF_TOKEN or --token-file;
mirror: --hub-url or HF_ENDPOINT.`;

export function addHubOptions(command: Command): Command {
  return command
    .option("--token-file <file>", "read the Hugging Face token from FILE (default: HF_TOKEN)")
    .option("--hub-url <url>", "Hub endpoint or mirror (default: HF_ENDPOINT or https://huggingface.co)")
    .option("--cache <dir>", "keep bytes downloaded from the Hub in DIR for later runs");
}

/** The Hub settings the options ask for (token, endpoint, cache), with retries and warnings logged on stderr. */
export function hubSettingsFrom(options: HubCliOptions): Partial<HubSettings> {
  return {
    ...(options.hubUrl !== undefined ? { endpoint: options.hubUrl } : {}),
    ...(options.tokenFile !== undefined ? { token: readTokenFile(options.tokenFile) } : {}),
    ...(options.cache !== undefined ? { cacheDir: options.cache } : {}),
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
