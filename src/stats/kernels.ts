/**
 * The WebAssembly hot loops (kernels.wat) and the memory they work in. Each instance owns one linear
 * memory laid out as
 *
 *   [top list 128 B … 64 KiB][count tables 2 × 256 KiB][F32 buckets 2 × 128 KiB][bucket cuts 512 KiB]
 *   [pass-2 "above" counters 2 × 512 KiB][bin counters 4 lanes × 4·B bytes][2 chunk buffers]
 *
 * and the streaming layer reads tensor bytes straight into the chunk buffers, so the kernels count
 * without a copy. An instance serves one task at a time (`acquireKernels` / `release`); a thread keeps
 * its released instances for reuse. Where a chunk is not in kernel memory (decoded or byte-swapped
 * values), callers use the JavaScript loops in codeTable.ts / floatScan.ts / binning.ts, which compute
 * exactly the same numbers (tested).
 *
 * The module is kernels.wat assembled by scripts/build-wasm.mjs and committed as base64
 * (kernelsModule.ts): no file is looked up at run time, so the code runs the same from src/, dist/,
 * a git install or a bundle.
 */
import { FLOAT32_BUCKETS } from "./binning.js";
import { type BucketCuts, CUTS_PER_BUCKET } from "./bucketCuts.js";
import { KERNELS_WASM_BASE64 } from "./kernelsModule.js";
import { TOP_K } from "./topValues.js";

interface KernelExports {
  memory: WebAssembly.Memory;
  maxBits: WebAssembly.Global;
  zeros: WebAssembly.Global;
  nan: WebAssembly.Global;
  infinite: WebAssembly.Global;
  topPtr: WebAssembly.Global;
  topCount: WebAssembly.Global;
  topMin: WebAssembly.Global;
  count16(ptr: number, n: number, table: number): void;
  count8(ptr: number, n: number, table: number): void;
  scan32(ptr: number, n: number, buckets: number): void;
  bin32(ptr: number, n: number, counts: number, step: number, maxAbs: number, bins: number): void;
  countAboveCuts(ptr: number, n: number, cuts: number, above: number): void;
  count8seg(ptr: number, n: number, table: number, shift: number): void;
  select32(ptr: number, n: number, from: number, out: number): number;
  unitSums32(ptr: number, n: number, units: number, inner: number, sums: number): void;
}

const PAGE = 65536;
const TOP = 1024; // TOP_K u32
const TABLES = PAGE; // two 65,536-entry u32 tables
const TABLE_BYTES = 65536 * 4;
const BUCKETS = TABLES + 2 * TABLE_BYTES;
const BUCKET_TABLE_BYTES = FLOAT32_BUCKETS * 4;
/** Finite F32 values occupy buckets 0 … 0x7f7f; NaN and ±Inf land above and are dropped. */
const FINITE_BUCKETS = 0x7f80;
const CUTS = BUCKETS + 2 * BUCKET_TABLE_BYTES;
const CUT_TABLE_BYTES = FLOAT32_BUCKETS * CUTS_PER_BUCKET * 4;
const ABOVE = CUTS + CUT_TABLE_BYTES;
const BINS = ABOVE + 2 * CUT_TABLE_BYTES;
const BIN_LANES = 4;

let compiled: WebAssembly.Module | undefined;
/** The compiled module (compiled once per thread, on first use). */
function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(kernelsWasm());
  return compiled;
}

/** The WebAssembly bytes of the kernels. */
export function kernelsWasm(): Uint8Array {
  return Uint8Array.from(atob(KERNELS_WASM_BASE64), (char) => char.charCodeAt(0));
}

export interface Scan32Result {
  maxBits: number;
  zeros: number;
  nan: number;
  infinite: number;
}

export class Kernels {
  private readonly exports: KernelExports;
  private readonly u32: Uint32Array;
  private readonly dataStart: number;
  readonly chunkBytes: number;
  readonly maxBins: number;
  private inUse = true;
  private cutsLoaded: BucketCuts | null = null;
  private readonly pending = new Map<number, { into: Float64Array; length: number; tables: number; tableBytes: number; lanes: number; elements: number }>();

  private constructor(module: WebAssembly.Module, chunkBytes: number, maxBins: number) {
    this.exports = new WebAssembly.Instance(module).exports as unknown as KernelExports;
    this.chunkBytes = chunkBytes;
    this.maxBins = maxBins;
    this.dataStart = align(BINS + 4 * BIN_LANES * maxBins, PAGE);
    const bytes = this.dataStart + 2 * align(chunkBytes, PAGE);
    // Grow once, before any view is taken: growing later would detach the views.
    this.exports.memory.grow(Math.ceil(bytes / PAGE) - this.exports.memory.buffer.byteLength / PAGE);
    this.u32 = new Uint32Array(this.exports.memory.buffer);
  }

  static create(chunkBytes: number, maxBins: number): Kernels {
    return new Kernels(kernelModule(), chunkBytes, maxBins);
  }

  /** The two read buffers, inside kernel memory. */
  buffers(): [Uint8Array, Uint8Array] {
    const size = align(this.chunkBytes, PAGE);
    const buffer = this.exports.memory.buffer;
    return [new Uint8Array(buffer, this.dataStart, this.chunkBytes), new Uint8Array(buffer, this.dataStart + size, this.chunkBytes)];
  }

  /** True when `view` lies in this instance's memory, so the kernels can read it in place. */
  holds(view: ArrayBufferView): boolean {
    return view.buffer === this.exports.memory.buffer;
  }

  /** Count 16-bit codes of `codes` (a view in kernel memory) into `total` (folded on `flush`). */
  count16(codes: Uint16Array, total: Float64Array): void {
    this.defer(TABLES, total, 65536, 2, codes.length);
    this.exports.count16(codes.byteOffset, codes.length, TABLES);
  }

  count8(codes: Uint8Array, total: Float64Array): void {
    this.defer(TABLES, total, 256, 1, codes.length);
    this.exports.count8(codes.byteOffset, codes.length, TABLES);
  }

  /** Segment tables (256 u32 each) that `countSegments` can address: the two count tables' room. */
  readonly maxSegments = (2 * TABLE_BYTES) / 1024;

  /**
   * Count the bytes of `codes` (a view in kernel memory) into segment tables: byte i goes to table
   * `firstSegment + (i >> shift)`. Used by quantised FP8 layers with a scale per 2^shift columns; the
   * tables stay in kernel memory until `foldSegments`. Not mixed with count8/count16 in one task.
   */
  countSegments(codes: Uint8Array, shift: number, firstSegment: number): void {
    this.exports.count8seg(codes.byteOffset, codes.length, TABLES + firstSegment * 1024, shift);
  }

  /** Add segment tables [0, segments) to into[offset + 256·s + byte] and clear them. */
  foldSegments(into: Uint32Array, offset: number, segments: number): void {
    const u32 = this.u32;
    const start = TABLES >>> 2;
    for (let i = 0; i < segments * 256; i++) {
      const n = u32[start + i]!;
      if (n !== 0) {
        into[offset + i]! += n;
        u32[start + i] = 0;
      }
    }
  }

  /**
   * Pass 1 over F32 patterns in kernel memory; bucket counts go to `buckets` (folded on `flush`), and
   * `top` (descending |patterns|, ≤ TOP_K) is updated in place with the values of this call.
   */
  scan32(bits: Uint32Array, buckets: Float64Array, top: number[]): Scan32Result {
    const e = this.exports;
    this.defer(BUCKETS, buckets, FINITE_BUCKETS, 2, bits.length, BUCKET_TABLE_BYTES);
    for (let i = 0; i < top.length; i++) this.u32[(TOP >>> 2) + i] = top[i]!;
    e.topPtr.value = TOP;
    e.topCount.value = top.length;
    e.topMin.value = top.length < TOP_K ? -1 : top[TOP_K - 1]!;
    e.scan32(bits.byteOffset, bits.length, BUCKETS);
    const count = e.topCount.value as number;
    top.length = 0;
    for (let i = 0; i < count; i++) top.push(this.u32[(TOP >>> 2) + i]!);
    return { maxBits: e.maxBits.value as number, zeros: e.zeros.value as number, nan: e.nan.value as number, infinite: e.infinite.value as number };
  }

  /** Pass 2 over F32 values in kernel memory, adding to `counts` (length B ≤ maxBins) at once. */
  bin32(values: Float32Array, counts: Float64Array, maxAbs: number): void {
    const bins = counts.length;
    this.exports.bin32(values.byteOffset, values.length, BINS, 1 / bins, maxAbs, bins);
    this.fold(BINS, counts, bins, BIN_LANES);
  }

  /**
   * Pass 2 for bucketed F32: per bucket, count values at or above each of its cuts (bucketCuts.ts
   * countAboveCuts) into `above` (4 per bucket; folded on `flush`).
   */
  countAboveCuts(values: Float32Array, cuts: BucketCuts, above: Float64Array): void {
    if (this.cutsLoaded !== cuts) {
      this.u32.set(cuts.cuts, CUTS >>> 2);
      this.cutsLoaded = cuts;
    }
    this.defer(ABOVE, above, FLOAT32_BUCKETS * CUTS_PER_BUCKET, 2, values.length, CUT_TABLE_BYTES);
    this.exports.countAboveCuts(values.byteOffset, values.length, CUTS, ABOVE);
  }

  /**
   * Copy the finite patterns of `bits` (a view of the first chunk buffer) with |pattern| ≥ `from`
   * into the second chunk buffer, in order; returns a view of them (valid until the next call).
   */
  select32(bits: Uint32Array, from: number): Uint32Array {
    const out = this.buffers()[1];
    const count = this.exports.select32(bits.byteOffset, bits.length, from >>> 0, out.byteOffset);
    return new Uint32Array(out.buffer, out.byteOffset, count);
  }

  /**
   * sums[u] += Σ_i |values[o][u][i]| for `values` (a view of the first chunk buffer, all finite)
   * laid out as [outer][units][inner]; `sums` (at most a chunk's bytes) passes through the second
   * chunk buffer.
   */
  unitSums32(values: Float32Array, units: number, inner: number, sums: Float64Array): void {
    const [, second] = this.buffers();
    const region = new Float64Array(second.buffer, second.byteOffset, sums.length);
    region.set(sums);
    this.exports.unitSums32(values.byteOffset, values.length, units, inner, region.byteOffset);
    sums.set(region);
  }

  /** Fold every pending u32 table into its float64 destination. Call before reading results. */
  flush(): void {
    for (const region of [...this.pending.keys()]) this.foldPending(region);
  }

  /**
   * Counters stay in kernel memory across calls (folding 2 × 65,536 counters per chunk costs ~6 %)
   * and are folded when the destination changes, before u32 could overflow, or on `flush`.
   */
  private defer(region: number, into: Float64Array, length: number, tables: number, elements: number, tableBytes = TABLE_BYTES, lanes = 1): void {
    const pending = this.pending.get(region);
    if (pending && (pending.into !== into || pending.elements + elements >= 2 ** 31)) this.foldPending(region);
    const current = this.pending.get(region);
    if (current) current.elements += elements;
    else this.pending.set(region, { into, length, tables, tableBytes, lanes, elements });
  }

  private foldPending(region: number): void {
    const pending = this.pending.get(region);
    if (!pending) return;
    this.pending.delete(region);
    for (let table = 0; table < pending.tables; table++) {
      const at = region + table * pending.tableBytes;
      this.fold(at, pending.into, pending.length, pending.lanes);
      // Counters beyond `length` (the NaN/Inf buckets of scan32) are dropped, but must restart at 0.
      if (pending.tableBytes > pending.length * pending.lanes * 4) this.u32.fill(0, (at >>> 2) + pending.length * pending.lanes, (at + pending.tableBytes) >>> 2);
    }
  }

  release(): void {
    if (!this.inUse) return;
    this.flush();
    this.inUse = false;
    this.cutsLoaded = null;
    // Keep a couple for reuse; more are only made by concurrent callers and can be collected.
    if (free.length < 2) free.push(this);
  }

  /**
   * Add `length` counters (each `lanes` interleaved u32s) at byte offset `at` into `into`, zeroing
   * them for the next call.
   */
  private fold(at: number, into: Float64Array, length: number, lanes = 1): void {
    const u32 = this.u32;
    const base = at >>> 2;
    for (let i = 0; i < length * lanes; i++) {
      const count = u32[base + i]!;
      if (count !== 0) {
        into[Math.floor(i / lanes)]! += count;
        u32[base + i] = 0;
      }
    }
  }

  /** @internal for the free list */
  reuse(): this {
    this.inUse = true;
    return this;
  }
}

const free: Kernels[] = [];

/**
 * An instance with room for chunks of `chunkBytes` and `bins` counters (an Error when the module was
 * never built). Release it when the task is done.
 */
export function acquireKernels(chunkBytes: number, bins: number): Kernels {
  const index = free.findIndex((k) => k.chunkBytes >= chunkBytes && k.maxBins >= bins);
  if (index >= 0) return free.splice(index, 1)[0]!.reuse();
  return Kernels.create(chunkBytes, Math.max(bins, 1024));
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}
