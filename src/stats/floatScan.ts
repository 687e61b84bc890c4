/**
 * First pass over float values that can take more than 2^16 levels (F32, F64 and formats decoded to
 * them): everything except the bins, which need the final max|w| (second pass: binning.ts). Two
 * scans of disjoint parts of a layer merge.
 *
 * F32 works on the bit patterns (|w| as an integer orders like the float, so max and the NaN/Inf
 * tests are integer compares). Calling Math.log per element would cut throughput by ~5×, so the
 * log-moments come from a table of the top 16 bits of |w| (8 exponent + 8 mantissa bits, bucket
 * width ≤ 2^-8 relative): each bucket contributes the exact mean of ln and ln² over its interval.
 * The resulting mean of ln|w| is within ~1e-5 of the exact one for smooth distributions (tested).
 * F64 is rare in checkpoints and takes the exact Math.log path.
 */
import { float32FromBits } from "../formats/floatBits.js";
import { DistinctSet } from "./distinctSet.js";
import { type ValueSummary, emptySummary, mergeSummaries } from "./valueSummary.js";

const ABS_MASK = 0x7fffffff;
const INF_BITS = 0x7f800000;
const COARSE_SHIFT = 15;

export class FloatScan {
  private readonly distinct = new DistinctSet();
  private readonly distinct64 = new Set<number>();
  private distinct64Saturated = false;
  private coarse: Float64Array | undefined;
  private maxBits = -1;
  private exact: ValueSummary = emptySummary();
  private zeros32 = 0;
  private nan32 = 0;
  private infinite32 = 0;
  private finite32 = 0;

  /** Scan F32 values given as their bit patterns (a Uint32Array view of the same bytes). */
  addFloat32Bits(bits: Uint32Array): void {
    const coarse = (this.coarse ??= new Float64Array(1 << (31 - COARSE_SHIFT)));
    let maxBits = this.maxBits;
    let zeros = 0;
    let nan = 0;
    let infinite = 0;
    for (let i = 0; i < bits.length; i++) {
      const a = bits[i]! & ABS_MASK;
      if (a >= INF_BITS) {
        if (a === INF_BITS) infinite++;
        else nan++;
        continue;
      }
      coarse[a >>> COARSE_SHIFT]!++;
      if (a > maxBits) maxBits = a;
      if (a === 0) zeros++;
    }
    this.maxBits = maxBits;
    this.zeros32 += zeros;
    this.nan32 += nan;
    this.infinite32 += infinite;
    this.finite32 += bits.length - nan - infinite;
    if (!this.distinct.saturated) this.distinct.addAll(bits, ABS_MASK);
  }

  addFloat64(values: Float64Array): void {
    const s = this.exact;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) {
        s.nan++;
        continue;
      }
      const a = Math.abs(v);
      if (a === Infinity) {
        s.infinite++;
        continue;
      }
      s.finite++;
      if (a > s.maxAbs) s.maxAbs = a;
      if (!this.distinct64Saturated) {
        this.distinct64.add(a);
        if (this.distinct64.size > 1 << 20) this.distinct64Saturated = true;
      }
      if (a === 0) {
        s.zeros++;
        continue;
      }
      const log = Math.log(a);
      s.logCount++;
      s.logSum += log;
      s.logSumSq += log * log;
    }
  }

  merge(other: FloatScan): void {
    if (other.coarse) {
      const coarse = (this.coarse ??= new Float64Array(other.coarse.length));
      for (let i = 0; i < coarse.length; i++) coarse[i]! += other.coarse[i]!;
    }
    this.maxBits = Math.max(this.maxBits, other.maxBits);
    this.zeros32 += other.zeros32;
    this.nan32 += other.nan32;
    this.infinite32 += other.infinite32;
    this.finite32 += other.finite32;
    this.distinct.merge(other.distinct);
    for (const value of other.distinct64) this.distinct64.add(value);
    this.distinct64Saturated ||= other.distinct64Saturated || this.distinct64.size > 1 << 20;
    this.exact = mergeSummaries(this.exact, other.exact, 0, true);
  }

  summary(): ValueSummary {
    const s = { ...this.exact };
    s.distinct = this.distinct64.size;
    s.distinctExact = !this.distinct64Saturated;
    if (this.coarse) {
      const log = coarseLogMoments(this.coarse, this.zeros32);
      const f32: ValueSummary = {
        finite: this.finite32,
        zeros: this.zeros32,
        nan: this.nan32,
        infinite: this.infinite32,
        maxAbs: this.maxBits > 0 ? float32FromBits(this.maxBits) : 0,
        distinct: this.distinct.size,
        distinctExact: !this.distinct.saturated,
        ...log,
      };
      return mergeSummaries(s, f32, s.distinct + f32.distinct, s.distinctExact && f32.distinctExact);
    }
    return s;
  }
}

/**
 * Σ ln a and Σ (ln a)² from bucket counts, each bucket [lo, hi) contributing its count times the
 * mean of ln and ln² over the interval (∫ ln x = x ln x − x, ∫ ln² x = x ln² x − 2x ln x + 2x).
 */
function coarseLogMoments(coarse: Float64Array, zeros: number): { logCount: number; logSum: number; logSumSq: number } {
  let logCount = 0;
  let logSum = 0;
  let logSumSq = 0;
  for (let bucket = 0; bucket < coarse.length; bucket++) {
    let count = coarse[bucket]!;
    if (bucket === 0) count -= zeros;
    if (count <= 0) continue;
    const lo = float32FromBits(bucket << COARSE_SHIFT);
    const hi = float32FromBits(((bucket + 1) << COARSE_SHIFT) >>> 0);
    const width = hi - lo;
    const f1 = (x: number): number => (x === 0 ? 0 : x * Math.log(x) - x);
    const f2 = (x: number): number => {
      if (x === 0) return 0;
      const l = Math.log(x);
      return x * l * l - 2 * x * l + 2 * x;
    };
    logCount += count;
    logSum += (count * (f1(hi) - f1(lo))) / width;
    logSumSq += (count * (f2(hi) - f2(lo))) / width;
  }
  return { logCount, logSum, logSumSq };
}
