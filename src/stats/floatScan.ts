/**
 * First pass over float values that can take more than 2^16 levels (F32, F64 and formats decoded to
 * them): everything except the bins, which need the final max|w| (second pass: binning.ts). Scans of
 * disjoint parts of a layer merge, also across threads (`toState`/`fromState` are plain data).
 *
 * F32 works on the bit patterns: |w| as an integer orders like the float, so max and the NaN/Inf
 * tests are integer compares. A `Math.log` per element would cut throughput about five-fold, so the
 * log-moments come from a table of |pattern| >>> 16 (8 exponent and 7 mantissa bits: buckets ≤ 2^-7
 * wide, relative), each bucket contributing the exact mean of ln and ln² over its
 * interval. The mean of ln|w| is within ~1e-5 of the exact one for smooth distributions (tested).
 * F64 is rare in checkpoints and takes the exact Math.log path.
 */
import { float32FromBits } from "../decode/floatBits.js";
import { FLOAT32_BUCKETS } from "./binning.js";
import { DEFAULT_DISTINCT_CAP, DistinctSet } from "./distinctSet.js";
import { TOP_K, mergeTop, offerTop } from "./topValues.js";
import type { Kernels } from "./kernels.js";
import { type ValueSummary, emptySummary, mergeSummaries } from "./valueSummary.js";

const ABS_MASK = 0x7fffffff;
const INF_BITS = 0x7f800000;
/** Bucket = |pattern| >>> 16 (exponent and 7 mantissa bits); finite values use 0 … 0x7f7f. */
const BUCKET_SHIFT = 16;
const BUCKETS = FLOAT32_BUCKETS;

/** Plain-data form of a FloatScan, for posting between threads. */
export interface FloatScanState {
  distinctCap: number;
  buckets: Float64Array | null;
  maxBits: number;
  zeros: number;
  nan: number;
  infinite: number;
  finite: number;
  /** Distinct F32 |w| patterns; null once saturated (then `distinctLowerBound` applies). */
  distinctKeys: Uint32Array | null;
  distinctLowerBound: number;
  exact: ValueSummary;
  distinct64: Float64Array | null;
  /** The largest finite F32 |patterns|, descending (topValues.ts; patterns order like the values). */
  topBits: number[];
  /** F64: count, Σ ln|w|, Σ ln²|w| per binade (binadeIndex), for the floored log-moments. */
  binades: Float64Array | null;
}

/** Binades of F64 |w| > 0: index = ⌊log₂|w|⌋ + BINADE_OFFSET (subnormals share the lowest). */
export const BINADE_OFFSET = 1100;
export const BINADES = 2200;
export function binadeIndex(a: number): number {
  return Math.max(0, Math.min(BINADES - 1, Math.floor(Math.log2(a)) + BINADE_OFFSET));
}

/**
 * Pass 1 over float values (METHOD §2.3–2.4): max|w|, zeros, NaN/Inf, log-moments, distinct values,
 * F32 bucket counts; mergeable.
 */
export class FloatScan {
  /** `distinctCap`: count distinct values exactly up to this many (see distinctSet.ts). */
  constructor(private readonly distinctCap: number = DEFAULT_DISTINCT_CAP) {
    this.distinct = new DistinctSet(distinctCap);
  }

  private distinct: DistinctSet;
  private distinct64: Set<number> | null = new Set<number>();
  private buckets: Float64Array | null = null;
  private partial: Uint32Array | null = null;
  private maxBits = -1;
  private exact: ValueSummary = emptySummary();
  private zeros32 = 0;
  private nan32 = 0;
  private infinite32 = 0;
  private finite32 = 0;
  private topBits: number[] = [];
  private binades: Float64Array | null = null;

  /**
   * Scan F32 values given as their bit patterns (a Uint32Array view of the same bytes). With
   * `kernels` holding the view, the WebAssembly loop does the counting (same results).
   */
  addFloat32Bits(bits: Uint32Array, kernels?: Kernels): void {
    const buckets = (this.buckets ??= new Float64Array(BUCKETS));
    if (kernels?.holds(bits)) {
      const result = kernels.scan32(bits, buckets, this.topBits);
      this.maxBits = Math.max(this.maxBits, result.maxBits);
      this.zeros32 += result.zeros;
      this.nan32 += result.nan;
      this.infinite32 += result.infinite;
      this.finite32 += bits.length - result.nan - result.infinite;
      if (!this.distinct.saturated) this.distinct.addAll(bits, ABS_MASK);
      return;
    }
    const partial = (this.partial ??= new Uint32Array(BUCKETS));
    let maxBits = this.maxBits;
    const top = this.topBits;
    let topMin = offerTopThreshold(top);
    let zeros = 0;
    let nan = 0;
    let infinite = 0;
    for (let offset = 0; offset < bits.length; offset += 1 << 30) {
      const end = Math.min(bits.length, offset + (1 << 30));
      for (let i = offset; i < end; i++) {
        const x = bits[i]!;
        const a = x & ABS_MASK;
        if (a >= INF_BITS) {
          if (a === INF_BITS) infinite++;
          else nan++;
          continue;
        }
        partial[a >>> BUCKET_SHIFT]!++;
        if (a > maxBits) maxBits = a;
        if (a > topMin) topMin = offerTop(top, a);
        if (a === 0) zeros++;
      }
      for (let k = 0; k < BUCKETS; k++) {
        const count = partial[k]!;
        if (count !== 0) {
          buckets[k]! += count;
          partial[k] = 0;
        }
      }
    }
    this.maxBits = maxBits;
    this.zeros32 += zeros;
    this.nan32 += nan;
    this.infinite32 += infinite;
    this.finite32 += bits.length - nan - infinite;
    if (!this.distinct.saturated) this.distinct.addAll(bits, ABS_MASK);
  }

  /** Add float64 values. */
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
      if (s.top.length < TOP_K || a > s.top[s.top.length - 1]!) offerTop(s.top, a);
      if (this.distinct64) {
        this.distinct64.add(a);
        if (this.distinct64.size > this.distinctCap) {
          this.exact.distinct = this.distinct64.size;
          this.distinct64 = null;
        }
      }
      if (a === 0) {
        s.zeros++;
        continue;
      }
      const log = Math.log(a);
      s.logCount++;
      s.logSum += log;
      s.logSumSq += log * log;
      const binades = (this.binades ??= new Float64Array(3 * BINADES));
      const b = 3 * binadeIndex(a);
      binades[b]!++;
      binades[b + 1]! += log;
      binades[b + 2]! += log * log;
    }
  }

  /** Add another range's scan (exact). */
  merge(other: FloatScan): void {
    if (other.buckets) {
      const buckets = (this.buckets ??= new Float64Array(BUCKETS));
      for (let i = 0; i < BUCKETS; i++) buckets[i]! += other.buckets[i]!;
    }
    this.maxBits = Math.max(this.maxBits, other.maxBits);
    this.zeros32 += other.zeros32;
    this.nan32 += other.nan32;
    this.infinite32 += other.infinite32;
    this.finite32 += other.finite32;
    this.topBits = mergeTop(this.topBits, other.topBits);
    if (other.binades) {
      const binades = (this.binades ??= new Float64Array(3 * BINADES));
      for (let i = 0; i < binades.length; i++) binades[i]! += other.binades[i]!;
    }
    this.distinct.merge(other.distinct);
    const distinct = Math.max(this.distinct64?.size ?? this.exact.distinct, other.distinct64?.size ?? other.exact.distinct);
    this.exact = mergeSummaries(this.exact, other.exact, distinct, true);
    if (this.distinct64 && other.distinct64) {
      for (const value of other.distinct64) this.distinct64.add(value);
      if (this.distinct64.size > this.distinctCap) {
        this.exact.distinct = this.distinct64.size;
        this.distinct64 = null;
      }
    } else {
      this.distinct64 = null;
    }
  }

  /**
   * Counts of F32 values per bucket (top 16 bits of the pattern), or null when no F32 value was
   * scanned. Pass 2 bins whole buckets from these counts (binning.ts `binsFromBuckets`).
   */
  float32Buckets(): Float64Array | null {
    return this.buckets;
  }

  /** F64 log-moments per binade (see FloatScanState.binades), or null. */
  float64Binades(): Float64Array | null {
    return this.binades;
  }

  /** The scan as plain data (to send between threads). */
  toState(): FloatScanState {
    return {
      distinctCap: this.distinctCap,
      buckets: this.buckets,
      maxBits: this.maxBits,
      zeros: this.zeros32,
      nan: this.nan32,
      infinite: this.infinite32,
      finite: this.finite32,
      distinctKeys: this.distinct.keys(),
      distinctLowerBound: this.distinct.size,
      exact: this.exact,
      distinct64: this.distinct64 ? Float64Array.from(this.distinct64) : null,
      topBits: this.topBits,
      binades: this.binades,
    };
  }

  /** A scan from its plain data. */
  static fromState(state: FloatScanState): FloatScan {
    const scan = new FloatScan(state.distinctCap);
    scan.buckets = state.buckets;
    scan.maxBits = state.maxBits;
    scan.zeros32 = state.zeros;
    scan.nan32 = state.nan;
    scan.infinite32 = state.infinite;
    scan.finite32 = state.finite;
    scan.distinct = DistinctSet.fromKeys(state.distinctKeys, state.distinctLowerBound, state.distinctCap);
    scan.exact = { ...state.exact, top: [...state.exact.top] };
    scan.distinct64 = state.distinct64 ? new Set(state.distinct64) : null;
    scan.topBits = [...state.topBits];
    scan.binades = state.binades;
    return scan;
  }

  /** The value statistics scanned so far. */
  summary(): ValueSummary {
    const s: ValueSummary = { ...this.exact, top: [...this.exact.top] };
    s.distinct = this.distinct64 ? this.distinct64.size : this.exact.distinct;
    s.distinctExact = this.distinct64 !== null;
    if (!this.buckets) return s;
    const f32: ValueSummary = {
      finite: this.finite32,
      zeros: this.zeros32,
      nan: this.nan32,
      infinite: this.infinite32,
      maxAbs: this.maxBits > 0 ? float32FromBits(this.maxBits) : 0,
      distinct: this.distinct.size,
      distinctExact: !this.distinct.saturated,
      ...bucketLogMoments(this.buckets, this.zeros32),
      top: this.topBits.map(float32FromBits),
    };
    return mergeSummaries(s, f32, s.distinct + f32.distinct, s.distinctExact && f32.distinctExact);
  }
}

/** The entry threshold of a top list: −1 while it is not full (every |pattern| ≥ 0 enters). */
function offerTopThreshold(top: readonly number[]): number {
  return top.length < TOP_K ? -1 : top[top.length - 1]!;
}

/**
 * Σ ln a and Σ (ln a)² from bucket counts, each bucket [lo, hi) contributing its count times the
 * mean of ln and ln² over the interval (∫ ln x = x ln x − x, ∫ ln² x = x ln² x − 2x ln x + 2x).
 */
function bucketLogMoments(buckets: Float64Array, zeros: number): { logCount: number; logSum: number; logSumSq: number } {
  const f1 = (x: number): number => (x === 0 ? 0 : x * Math.log(x) - x);
  const f2 = (x: number): number => {
    if (x === 0) return 0;
    const l = Math.log(x);
    return x * l * l - 2 * x * l + 2 * x;
  };
  let logCount = 0;
  let logSum = 0;
  let logSumSq = 0;
  for (let bucket = 0; bucket < BUCKETS; bucket++) {
    let count = buckets[bucket]!;
    if (bucket === 0) count -= zeros;
    if (count <= 0) continue;
    const lo = float32FromBits(bucket << BUCKET_SHIFT);
    const hi = float32FromBits(((bucket + 1) << BUCKET_SHIFT) >>> 0);
    const width = hi - lo;
    logCount += count;
    logSum += (count * (f1(hi) - f1(lo))) / width;
    logSumSq += (count * (f2(hi) - f2(lo))) / width;
  }
  return { logCount, logSum, logSumSq };
}
