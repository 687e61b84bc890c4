/**
 * Which models a scan covers: every supported model below the given folders (recursive), grouped
 * so that a model made of several files (safetensors shards, TF.js model.json + .bin shards, ONNX +
 * external data) is one model — the readers' `companions()` decide, over the whole tree at once. A
 * folder is a tree of files, read in sorted order (folderListing.ts: training companions skipped, a
 * Hugging Face cache read through its snapshots); the result is sorted by model name, so every
 * machine finds the same models in the same order. A sub-folder that cannot be read, or a broken
 * link named like a model, is a failure of its own; the rest of the tree is still scanned.
 */
import picomatch from "picomatch";
import { type Failure, InputError } from "../../errors.js";
import { listFolder, walkTree } from "../../formats/folderListing.js";
import { compareNames, modelsAmong, type ModelInput } from "../../formats/open.js";
import type { SkippedEntry } from "../../formats/trainingFiles.js";
import { isFolder, isRemoteLocation, locationKey, relativeTo } from "../../io/location.js";

/** One model of a scan: its name (how it is displayed and keyed) and the file(s) it is opened from. */
export interface ScanTarget {
  model: string;
  paths: string[];
}

/** The models found below a scan's folders, and the inputs that failed. */
export interface Discovery {
  targets: ScanTarget[];
  /** Roots that cannot be read or hold no model at all. */
  failures: Failure[];
  /** Things worth a warning that are not failures (e.g. --glob matched nothing under a root). */
  notes: string[];
  /** Model files that --glob left out, as it saw them (paths relative to their root). */
  unselected: string[];
  /** Files and folders left out on purpose (training companions, configs, …), with the reason. */
  skipped: SkippedEntry[];
}

/** Options of `discoverModels`. */
export interface DiscoverOptions {
  /** Keep only models with a file whose path relative to its root matches one of these (picomatch). */
  glob?: readonly string[];
  /** Local directories never entered (the scan's own output folder). */
  skip?: readonly string[];
}

/** The models under `roots` (folders, single model files, or hf:// folders), sorted by name. */
export async function discoverModels(roots: readonly string[], options: DiscoverOptions = {}): Promise<Discovery> {
  const glob = options.glob && options.glob.length > 0 ? picomatch([...options.glob], { dot: true }) : undefined;
  const found = new Map<string, ScanTarget>();
  const failures: Failure[] = [];
  const notes: string[] = [];
  const unselected: string[] = [];
  const skipped: SkippedEntry[] = [];
  for (const root of roots) {
    let under: Under;
    try {
      under = await modelsUnder(root, options.skip ?? []);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      failures.push({ model: root, error: error.message, code: error.code });
      continue;
    }
    const { folder, models } = under;
    for (const entry of under.skipped) skipped.push(entry);
    for (const failure of under.failures) failures.push({ model: failure.path, error: failure.error.message, code: failure.error.code });
    if (models.length === 0 && under.failures.length === 0) {
      failures.push({ model: root, error: `${root}: directory holds no supported model file`, code: "unknown-format" });
      continue;
    }
    const kept = glob && folder ? models.filter((model) => model.paths.some((path) => glob(relativeTo(root, path)))) : models;
    if (kept.length === 0) notes.push(`no model under ${root} matches --glob ${options.glob!.join(" ")}`);
    for (const model of models) if (!kept.includes(model)) unselected.push(...model.paths.map((path) => relativeTo(root, path)));
    for (const model of kept) {
      const key = model.paths.map(locationKey).join("\u0000");
      if (!found.has(key)) found.set(key, { model: model.display, paths: model.paths });
    }
  }
  const targets = [...found.values()].sort((a, b) => compareNames(a.model, b.model));
  return { targets, failures: failures.sort((a, b) => compareNames(a.model, b.model)), notes, unselected, skipped };
}

interface Under {
  folder: boolean;
  models: ModelInput[];
  skipped: SkippedEntry[];
  failures: { path: string; error: InputError }[];
}

/**
 * The models under one root; a root that is a file is one model (the glob does not apply to it). A
 * local folder is walked recursively; a remote folder (a Hub repository) is listed one level deep,
 * like `jaynes fit hf://…`.
 */
async function modelsUnder(root: string, skip: readonly string[]): Promise<Under> {
  const single: Under = { folder: false, models: [{ display: root, paths: [root] }], skipped: [], failures: [] };
  if (!(await isFolder(root))) return single;
  if (isRemoteLocation(root)) {
    const listing = await listFolder(root);
    return { folder: true, models: await modelsAmong(listing.files, { keepSuspects: true }), skipped: listing.skipped, failures: [] };
  }
  const tree = await walkTree(root, skip);
  return { folder: true, models: await modelsAmong(tree.files, { keepSuspects: true }), skipped: tree.skipped, failures: tree.failures };
}
