/** Accumulators are exact and mergeable: the histogram of a union is the sum of the histograms. */
import { describe, expect, it } from "vitest";
import { FloatScan, countCodes16, mergeCodeTables, mergeCounts, newCodeTable, statisticsFromCodeTable } from "../src/pipeline.js";
import { binValues } from "../src/stats/binning.js";
import { foldCounts } from "../src/stats/codeTable.js";
import { DEFAULT_DISTINCT_CAP as DISTINCT_CAP, DistinctSet } from "../src/stats/distinctSet.js";
import { bfloat16FromBits, decodeTable, float32Bits } from "../src/decode/floatBits.js";
import { gaussian, mulberry32 } from "./helpers/random.js";

function normalFloat32(n: number, seed: number, scale = 0.05): Float32Array {
  const normal = gaussian(mulberry32(seed));
  return Float32Array.from({ length: n }, () => scale * normal());
}

const bits = (values: Float32Array): Uint32Array => new Uint32Array(values.buffer, values.byteOffset, values.length);

/** Naive reference: every statistic computed directly in float64. */
function naive(values: Float32Array, bins: number) {
  let max = 0;
  let zeros = 0;
  let nonfinite = 0;
  let logSum = 0;
  let logSumSq = 0;
  let logCount = 0;
  const distinct = new Set<number>();
  for (const v of values) {
    if (!Number.isFinite(v)) {
      nonfinite++;
      continue;
    }
    const a = Math.abs(v);
    distinct.add(a);
    max = Math.max(max, a);
    if (a === 0) zeros++;
    else {
      logSum += Math.log(a);
      logSumSq += Math.log(a) ** 2;
      logCount++;
    }
  }
  const counts = new Float64Array(bins);
  for (const v of values) {
    const a = Math.abs(v);
    if (Number.isFinite(a)) counts[Math.min(bins - 1, Math.floor((a * bins) / max))]!++;
  }
  return { max, zeros, nonfinite, counts, distinct: distinct.size, logMean: logSum / logCount, logVar: logSumSq / logCount - (logSum / logCount) ** 2 };
}

describe("FloatScan + binning (F32 path)", () => {
  const values = normalFloat32(200_000, 1);
  values[5] = 0;
  values[6] = -0;
  values[7] = NaN;
  values[8] = -Infinity;

  it("matches a naive float64 computation", () => {
    const scan = new FloatScan();
    scan.addFloat32Bits(bits(values));
    const summary = scan.summary();
    const counts = new Float64Array(100);
    binValues(values, counts, summary.maxAbs);
    const reference = naive(values, 100);
    expect(summary.maxAbs).toBe(reference.max);
    expect(summary.zeros).toBe(2);
    expect(summary.nan + summary.infinite).toBe(2);
    // Distinct values are exact up to the cap (65,536 by default), a lower bound beyond.
    expect(reference.distinct).toBeGreaterThan(DISTINCT_CAP);
    expect(summary.distinctExact).toBe(false);
    expect(summary.distinct).toBeGreaterThan(DISTINCT_CAP);
    const small = new FloatScan();
    small.addFloat32Bits(bits(values.subarray(0, 20_000)));
    expect(small.summary().distinct).toBe(naive(values.subarray(0, 20_000), 100).distinct);
    expect(Array.from(counts)).toEqual(Array.from(reference.counts));
    // Log-moments from 8-mantissa-bit buckets: within 1e-5 of the exact mean and variance.
    const mean = summary.logSum / summary.logCount;
    expect(Math.abs(mean - reference.logMean)).toBeLessThan(1e-5);
    expect(Math.abs(summary.logSumSq / summary.logCount - mean * mean - reference.logVar) / reference.logVar).toBeLessThan(1e-5);
  });

  it("merges: scanning two halves and merging equals scanning the whole", () => {
    const whole = new FloatScan();
    whole.addFloat32Bits(bits(values));
    const left = new FloatScan();
    const right = new FloatScan();
    left.addFloat32Bits(bits(values.subarray(0, 70_001)));
    right.addFloat32Bits(bits(values.subarray(70_001)));
    left.merge(right);
    expect(left.summary()).toEqual(whole.summary());
    const max = whole.summary().maxAbs;
    const a = new Float64Array(100);
    const b = new Float64Array(100);
    const all = new Float64Array(100);
    binValues(values.subarray(0, 70_001), a, max);
    binValues(values.subarray(70_001), b, max);
    binValues(values, all, max);
    expect(Array.from(mergeCounts(a, b))).toEqual(Array.from(all));
  });
});

describe("code tables (16-bit path)", () => {
  it("counts bit patterns and derives exact statistics; tables merge by addition", () => {
    const values = normalFloat32(100_000, 2);
    const codes = Uint16Array.from(values, (v) => float32Bits(v) >>> 16); // truncation to bf16
    const levels = decodeTable(16, bfloat16FromBits);
    // The hot loop counts into u32 partials, folded into the float64 table (as the accumulator does).
    const count = (part: Uint16Array): Float64Array => {
      const table = newCodeTable(16);
      const partial = new Uint32Array(table.length);
      countCodes16(part, partial);
      foldCounts(table, partial);
      return table;
    };
    const whole = count(codes);
    const left = count(codes.subarray(0, 33_333));
    const right = count(codes.subarray(33_333));
    mergeCodeTables(left, right);
    expect(left).toEqual(whole);

    const stats = statisticsFromCodeTable(levels, whole, 100);
    const decoded = Float32Array.from(codes, (c) => levels[c]!);
    const reference = naive(decoded, 100);
    expect(stats.maxAbs).toBe(reference.max);
    expect(stats.distinct).toBe(reference.distinct);
    expect(Array.from(stats.counts)).toEqual(Array.from(reference.counts));
    expect(stats.logSum / stats.logCount).toBeCloseTo(reference.logMean, 10);
  });
});

describe("DistinctSet", () => {
  it("counts exactly up to the cap, then reports a lower bound and stops growing", () => {
    const set = new DistinctSet();
    for (let i = 0; i < 1000; i++) set.add((i * 65536) >>> 0); // low 16 bits zero: must not collide badly
    for (let i = 0; i < 1000; i++) set.add((i * 65536) >>> 0);
    expect(set.size).toBe(1000);
    const big = new DistinctSet();
    for (let i = 0; i <= DISTINCT_CAP + 10; i++) big.add(i);
    expect(big.saturated).toBe(true);
    expect(big.size).toBeGreaterThan(DISTINCT_CAP);
  });
});
