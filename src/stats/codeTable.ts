/**
 * Exact statistics for values that take at most 2^16 levels (F16, BF16, the FP8 formats, 8/16-bit
 * affine quantisation): one pass counts how often each bit pattern ("code") occurs, and everything
 * else — max|w|, bins, zeros, NaN/Inf, distinct values, log-moments — is read off the table of
 * (level, count) pairs afterwards. Counting a pattern is one increment, so this is the fastest
 * path, and two tables of the same layer merge by addition.
 */
import { binIndex, binScale } from "./binning.js";
import type { LayerStatistics } from "./valueSummary.js";

/** Table for `bits`-wide codes. Float64 counts are exact to 2^53 and never overflow per layer. */
export function newCodeTable(bits: 8 | 16): Float64Array {
  return new Float64Array(1 << bits);
}

/** Hot loop: count 16-bit codes. */
export function countCodes16(codes: Uint16Array, table: Float64Array): void {
  for (let i = 0; i < codes.length; i++) table[codes[i]!]!++;
}

/** Hot loop: count 8-bit codes. */
export function countCodes8(codes: Uint8Array, table: Float64Array): void {
  for (let i = 0; i < codes.length; i++) table[codes[i]!]!++;
}

export function mergeCodeTables(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < into.length; i++) into[i]! += from[i]!;
}

/** Read the layer's statistics off a code table, given the value of each code. */
export function statisticsFromCodeTable(levels: Float64Array, table: Float64Array, bins: number): LayerStatistics {
  let finite = 0;
  let zeros = 0;
  let nan = 0;
  let infinite = 0;
  let maxAbs = 0;
  let logCount = 0;
  let logSum = 0;
  let logSumSq = 0;
  const magnitudes = new Set<number>();
  for (let code = 0; code < table.length; code++) {
    const count = table[code]!;
    if (count === 0) continue;
    const value = levels[code]!;
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
    magnitudes.add(a);
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
  const counts = new Float64Array(bins);
  if (maxAbs > 0) {
    const scale = binScale(bins, maxAbs);
    for (let code = 0; code < table.length; code++) {
      const count = table[code]!;
      if (count === 0) continue;
      const a = Math.abs(levels[code]!);
      if (!(a <= maxAbs)) continue;
      counts[binIndex(a, scale, bins)]! += count;
    }
  }
  return { finite, zeros, nan, infinite, maxAbs, distinct: magnitudes.size, distinctExact: true, logCount, logSum, logSumSq, counts };
}
