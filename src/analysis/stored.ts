/**
 * Results as JSON holds them. JSON has no NaN or ±Infinity, so every output writes a non-finite
 * number as null (`nonFiniteAsNull`), and a result read back — a scan's cache record, a shard's part
 * file — holds null where the number was not finite. `Stored<T>` types that form honestly: a number
 * may be null, except the integer counts and sizes (`IntegerField`), which are always finite.
 *
 * A batch (`jaynes scan`, `jaynes merge`) keeps every result in this form from the start
 * (`storedForm`), so a fresh result, a cached one and one merged from shards render byte for byte
 * the same (a fresh NaN and a stored null would print differently in CSV). Renderers of such results
 * accept `Stored<…>`, which a fresh result also is.
 */

/** Fields that hold integer counts or sizes: always finite, so never null in the stored form. */
export type IntegerField = "bytes" | "tensors" | "bins" | "min_params" | "shape" | "params" | "zeros" | "nonfinite" | "distinct" | "iterations" | "layers" | "fitted" | "r2_above_null" | "mle_below_floor" | "replicates" | "seed" | "bootstrap" | "above_normalizer";

/** One field of `Stored<T>`: numbers as JSON holds them (null where not finite); integer fields stay numbers. */
export type StoredField<K, V> = K extends IntegerField ? (V extends number | readonly number[] ? V : Stored<V>) : Stored<V>;

/** A result as JSON holds it: every number that may be non-finite may be null. */
export type Stored<T> = T extends number
  ? number | null
  : T extends readonly (infer U)[]
    ? Stored<U>[]
    : T extends object
      ? { [K in keyof T]: StoredField<K, T[K]> }
      : T;

/** JSON.stringify replacer: non-finite numbers, which JSON cannot hold, become null. */
export function nonFiniteAsNull(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

/** `value` as it reads back from the JSON every output writes (non-finite numbers → null). */
export function storedForm<T>(value: T): Stored<T> {
  return JSON.parse(JSON.stringify(value, nonFiniteAsNull)) as Stored<T>;
}
