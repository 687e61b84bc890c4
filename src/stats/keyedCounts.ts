/**
 * Exact statistics of a quantised layer from counts of keys (src/decode/quant/decoder.ts): each key
 * stands for one float32 value, so a sorted list of (key, value, count) for the keys that occur is
 * the layer's whole value distribution in a few thousand to a few million entries. Lists of disjoint
 * parts of a layer merge by key (a linear merge of sorted lists), and the statistics are read off the
 * final list the way a code table's are (codeTable.ts): max|w|, zeros, NaN/Inf, log-moments exactly;
 * distinct |w| values with the same capped set as the float path (distinctSet.ts), so both paths
 * report the same `distinct`.
 */
import { float32Bits } from "../decode/floatBits.js";
import { binEdges, binIndex } from "./binning.js";
import { DistinctSet } from "./distinctSet.js";
import type { LayerStatistics } from "./valueSummary.js";

export interface KeyedCounts {
  /** Ascending keys that occur. */
  keys: Uint32Array;
  /** The value each key stands for. */
  values: Float64Array;
  counts: Float64Array;
}

/**
 * The nonzero entries of a dense table whose index i is key keyStart + i. `segments` (ascending
 * starts, relative to the table) limits the scan to the parts of a large, sparse table that can be
 * occupied.
 */
export function keyedCountsFromTable(table: Uint32Array, keyStart: number, value: (key: number) => number, segments?: { starts: Uint32Array; length: number }): KeyedCounts {
  const spans: [number, number][] = segments ? Array.from(segments.starts, (start) => [start, Math.min(table.length, start + segments.length)]) : [[0, table.length]];
  let occupied = 0;
  for (const [from, to] of spans) for (let i = from; i < to; i++) if (table[i] !== 0) occupied++;
  const keys = new Uint32Array(occupied);
  const values = new Float64Array(occupied);
  const counts = new Float64Array(occupied);
  let n = 0;
  for (const [from, to] of spans) {
    for (let i = from; i < to; i++) {
      const count = table[i]!;
      if (count === 0) continue;
      keys[n] = keyStart + i;
      values[n] = value(keyStart + i);
      counts[n++] = count;
    }
  }
  return { keys, values, counts };
}

/** Merge two sorted lists: counts of equal keys add. Lists of disjoint key ranges are concatenated. */
export function mergeKeyedCounts(a: KeyedCounts, b: KeyedCounts): KeyedCounts {
  if (a.keys.length === 0) return b;
  if (b.keys.length === 0) return a;
  if (a.keys[a.keys.length - 1]! < b.keys[0]!) return concatenated(a, b);
  if (b.keys[b.keys.length - 1]! < a.keys[0]!) return concatenated(b, a);
  const size = a.keys.length + b.keys.length;
  const keys = new Uint32Array(size);
  const values = new Float64Array(size);
  const counts = new Float64Array(size);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.keys.length || j < b.keys.length) {
    const takeA = j >= b.keys.length || (i < a.keys.length && a.keys[i]! <= b.keys[j]!);
    const takeB = i >= a.keys.length || (j < b.keys.length && b.keys[j]! <= a.keys[i]!);
    keys[n] = takeA ? a.keys[i]! : b.keys[j]!;
    values[n] = takeA ? a.values[i]! : b.values[j]!;
    counts[n] = (takeA ? a.counts[i++]! : 0) + (takeB ? b.counts[j++]! : 0);
    n++;
  }
  return { keys: keys.subarray(0, n), values: values.subarray(0, n), counts: counts.subarray(0, n) };
}

function concatenated(first: KeyedCounts, second: KeyedCounts): KeyedCounts {
  const join = <T extends Uint32Array | Float64Array>(x: T, y: T, make: (n: number) => T): T => {
    const out = make(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  return {
    keys: join(first.keys, second.keys, (n) => new Uint32Array(n)),
    values: join(first.values, second.values, (n) => new Float64Array(n)),
    counts: join(first.counts, second.counts, (n) => new Float64Array(n)),
  };
}

/** The layer's statistics from (value, count) pairs (values need not be distinct or sorted). */
export function statisticsFromValueCounts(values: Float64Array, counts: Float64Array, bins: number, distinctCap: number): LayerStatistics {
  let finite = 0;
  let zeros = 0;
  let nan = 0;
  let infinite = 0;
  let maxAbs = 0;
  let logCount = 0;
  let logSum = 0;
  let logSumSq = 0;
  const distinct = new DistinctSet(distinctCap);
  for (let i = 0; i < values.length; i++) {
    const count = counts[i]!;
    const value = values[i]!;
    if (count === 0) continue;
    if (Number.isNaN(value)) {
      nan += count;
      continue;
    }
    if (!Number.isFinite(value)) {
      infinite += count;
      continue;
    }
    const a = Math.abs(value);
    finite += count;
    distinct.add(float32Bits(a));
    if (a > maxAbs) maxAbs = a;
    if (a === 0) {
      zeros += count;
      continue;
    }
    const log = Math.log(a);
    logCount += count;
    logSum += count * log;
    logSumSq += count * log * log;
  }
  const binCounts = new Float64Array(bins);
  if (maxAbs > 0) {
    const edges = binEdges(bins);
    for (let i = 0; i < values.length; i++) {
      const a = Math.abs(values[i]!);
      if (counts[i] === 0 || !(a <= maxAbs)) continue;
      binCounts[binIndex(a, maxAbs, edges)]! += counts[i]!;
    }
  }
  return { finite, zeros, nan, infinite, maxAbs, distinct: distinct.size, distinctExact: !distinct.saturated, logCount, logSum, logSumSq, counts: binCounts };
}
