/**
 * `--shard i/n`: which models one of n machines processes. A model belongs to shard
 * 1 + (first 32 bits of SHA-256(model name)) mod n. Hashing the name (rather than dealing out the
 * sorted list round-robin) keeps every model on the same shard when models are added or removed,
 * so a machine that keeps its output folder between runs keeps hitting its cache. The price is that
 * shards are only about equal in size (and a small scan can leave a shard empty, which is fine).
 */
import { createHash } from "node:crypto";

/** One of N shards of a scan (`--shard I/N`). */
export interface Shard {
  /** 1-based, as in `--shard 1/4` … `--shard 4/4`. */
  index: number;
  count: number;
}

export const MAX_SHARDS = 100_000;

/** Parse "i/n" (1 ≤ i ≤ n); undefined when the text is not of that form. */
export function parseShard(text: string): Shard | undefined {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) return undefined;
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > MAX_SHARDS || index < 1 || index > count) return undefined;
  return { index, count };
}

/** The shard (1-based) a model belongs to among `count`. */
export function shardOf(model: string, count: number): number {
  return 1 + (createHash("sha256").update(model, "utf8").digest().readUInt32BE(0) % count);
}

/** A short stable fingerprint of a text (file names of per-model outputs). */
export function fingerprint(text: string, length = 10): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, length);
}
