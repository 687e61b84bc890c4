/**
 * Shard series named by the convention Hugging Face and llama.cpp share:
 * `<prefix>-00001-of-00003.safetensors`, `<prefix>-00001-of-00003.gguf` (gguf-split). The files of
 * one series are one model; a series with members missing is an input error naming them — never
 * analysed as if it were the whole model.
 */
import { InputError } from "../errors.js";
import { baseNameOf, childOf, parentOf } from "../io/location.js";

export type ShardFormat = "safetensors" | "gguf";

export interface ShardName {
  /** The folder + the name before `-NNNNN-of-NNNNN`. */
  prefix: string;
  index: number;
  total: number;
  format: ShardFormat;
  /** Digits of the numbers as written (5 by convention). */
  width: number;
}

const SHARD = /^(.*)-(\d+)-of-(\d+)\.(safetensors|gguf)$/;

/** `model-00001-of-00003.safetensors` → { prefix: "model", index: 1, total: 3, format: "safetensors" }. */
export function shardName(path: string): ShardName | undefined {
  const match = SHARD.exec(baseNameOf(path));
  if (!match) return undefined;
  return { prefix: childOf(parentOf(path), match[1]!), index: Number(match[2]), total: Number(match[3]), format: match[4] as ShardFormat, width: match[2]!.length };
}

/** The file name of shard `index` of the series `name` belongs to. */
export function shardFileName(name: ShardName, index: number): string {
  const pad = (value: number): string => String(value).padStart(name.width, "0");
  return `${baseNameOf(name.prefix)}-${pad(index)}-of-${pad(name.total)}.${name.format}`;
}

/** One model to analyse: a display name and the file(s) it is opened from. */
export interface ModelInput {
  display: string;
  paths: string[];
}

/** Group the shard files of one series into one input; other files stay one input each. */
export function groupShards(paths: string[]): ModelInput[] {
  const inputs: ModelInput[] = [];
  const series = new Map<string, ModelInput>();
  for (const path of paths) {
    const shard = shardName(path);
    if (!shard) {
      inputs.push({ display: path, paths: [path] });
      continue;
    }
    const key = `${shard.prefix}\u0000${shard.total}\u0000${shard.format}`;
    let group = series.get(key);
    if (!group) {
      group = { display: `${shard.prefix}-*-of-${String(shard.total).padStart(5, "0")}.${shard.format}`, paths: [] };
      series.set(key, group);
      inputs.push(group);
    }
    group.paths.push(path);
  }
  for (const group of series.values()) group.paths.sort();
  return inputs;
}

/**
 * Throw unless `paths` (files of one series, as grouped) hold every shard from 1 to N exactly once.
 * The message names the missing files; `present` (file names in the folder) says when they exist
 * but were not given.
 */
export function checkSeriesComplete(paths: readonly string[], display: string, present?: ReadonlySet<string>): void {
  const first = paths[0] === undefined ? undefined : shardName(paths[0]);
  if (!first) return;
  const seen = new Set<number>();
  for (const path of paths) {
    const shard = shardName(path)!;
    if (shard.index < 1 || shard.index > shard.total) throw new InputError("model", path, `shard number ${shard.index} is outside 1…${shard.total}`);
    if (seen.has(shard.index)) throw new InputError("model", path, `shard ${shard.index} of ${shard.total} is given twice`);
    seen.add(shard.index);
  }
  if (seen.size === first.total) return;
  const missing: string[] = [];
  for (let index = 1; index <= first.total; index++) if (!seen.has(index)) missing.push(shardFileName(first, index));
  const shown = missing.length > 8 ? [...missing.slice(0, 8), `… (${missing.length - 8} more)`] : missing;
  const beside = present !== undefined && missing.every((name) => present.has(name)) ? "; they are in the folder: give the folder, the index or every shard" : "";
  throw new InputError("model", display, `incomplete shard series: ${seen.size} of ${first.total} shards, missing ${shown.join(", ")}${beside}`);
}
