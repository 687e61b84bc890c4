/**
 * Models on the Hugging Face Hub (or a mirror), read in place by HTTP range requests. Importing this
 * module registers the `hf://` source opener; `formats/open.ts` asks it whether an address is a
 * folder and what the folder holds, so `resolveInputs`/`openModel` — and every command built on them
 * — accept `hf://owner/repo[@revision][/path]` wherever they accept a path.
 */
import { formatHubAddress, parseHubAddress, withHubPath } from "./address.js";
import { hubFolderFiles, hubPathKind } from "./repo.js";

export { HUB_SCHEME, type HubAddress, formatHubAddress, isHubAddress, parseHubAddress } from "./address.js";
export { DEFAULT_ENDPOINT, type HubSettings, type RetryEvent, configureHub, hubCacheDir, hubOffline, hubSettings, readTokenFile, resetHubSettings } from "./config.js";
export { hubTraffic, resetHubTraffic } from "./http.js";
export { HubFileSource, completeHubDownloads, prefetchHeads } from "./source.js";

export async function hubIsFolder(address: string): Promise<boolean> {
  return (await hubPathKind(address)) === "directory";
}

const SAFETENSORS = /\.safetensors(\.index\.json)?$/i;
/** Other serialisations of the same weights that the Hub's libraries write beside safetensors. */
const ALTERNATIVE_WEIGHTS = /\.(bin|pt|pth|ckpt|h5|msgpack)(\.index\.json)?$/i;
/** Tokenizer files: never weights, and telling a JSON one from a shard index would download it whole. */
const TOKENIZER_FILES = /(^|\/)(tokenizer|tokenizer_config|vocab|merges|added_tokens|special_tokens_map)\.(json|txt)$|(^|\/)tokenizer\.model$/;

/**
 * The files of one folder of a Hub repository (or of a snapshot of it) worth opening: when the
 * folder holds safetensors weights, the pickled / TF / Flax copies of the same weights beside them
 * are left out — opening them would download the model a second time.
 */
export function preferSafetensors(paths: readonly string[]): string[] {
  const hasSafetensors = paths.some((path) => SAFETENSORS.test(path));
  return paths.filter((path) => !(hasSafetensors && ALTERNATIVE_WEIGHTS.test(path)));
}

/**
 * The files of a Hub folder worth opening as models, as addresses. Empty files and tokenizer files
 * cannot be models; other serialisations of safetensors weights are left out (`preferSafetensors`).
 * The caller fetches the first bytes of those it keeps at once (`prefetchHeads`).
 */
export async function hubListFolder(folder: string): Promise<string[]> {
  const address = parseHubAddress(folder);
  const entries = (await hubFolderFiles(folder)).filter((entry) => entry.size > 0 && !TOKENIZER_FILES.test(entry.path));
  const chosen = preferSafetensors(entries.map((entry) => entry.path));
  return chosen.map((path) => formatHubAddress(withHubPath(address, path)));
}
