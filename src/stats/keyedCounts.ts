/**
 * Exact statistics of a quantised layer from counts of keys (src/decode/quant/decoder.ts): each key
 * stands for one float32 value, so a sorted list of (key, value, count) for the keys that occur is
 * the layer's whole value distribution in a few thousand to a few million entries. Lists of disjoint
 * parts of a layer merge by key (a linear merge of sorted lists), and the statistics are read off the
 * final list the way a code table's are (codeTable.ts): max|w|, zeros, NaN/Inf, log-moments, the top
 * order statistics, every grid (layerHistograms.ts) and the exact (|w|, count) table, exactly;
 * distinct |w| values capped as the float path caps them (distinctSet.ts), so both paths report the
 * same `distinct`.
 */
import { float32Bits } from "../decode/floatBits.js";
import { type LayerNormaliser, type LayerStatistics, exactQuantile, gridsFromExact, layerGrids } from "./layerHistograms.js";
import { TOP_K } from "./topValues.js";

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

/**
 * The (|value|, count) table of (value, count) pairs: NaN/±Inf counted apart, ±v merged, ascending
 * |value|, empty entries dropped. Values that are all float32 (every key's value, every 16-bit
 * float level) are sorted natively as packed (pattern · 2²¹ + index) numbers — exact below 2⁵³ —,
 * others through an index sort.
 */
function magnitudeTable(values: Float64Array, counts: Float64Array): { values: Float64Array; counts: Float64Array; nan: number; infinite: number } {
  let nan = 0;
  let infinite = 0;
  const index: number[] = [];
  let float32 = true;
  for (let i = 0; i < values.length; i++) {
    const count = counts[i]!;
    const value = values[i]!;
    if (count === 0) continue;
    if (Number.isNaN(value)) nan += count;
    else if (!Number.isFinite(value)) infinite += count;
    else {
      index.push(i);
      if (float32 && Math.fround(value) !== value) float32 = false;
    }
  }
  let order: ArrayLike<number>;
  if (float32 && index.length <= PACK) {
    const packed = Float64Array.from(index, (i) => float32Bits(Math.abs(values[i]!)) * PACK + i).sort();
    order = Uint32Array.from(packed, (key) => key % PACK);
  } else {
    order = Uint32Array.from(index).sort((i, j) => Math.abs(values[i]!) - Math.abs(values[j]!));
  }
  const outValues = new Float64Array(order.length);
  const outCounts = new Float64Array(order.length);
  let n = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const a = Math.abs(values[i]!);
    if (n > 0 && outValues[n - 1] === a) outCounts[n - 1]! += counts[i]!;
    else {
      outValues[n] = a;
      outCounts[n++] = counts[i]!;
    }
  }
  return { values: outValues.subarray(0, n), counts: outCounts.subarray(0, n), nan, infinite };
}

/** Packing base of magnitudeTable: 2²¹ entries (a key list is at most 2²¹ keys). */
const PACK = 2 ** 21;

/**
 * The layer's statistics from (value, count) pairs (values need not be distinct or sorted), all
 * exact: the summary, the top order statistics, every grid at the normaliser (layerHistograms.ts)
 * and the exact (|w|, count) table. `distinct` counts distinct float32 patterns of |w| up to
 * `distinctCap` as the float path's capped set does (distinctSet.ts: cap + 1, not exact, beyond it).
 */
export function statisticsFromValueCounts(values: Float64Array, counts: Float64Array, bins: number, distinctCap: number, normaliser: LayerNormaliser = { kind: "max" }): LayerStatistics {
  const table = magnitudeTable(values, counts);
  let finite = 0;
  let zeros = 0;
  let logCount = 0;
  let logSum = 0;
  let logSumSq = 0;
  let distinct = 0;
  let lastPattern = -1;
  for (let i = 0; i < table.values.length; i++) {
    const a = table.values[i]!;
    const count = table.counts[i]!;
    finite += count;
    const pattern = float32Bits(a);
    if (pattern !== lastPattern) {
      distinct++;
      lastPattern = pattern;
    }
    if (a === 0) {
      zeros += count;
      continue;
    }
    const log = Math.log(a);
    logCount += count;
    logSum += count * log;
    logSumSq += count * log * log;
  }
  const top: number[] = [];
  for (let i = table.values.length - 1; i >= 0 && top.length < TOP_K; i--) for (let c = 0; c < table.counts[i]! && top.length < TOP_K; c++) top.push(table.values[i]!);
  const maxAbs = top[0] ?? 0;
  const scale = normaliser.kind === "quantile" && table.values.length > 0 ? exactQuantile(table.values, table.counts, normaliser.q) : maxAbs;
  const grids = gridsFromExact(table.values, table.counts, layerGrids(bins, scale, top, normaliser.kind === "max"));
  const saturated = distinct > distinctCap;
  return {
    finite,
    zeros,
    nan: table.nan,
    infinite: table.infinite,
    maxAbs,
    distinct: saturated ? distinctCap + 1 : distinct,
    distinctExact: !saturated,
    logCount,
    logSum,
    logSumSq,
    top,
    counts: grids[0]!.counts,
    grids,
    fine: { kind: "exact", values: table.values, counts: table.counts },
  };
}
