/**
 * A sorted sample of positive values as the power-law range selection reads it: how many values lie
 * below a point, evenly spaced order statistics (the thinned scan sample), and the count and sum of
 * logarithms inside a range. Two forms:
 *   - plain: the sorted values themselves (with their logarithms when the caller has them);
 *   - weighted: sorted values with integer multiplicities, i.e. a bootstrap resample of whole series
 *     (each value counted as often as its series was drawn) without writing the resample out: prefix
 *     sums of the multiplicities and of multiplicity × ln x answer every question in O(log n), and
 *     the order statistics come from one merge pass.
 */
import { lowerBound } from "./ksDistance.js";

/** A sorted sample of positive values, plain or weighted by bootstrap multiplicities, with its order statistics. */
export interface SortedSampleView {
  readonly size: number;
  readonly min: number;
  readonly max: number;
  /** Values < x, or ≤ x with `atOrBelow`. */
  count(x: number, atOrBelow: boolean): number;
  /**
   * `limit` evenly spaced order statistics, the ((i + ½)·size/limit)-th, and their logarithms (all
   * values when size ≤ limit), written into `scratch` when it is given and large enough.
   */
  thin(limit: number, scratch?: ThinScratch): { values: Float64Array; logs: Float64Array };
  /** How many values lie in [lo, hi], and the sum of their logarithms. */
  logSum(lo: number, hi: number): { n: number; sum: number };
  /** The values themselves, for statistics that need every one (the KS distance of a refit). */
  readonly plain?: { values: Float64Array; logs?: Float64Array };
}

/** Reusable arrays for thinned samples (a scan repeated hundreds of times allocates nothing). */
export interface ThinScratch {
  values: Float64Array;
  logs: Float64Array;
}

/** `m` values of each scratch array, reallocated when the scratch is too small. */
function scratchOf(scratch: ThinScratch | undefined, m: number): ThinScratch {
  if (!scratch) return { values: new Float64Array(m), logs: new Float64Array(m) };
  if (scratch.values.length < m) {
    scratch.values = new Float64Array(m);
    scratch.logs = new Float64Array(m);
  }
  return { values: scratch.values.subarray(0, m), logs: scratch.logs.subarray(0, m) };
}

/** Evenly spaced order statistics of a sorted array (the array itself when it is small enough). */
export function thinSorted(sorted: Float64Array, limit: number, into?: Float64Array): Float64Array {
  if (sorted.length <= limit) return sorted;
  const out = into && into.length >= limit ? into.subarray(0, limit) : new Float64Array(limit);
  for (let i = 0; i < limit; i++) out[i] = sorted[Math.floor(((i + 0.5) * sorted.length) / limit)]!;
  return out;
}

export function plainSample(values: Float64Array, logs?: Float64Array): SortedSampleView {
  const logOf = (from: number, to: number): number => {
    let sum = 0;
    for (let i = from; i < to; i++) sum += logs ? logs[i]! : Math.log(values[i]!);
    return sum;
  };
  return {
    size: values.length,
    min: values[0] ?? NaN,
    max: values[values.length - 1] ?? NaN,
    count: (x, atOrBelow) => lowerBound(values, x, atOrBelow),
    thin(limit, scratch) {
      const out = scratchOf(scratch, Math.min(limit, values.length));
      const thinned = thinSorted(values, limit, out.values);
      if (logs) return { values: thinned, logs: thinSorted(logs, limit, out.logs) };
      for (let i = 0; i < thinned.length; i++) out.logs[i] = Math.log(thinned[i]!);
      return { values: thinned, logs: out.logs };
    },
    logSum(lo, hi) {
      const from = lowerBound(values, lo);
      const to = lowerBound(values, hi, true);
      return { n: to - from, sum: logOf(from, to) };
    },
    plain: logs ? { values, logs } : { values },
  };
}

/** Sorted values with integer multiplicities (values with multiplicity 0 are absent). */
export class WeightedSample implements SortedSampleView {
  readonly size: number;
  readonly min: number;
  readonly max: number;
  /** cumulative[j]: multiplicities of values[0 … j − 1]; cumulativeLog the same, weighted by ln x. */
  private readonly cumulative: Float64Array;
  private readonly cumulativeLog: Float64Array;

  /**
   * Value j has multiplicity weights[group[j]] (group: e.g. the series each value came from, weights:
   * how often each series was drawn).
   */
  constructor(
    private readonly values: Float64Array,
    private readonly logs: Float64Array,
    group: Int32Array,
    weights: Int32Array,
    buffers?: { cumulative: Float64Array; cumulativeLog: Float64Array },
  ) {
    const n = values.length;
    const cumulative = buffers?.cumulative.length === n + 1 ? buffers.cumulative : new Float64Array(n + 1);
    const cumulativeLog = buffers?.cumulativeLog.length === n + 1 ? buffers.cumulativeLog : new Float64Array(n + 1);
    let first = -1;
    let last = -1;
    let total = 0;
    let totalLog = 0;
    cumulative[0] = 0;
    cumulativeLog[0] = 0;
    for (let j = 0; j < n; j++) {
      const w = weights[group[j]!]!;
      if (w > 0) {
        if (first < 0) first = j;
        last = j;
        total += w;
        totalLog += w * logs[j]!;
      }
      cumulative[j + 1] = total;
      cumulativeLog[j + 1] = totalLog;
    }
    this.cumulative = cumulative;
    this.cumulativeLog = cumulativeLog;
    this.size = total;
    this.min = first >= 0 ? values[first]! : NaN;
    this.max = last >= 0 ? values[last]! : NaN;
  }

  /** The prefix buffers, to reuse for the next resample of the same sample. */
  get buffers(): { cumulative: Float64Array; cumulativeLog: Float64Array } {
    return { cumulative: this.cumulative, cumulativeLog: this.cumulativeLog };
  }

  count(x: number, atOrBelow: boolean): number {
    return this.cumulative[lowerBound(this.values, x, atOrBelow)]!;
  }

  thin(limit: number, scratch?: ThinScratch): { values: Float64Array; logs: Float64Array } {
    const m = Math.min(limit, this.size);
    const { values: outValues, logs: outLogs } = scratchOf(scratch, m);
    const { cumulative, values, logs, size } = this;
    let j = 0;
    for (let i = 0; i < m; i++) {
      // The rank-th value (from 0) of the resample: the first j with rank < cumulative[j + 1].
      const rank = Math.floor(((i + 0.5) * size) / m);
      if (cumulative[j + 1]! <= rank) {
        // Gallop then bisect: ranks are far apart when the sample is thinned.
        let step = 1;
        while (j + step < values.length && cumulative[j + step + 1]! <= rank) step *= 2;
        let lo = j + (step >> 1);
        let hi = Math.min(values.length - 1, j + step);
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (cumulative[mid + 1]! <= rank) lo = mid + 1;
          else hi = mid;
        }
        j = lo;
      }
      outValues[i] = values[j]!;
      outLogs[i] = logs[j]!;
    }
    return { values: outValues, logs: outLogs };
  }

  logSum(lo: number, hi: number): { n: number; sum: number } {
    const from = lowerBound(this.values, lo);
    const to = lowerBound(this.values, hi, true);
    return { n: this.cumulative[to]! - this.cumulative[from]!, sum: this.cumulativeLog[to]! - this.cumulativeLog[from]! };
  }
}
