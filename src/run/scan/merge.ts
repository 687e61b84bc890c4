/**
 * `jaynes merge part*.json`: the shards of one scan back into one. The parts must come from the
 * same scan — roots, --glob, settings and shard count — written by this version of jaynes (the
 * numbers and the file formats are the version's), and together hold every
 * shard exactly once; anything else is an input error naming the part, since a summary silently
 * missing a shard would pass a CI gate it should not. (So a bad part fails the whole merge: the batch
 * policy's "the other inputs are still analysed" does not apply to parts of one scan.) The models'
 * failures recorded in the parts are kept and reported as the scan's.
 */
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { MODELS_FOLDER } from "../../analysis/scan/outputs.js";
import { type ScanPart, type ScanResults, sortScan } from "../../analysis/scan/summary.js";
import { type Failure, InputError } from "../../errors.js";
import { describeIoError } from "../../io/byteSource.js";
import { VERSION } from "../../version.js";
import { writeModelTables, writingTo } from "./modelTables.js";

/** Parts are our own output; this bounds what a wrong file can make us read into memory. */
export const MAX_PART_BYTES = 2 * 1024 * 1024 * 1024 - 1;

/** The parts of a sharded scan, checked and merged. */
export interface MergedScan extends ScanResults {
  shards: number;
}

/** Read and check one part file (`part-000I-of-000N.json`). */
export async function readPart(path: string): Promise<ScanPart> {
  let text: string;
  try {
    if ((await stat(path)).size > MAX_PART_BYTES) throw new InputError("limit", path, "larger than any scan part");
    text = await readFile(path, "utf8");
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError("io", path, describeIoError(error));
  }
  let part: Partial<ScanPart>;
  try {
    part = JSON.parse(text) as Partial<ScanPart>;
  } catch (error) {
    throw new InputError("header-json", path, `not JSON (${(error as Error).message})`);
  }
  const shard = part?.shard;
  const wellFormed =
    part !== null &&
    typeof part === "object" &&
    part.tool === "jaynes" &&
    part.kind === "scan-part" &&
    typeof part.version === "string" &&
    shard !== undefined &&
    Number.isSafeInteger(shard.index) &&
    Number.isSafeInteger(shard.count) &&
    shard.index >= 1 &&
    shard.index <= shard.count &&
    Array.isArray(part.models) &&
    Array.isArray(part.failures) &&
    Array.isArray(part.scan?.roots) &&
    Array.isArray(part.scan?.glob) &&
    typeof part.settings === "object" &&
    part.settings !== null &&
    part.models.every((model) => typeof model?.model === "string" && Array.isArray(model.layers) && Array.isArray(model.skipped) && typeof model.summary === "object");
  if (!wellFormed) throw new InputError("malformed", path, "not a jaynes scan part (written by `jaynes scan --shard i/n`)");
  return part as ScanPart;
}

/** Read and check the parts, and combine them (order of the arguments does not matter). */
export async function mergeParts(paths: readonly string[]): Promise<MergedScan> {
  if (paths.length === 0) throw new RangeError("no parts given");
  const parts: { path: string; part: ScanPart }[] = [];
  for (const path of paths) parts.push({ path, part: await readPart(path) });
  const first = parts[0]!;
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  const seen = new Map<number, string>();
  for (const { path, part } of parts) {
    if (part.version !== VERSION) throw new InputError("model", path, `written by jaynes ${part.version}; merge it with that version (this is ${VERSION})`);
    const differs = part.shard.count !== first.part.shard.count ? `${part.shard.count} shards ≠ ${first.part.shard.count}` : !same(part.scan, first.part.scan) ? "scanned other folders or --glob" : !same(part.settings, first.part.settings) ? "other analysis settings" : undefined;
    if (differs) throw new InputError("model", path, `not from the same scan as ${first.path}: ${differs}`);
    const earlier = seen.get(part.shard.index);
    if (earlier !== undefined) throw new InputError("model", path, `shard ${part.shard.index}/${part.shard.count} was already given as ${earlier}`);
    seen.set(part.shard.index, path);
  }
  const count = first.part.shard.count;
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !seen.has(index));
  if (missing.length > 0) throw new InputError("model", first.path, `shard${missing.length > 1 ? "s" : ""} ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""} of ${count} missing`);

  // Every shard reports the roots that could not be read; keep one of each.
  const failures = new Map<string, Failure>();
  for (const { part } of parts) for (const failure of part.failures) failures.set(`${failure.model}\u0000${failure.error}`, failure);
  return {
    scope: first.part.scan,
    settings: first.part.settings,
    ...sortScan(parts.flatMap(({ part }) => part.models), [...failures.values()]),
    shards: count,
  };
}

/** Write every merged model's layer tables into `outDir` (as the unsharded scan does). */
export async function writeMergedTables(merged: MergedScan, outDir: string): Promise<void> {
  await writingTo(outDir, mkdir(join(outDir, MODELS_FOLDER), { recursive: true }));
  for (const result of merged.results) await writingTo(outDir, writeModelTables(outDir, result, false));
}
