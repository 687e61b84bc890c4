/**
 * Pass 2 for F32 without arithmetic, for several grids at once (layerHistograms.ts). Pass 1 counted
 * F32 values per bucket of their top 16 bits (FloatScan). Every grid's bin rule is monotonic in |w|,
 * so within a bucket the edges of all grids fall at a few exact bit patterns ("cuts"), found by
 * bisection with the same binIndex; the values between consecutive cuts of a bucket (a "segment")
 * lie in one bin of every grid. Pass 2 counts, per bucket, the values at or above each of its (at
 * most four) cuts — one vector compare per value (the countAboveCuts kernel) — and every grid's
 * histogram is then the sum of segment counts, each in the bin of the segment's first pattern. For
 * B ≤ 128 a bucket (relative width ≤ 2⁻⁷) holds at most two edges of 2B bins and one of B bins at
 * the second largest |w|, so the grids of layerGrids need at most four cuts; otherwise (B > 128, B odd
 * with a B/2 grid off the 2B edges) `bucketCuts` returns undefined and pass 2 bins every value.
 *
 * Values above a grid's scale are top order statistics, known one by one (topValues.ts): the grid
 * leaves them out by subtracting each from its segment's bin. The result equals binning every value
 * (tested). A grid whose scale is a quantile rather than a top value gets a cut just above its
 * scale instead.
 */
import { binEdges, binIndex, FLOAT32_BUCKETS } from "./binning.js";
import type { GridCounts, GridSpec } from "./layerHistograms.js";

const BUCKET_SHIFT = 16;
const FINITE_BUCKETS = 0x7f80;
export const CUTS_PER_BUCKET = 4;
/** An unused cut: no |pattern| reaches it. */
export const NO_CUT = 0xffffffff;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function patternValue(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0]!;
}
function floatPattern(value: number): number {
  f32[0] = value;
  return u32[0]!;
}

/** Per bucket, CUTS_PER_BUCKET ascending cut patterns, NO_CUT-padded (4·2¹⁵ entries). */
export interface BucketCuts {
  cuts: Uint32Array;
}

/**
 * The cuts of every occupied bucket for these grids, or undefined when some bucket needs more than
 * CUTS_PER_BUCKET.
 */
export function bucketCuts(grids: readonly GridSpec[], buckets: Float64Array, top: readonly number[] = []): BucketCuts | undefined {
  const cuts = new Uint32Array(FLOAT32_BUCKETS * CUTS_PER_BUCKET).fill(NO_CUT);
  const found = new Set<number>();
  // A grid whose scale is not a top order statistic (a quantile) has values above it that are not
  // known one by one: a cut just above its scale keeps them out of its bins.
  const prepared = grids.filter((grid) => grid.scale > 0).map((grid) => ({ ...grid, edges: binEdges(grid.bins), maxPattern: floatPattern(grid.scale), endCut: !top.includes(grid.scale) }));
  for (let bucket = 0; bucket < FINITE_BUCKETS; bucket++) {
    if (!(buckets[bucket]! > 0)) continue;
    const first = bucket << BUCKET_SHIFT;
    found.clear();
    for (const grid of prepared) {
      if (first > grid.maxPattern) continue;
      const last = Math.min(first + (1 << BUCKET_SHIFT) - 1, grid.maxPattern);
      if (grid.endCut && last === grid.maxPattern && last < first + (1 << BUCKET_SHIFT) - 1) found.add(last + 1);
      const bin = (pattern: number): number => binIndex(patternValue(pattern), grid.scale, grid.edges);
      const low = bin(first);
      const high = bin(last);
      // Smallest pattern in (first, last] whose bin is ≥ target, for each edge inside the bucket.
      let from = first;
      for (let target = low + 1; target <= high; target++) {
        let lo = from;
        let hi = last;
        while (hi - lo > 1) {
          const mid = lo + Math.floor((hi - lo) / 2);
          if (bin(mid) >= target) hi = mid;
          else lo = mid;
        }
        found.add(hi);
        from = hi;
      }
    }
    if (found.size > CUTS_PER_BUCKET) return undefined;
    const sorted = [...found].sort((a, b) => a - b);
    for (let j = 0; j < sorted.length; j++) cuts[bucket * CUTS_PER_BUCKET + j] = sorted[j]!;
  }
  return { cuts };
}

/** True when some occupied bucket has a cut, i.e. pass 2 has anything to count. */
export function anyCutOccupied(buckets: Float64Array, cuts: BucketCuts): boolean {
  for (let bucket = 0; bucket < FINITE_BUCKETS; bucket++) if (buckets[bucket]! > 0 && cuts.cuts[bucket * CUTS_PER_BUCKET] !== NO_CUT) return true;
  return false;
}

/**
 * Hot loop (JavaScript reference of the countAboveCuts kernel): above[4b + j] += (|pattern| ≥
 * cuts[4b + j]), b = |pattern| >>> 16.
 */
export function countAboveCuts(values: Float32Array, cuts: BucketCuts, above: Float64Array): void {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const c = cuts.cuts;
  for (let i = 0; i < bits.length; i++) {
    const pattern = (bits[i]! & 0x7fffffff) >>> 0;
    const base = (pattern >>> BUCKET_SHIFT) * CUTS_PER_BUCKET;
    for (let j = 0; j < CUTS_PER_BUCKET; j++) if (pattern >= c[base + j]!) above[base + j]!++;
  }
}

/**
 * Every grid's counts from pass-1 bucket counts, pass-2 counts above each cut, and the top order
 * statistics (descending |w|, enough of them to include every value above the smallest grid scale).
 */
export function gridsFromCuts(buckets: Float64Array, above: Float64Array, cuts: BucketCuts, grids: readonly GridSpec[], top: readonly number[]): GridCounts[] {
  const prepared = grids.map((grid) => ({ ...grid, edges: binEdges(grid.bins), counts: new Float64Array(grid.bins) }));
  const c = cuts.cuts;
  const segmentStart = (bucket: number, segment: number): number => (segment === 0 ? bucket << BUCKET_SHIFT : c[bucket * CUTS_PER_BUCKET + segment - 1]!);
  for (let bucket = 0; bucket < FINITE_BUCKETS; bucket++) {
    const total = buckets[bucket]!;
    if (!(total > 0)) continue;
    const base = bucket * CUTS_PER_BUCKET;
    let used = 0;
    while (used < CUTS_PER_BUCKET && c[base + used] !== NO_CUT) used++;
    for (let segment = 0; segment <= used; segment++) {
      const upper = segment === 0 ? total : above[base + segment - 1]!;
      const next = segment < used ? above[base + segment]! : 0;
      const count = upper - next;
      if (count === 0) continue;
      const start = patternValue(segmentStart(bucket, segment));
      for (const grid of prepared) if (start <= grid.scale && grid.scale > 0) grid.counts[binIndex(start, grid.scale, grid.edges)]! += count;
    }
  }
  // Values above a grid's scale were counted in their segment's bin: take them out.
  for (const value of top) {
    const pattern = floatPattern(value);
    const bucket = pattern >>> BUCKET_SHIFT;
    let segment = 0;
    while (segment < CUTS_PER_BUCKET && c[bucket * CUTS_PER_BUCKET + segment] !== NO_CUT && pattern >= c[bucket * CUTS_PER_BUCKET + segment]!) segment++;
    const start = patternValue(segmentStart(bucket, segment));
    for (const grid of prepared) if (value > grid.scale && start <= grid.scale && grid.scale > 0) grid.counts[binIndex(start, grid.scale, grid.edges)]! -= 1;
  }
  return prepared.map(({ scale, bins, counts }) => ({ scale, bins, counts }));
}

/**
 * The cuts of the occupied cut buckets alone, for many layers whose pass 2 waits for a second run of
 * a model (activations `--second-pass rerun`): a 16-bit slot per bucket (0: no cut; 64 KiB) and the
 * CUTS_PER_BUCKET cuts of each slot, instead of the 512 KiB of a full BucketCuts.
 */
export interface CompactCuts {
  slot: Uint16Array;
  /** Per slot (from 1): its bucket, and its cuts at [CUTS_PER_BUCKET·slot, …). */
  buckets: Uint32Array;
  cuts: Uint32Array;
}

/** Compact form of `cuts` over the occupied buckets of `buckets`, or undefined past 65,535 cut buckets. */
export function compactCuts(buckets: Float64Array, cuts: BucketCuts): CompactCuts | undefined {
  const cut: number[] = [];
  for (let bucket = 0; bucket < FINITE_BUCKETS; bucket++) if (buckets[bucket]! > 0 && cuts.cuts[bucket * CUTS_PER_BUCKET] !== NO_CUT) cut.push(bucket);
  if (cut.length > 0xffff) return undefined;
  const slot = new Uint16Array(FLOAT32_BUCKETS);
  const out: CompactCuts = { slot, buckets: new Uint32Array(cut.length + 1), cuts: new Uint32Array((cut.length + 1) * CUTS_PER_BUCKET).fill(NO_CUT) };
  cut.forEach((bucket, i) => {
    slot[bucket] = i + 1;
    out.buckets[i + 1] = bucket;
    out.cuts.set(cuts.cuts.subarray(bucket * CUTS_PER_BUCKET, (bucket + 1) * CUTS_PER_BUCKET), (i + 1) * CUTS_PER_BUCKET);
  });
  return out;
}

/**
 * countAboveCuts against compact cuts (`above` has CUTS_PER_BUCKET entries per slot). Returns the
 * largest finite |pattern| seen (−1 if none), so a caller can check a second run against the first.
 */
export function countAboveCompactCuts(bits: Uint32Array, compact: CompactCuts, above: Float64Array): number {
  const { slot, cuts } = compact;
  let maxBits = -1;
  for (let i = 0; i < bits.length; i++) {
    const pattern = bits[i]! & 0x7fffffff;
    if (pattern >= 0x7f800000) continue;
    if (pattern > maxBits) maxBits = pattern;
    const s = slot[pattern >>> BUCKET_SHIFT]!;
    if (s === 0) continue;
    const base = s * CUTS_PER_BUCKET;
    for (let j = 0; j < CUTS_PER_BUCKET; j++) if (pattern >= cuts[base + j]!) above[base + j]!++;
  }
  return maxBits;
}

/** Counts per slot (compact) in the layout of countAboveCuts (per bucket), for gridsFromCuts. */
export function expandCompactAbove(compact: CompactCuts, above: Float64Array): Float64Array {
  const out = new Float64Array(FLOAT32_BUCKETS * CUTS_PER_BUCKET);
  for (let s = 1; s < compact.buckets.length; s++) out.set(above.subarray(s * CUTS_PER_BUCKET, (s + 1) * CUTS_PER_BUCKET), compact.buckets[s]! * CUTS_PER_BUCKET);
  return out;
}
