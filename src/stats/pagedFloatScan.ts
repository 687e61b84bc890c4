/**
 * Pass 1 over F32 values (FloatScan's counts: buckets of |pattern| >>> 16, max|w|, zeros, NaN/±Inf,
 * distinct values, the top order statistics of topValues.ts) for many layers at once, fed in small pieces — the outputs of a model, one batch
 * at a time. A dense bucket table is 256 KiB per layer; here a layer holds one 128-entry page per
 * exponent that occurs (activations use a few dozen of the 255), and the counting goes through one
 * shared dense scratch table that is folded into the pages after each piece. `toFloatScan()` gives
 * the equivalent FloatScan (same state, hence the same summary, log-moments and pass-2 splits).
 */
import { FLOAT32_BUCKETS } from "./binning.js";
import { DistinctSet } from "./distinctSet.js";
import { FloatScan } from "./floatScan.js";
import type { Kernels } from "./kernels.js";
import { TOP_K, offerTop } from "./topValues.js";
import { emptySummary } from "./valueSummary.js";

const ABS_MASK = 0x7fffffff;
const INF_BITS = 0x7f800000;
const BUCKET_SHIFT = 16;
/** Buckets per page: the 7 mantissa bits of a bucket (bucket = exponent << 7 | top mantissa bits). */
const PAGE_SHIFT = 7;
const PAGE = 1 << PAGE_SHIFT;

/** Shared by every instance: counts of one piece, zeroed again by the fold. */
const scratch = new Uint32Array(FLOAT32_BUCKETS);
/** The same for the WebAssembly path (kernels fold their u32 tables into a float64 table). */
const denseScratch = new Float64Array(FLOAT32_BUCKETS);

export class PagedFloatScan {
  private readonly pages: (Float64Array | undefined)[] = new Array(FLOAT32_BUCKETS >>> PAGE_SHIFT);
  private readonly distinct: DistinctSet;
  /** The TOP_K largest finite |patterns|, descending (FloatScanState.topBits). */
  private readonly topBits: number[] = [];
  maxBits = -1;
  zeros = 0;
  nan = 0;
  infinite = 0;
  finite = 0;

  constructor(private readonly distinctCap: number) {
    this.distinct = new DistinctSet(distinctCap);
  }

  /**
   * Count a piece of F32 bit patterns (fewer than 2^32 values). With `keep`, also collect every
   * finite pattern whose |pattern| ≥ `keep.from` (a caller's pass-2 candidates) and return them, in
   * order: in `keep.into`, or — when `kernels` holds `bits` and the WebAssembly loops do the work —
   * in the kernels' second buffer (valid until their next call).
   */
  add(bits: Uint32Array, keep?: { from: number; into: Uint32Array }, kernels?: Kernels): Uint32Array {
    if (kernels?.holds(bits)) return this.addInKernel(bits, kernels, keep?.from);
    let lowest = INF_BITS;
    let highest = -1;
    let zeros = 0;
    let nonfinite = 0;
    let infinite = 0;
    let kept = 0;
    const keepFrom = keep ? keep.from : INF_BITS;
    const into = keep?.into ?? new Uint32Array(0);
    const top = this.topBits;
    let topMin = top.length < TOP_K ? -1 : top[TOP_K - 1]!;
    for (let i = 0; i < bits.length; i++) {
      const x = bits[i]!;
      const a = x & ABS_MASK;
      if (a >= INF_BITS) {
        nonfinite++;
        if (a === INF_BITS) infinite++;
        continue;
      }
      scratch[a >>> BUCKET_SHIFT]!++;
      if (a > highest) highest = a;
      if (a < lowest) lowest = a;
      if (a > topMin) topMin = offerTop(top, a);
      if (a === 0) zeros++;
      if (a >= keepFrom) into[kept++] = x;
    }
    this.count(bits, highest, zeros, nonfinite - infinite, infinite);
    if (highest >= 0) this.foldScratch(lowest >>> BUCKET_SHIFT, highest >>> BUCKET_SHIFT);
    return into.subarray(0, kept);
  }

  private addInKernel(bits: Uint32Array, kernels: Kernels, keepFrom: number | undefined): Uint32Array {
    const result = kernels.scan32(bits, denseScratch, this.topBits);
    kernels.flush();
    this.count(bits, result.maxBits, result.zeros, result.nan, result.infinite);
    if (result.maxBits >= 0) {
      const last = result.maxBits >>> BUCKET_SHIFT;
      for (let bucket = 0; bucket <= last; bucket++) {
        const count = denseScratch[bucket]!;
        if (count === 0) continue;
        denseScratch[bucket] = 0;
        const page = (this.pages[bucket >>> PAGE_SHIFT] ??= new Float64Array(PAGE));
        page[bucket & (PAGE - 1)]! += count;
      }
    }
    return keepFrom === undefined ? new Uint32Array(0) : kernels.select32(bits, keepFrom);
  }

  private count(bits: Uint32Array, highest: number, zeros: number, nan: number, infinite: number): void {
    if (highest > this.maxBits) this.maxBits = highest;
    this.zeros += zeros;
    this.nan += nan;
    this.infinite += infinite;
    this.finite += bits.length - nan - infinite;
    if (!this.distinct.saturated) this.distinct.addAll(bits, ABS_MASK);
  }

  /** Add scratch[first … last] to the pages and zero it. */
  private foldScratch(first: number, last: number): void {
    for (let bucket = first; bucket <= last; bucket++) {
      const count = scratch[bucket]!;
      if (count === 0) continue;
      scratch[bucket] = 0;
      const page = (this.pages[bucket >>> PAGE_SHIFT] ??= new Float64Array(PAGE));
      page[bucket & (PAGE - 1)]! += count;
    }
  }

  /** The second largest finite |a| so far (−1 while fewer than two values): a lower bound of the final one. */
  secondBits(): number {
    return this.topBits[1] ?? -1;
  }

  /** The same counts as a FloatScan (dense buckets), for the summary and pass 2. */
  toFloatScan(): FloatScan {
    const buckets = new Float64Array(FLOAT32_BUCKETS);
    this.pages.forEach((page, index) => {
      if (page) buckets.set(page, index << PAGE_SHIFT);
    });
    return FloatScan.fromState({
      distinctCap: this.distinctCap,
      buckets,
      maxBits: this.maxBits,
      zeros: this.zeros,
      nan: this.nan,
      infinite: this.infinite,
      finite: this.finite,
      distinctKeys: this.distinct.keys(),
      distinctLowerBound: this.distinct.size,
      exact: emptySummary(),
      // No F64 values: an empty exact set (null would mean a saturated one).
      distinct64: new Float64Array(0),
      topBits: this.topBits,
      binades: null,
    });
  }
}
