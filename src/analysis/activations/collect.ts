/**
 * Accumulates the outputs of a model run, batch by batch, into the two views of every observed
 * value (METHOD §8), exactly and in bounded memory.
 *
 * Pooled view — the histogram needs the layer's final max|a|, known only after the last batch:
 * - pass 1, online (stats/pagedFloatScan.ts): F32 patterns counted per bucket of their top 16 bits,
 *   max, zeros, NaN/±Inf, distinct values; exact and mergeable, a few dozen KiB per layer.
 * - pass 2 counts, per bucket that an edge of one of the layer's grids cuts (B, 2B and ⌊B/2⌋ bins
 *   at max|a|, B bins at the second largest |a|: stats/layerHistograms.ts, METHOD §7), the values
 *   above each cut (stats/bucketCuts.ts), from one of two sources:
 *   `spill`: during pass 1, every value that is not certainly in bin 0 of every grid (|a| below
 *     min(max-so-far / 2B, second-so-far / B) stays below each grid's first edge whatever the final
 *     max and second largest) is appended to a temporary file, read back once after the run on
 *     worker threads (analysis/accumulateFloat.ts `secondPass`);
 *   `rerun`: the model is run a second time on the same batches and the counts are taken as the
 *     outputs arrive, against compact cuts (64 KiB per layer); the second run's max must equal the
 *     first's, or the runtime was not deterministic and the run fails.
 *   Layers none of whose occupied buckets is cut need neither. Pass 1 also keeps the 64 largest |a|
 *   (stats/topValues.ts), so the pooled view carries the same evidence as a weight layer.
 * Distinct values are counted exactly up to 4·B, all `few-levels` needs (weights: up to 65,536).
 * Per-unit view — float64 sums of |a| per unit (unitMeans.ts), the means accumulated at the end as
 * values held in memory (stats/valueStatistics.ts: every grid, the top order statistics) and fitted.
 * 16-bit float outputs are widened to F32 (exactly); F64 outputs are not analysed (pooled view).
 */
import { bfloat16FromBits, float16FromBits, float32Bits, float32FromBits } from "../../decode/floatBits.js";
import type { ByteRange, TensorData } from "../../io/tensorData.js";
import type { Executor } from "../../parallel/executor.js";
import type { OrtData, OrtElementType } from "../../runtime/onnxRuntime.js";
import type { ActivationValue, CopiedValue } from "../../runtime/onnxModel.js";
import { binValues } from "../../stats/binning.js";
import { type CompactCuts, anyCutOccupied, bucketCuts, compactCuts, countAboveCompactCuts, expandCompactAbove, gridsFromCuts } from "../../stats/bucketCuts.js";
import { type Kernels, acquireKernels } from "../../stats/kernels.js";
import { type GridCounts, type GridSpec, type LayerStatistics, layerGrids } from "../../stats/layerHistograms.js";
import { PagedFloatScan } from "../../stats/pagedFloatScan.js";
import { statisticsFromScan, statisticsFromValues } from "../../stats/valueStatistics.js";
import { emptyGrids, secondPass } from "../accumulateFloat.js";
import { LEVELS_PER_BIN, type LayerResult, type SkippedTensor, isLayerResult, layerResult } from "../layerResult.js";
import { mapLimited } from "../model.js";
import type { AnalysisSettings } from "../settings.js";
import { summarizeLayers } from "../summary.js";
import type { ActivationFields, ActivationLayer, ActivationView, ActivationViewName, SkippedActivation } from "./result.js";
import { type UnitAxisSetting, UnitMeans, unitAxisFor } from "./unitMeans.js";

export interface ActivationTensor {
  type: OrtElementType;
  dims: readonly number[];
  data: OrtData | readonly string[];
}

export interface ActivationSettings extends AnalysisSettings {
  /** Per-unit views of values with fewer units are listed as skipped. */
  minUnits: number;
  unitAxis: UnitAxisSetting;
}

/** Where pass 2 reads values from: the spill pass 1 wrote, or a second run of the model. */
export type SecondPassSource = "spill" | "rerun";

/**
 * Where pass 1 puts the values pass 2 will read (io/spillFile.ts implements it; the use case owns
 * the file): records appended per stream, read back as byte ranges.
 */
export interface ValueStore {
  append(stream: number, bytes: Uint8Array): Promise<void>;
  /** All appended bytes are readable once this resolves. */
  finish(): Promise<void>;
  ranges(stream: number): ByteRange[];
}

/** Values below max/B by this factor are in bin 0 whatever the final max (see `keepFrom`). */
const BIN_ZERO_MARGIN = 1 - 2 ** -12;

interface LayerState {
  value: ActivationValue;
  index: number;
  elements: number;
  /** Sum of the first dims of every batch; the other dims, or null once they differ between batches. */
  leading: number;
  rest: number[] | null | undefined;
  unitMeans: UnitMeans | undefined;
  scan: PagedFloatScan | undefined;
  /** Why the pooled view is not analysed (an output type other than F32/F16/BF16). */
  problem: string | undefined;
  /** Finite values written to the spill (the others are in bin 0). */
  spilled: number;
  /** Rerun pass 2: compact cuts and the counts above them, or every value binned into every grid (B > 128). */
  rerun?: { specs: GridSpec[]; compact?: CompactCuts; above?: Float64Array; grids?: GridCounts[]; maxBits: number };
}

export interface FinishOptions {
  executor: Executor;
  /** Called for every fitted layer with the statistics it was fitted from (figures). */
  onLayer?: (layer: ActivationLayer, statistics: LayerStatistics) => void;
}

let keepScratch = new Uint32Array(0);
/** Kernel buffers of 8 MiB: two million values per piece. */
const KERNEL_CHUNK_BYTES = 8 * 1024 * 1024;

export class ActivationCollector {
  private readonly layers: LayerState[];
  private readonly byName: Map<string, LayerState>;
  private kernels: Kernels | null | undefined;
  samples = 0;

  constructor(
    values: readonly ActivationValue[],
    private readonly settings: ActivationSettings,
    /** Where pass-2 values go; undefined for `rerun`. */
    private readonly spill: ValueStore | undefined,
    /** Values not observed because they copy an observed one: listed as skipped. */
    private readonly copies: readonly CopiedValue[] = [],
  ) {
    // `few-levels` needs the exact count only below 4·B; a cap there keeps hundreds of layers' sets small.
    const cap = LEVELS_PER_BIN * settings.bins;
    this.layers = values.map((value, index) => {
      const float16 = value.type === "float16" || value.type === "bfloat16";
      const analysed = value.type === "float32" || float16;
      return {
        value,
        index,
        elements: 0,
        leading: 0,
        rest: undefined,
        unitMeans: undefined,
        scan: analysed ? new PagedFloatScan(cap) : undefined,
        problem: analysed ? undefined : `${value.type} outputs are not analysed (pooled view)`,
        spilled: 0,
      };
    });
    this.byName = new Map(this.layers.map((layer) => [layer.value.name, layer]));
  }

  /** Pass 1: outputs of one run (all or some of the values) on a batch of `samples` inputs. */
  async add(outputs: Readonly<Record<string, ActivationTensor>>, samples: number, countSamples = true): Promise<void> {
    if (countSamples) this.samples += samples;
    for (const [name, tensor] of Object.entries(outputs)) {
      const layer = this.byName.get(name);
      if (!layer || typeof tensor.data[0] === "string") continue;
      const data = tensor.data as OrtData;
      const dims = tensor.dims;
      layer.elements += data.length;
      layer.leading += dims[0] ?? 1;
      const rest = dims.slice(1);
      if (layer.rest === undefined) layer.rest = rest;
      else if (layer.rest !== null && (layer.rest.length !== rest.length || layer.rest.some((dim, i) => dim !== rest[i]))) layer.rest = null;
      const values = asFloat32(data, layer.value.type);
      const unitMeans = (layer.unitMeans ??= new UnitMeans(unitAxisFor(dims.length, layer.value.layout === "channels-first", this.settings.unitAxis)));
      if (!layer.scan || !(values instanceof Float32Array)) {
        unitMeans.add(values, dims);
        continue;
      }
      await this.scanF32(layer, layer.scan, unitMeans, values, dims);
    }
  }

  /**
   * Pass 1 and the per-unit sums over F32 values, through the WebAssembly kernels in pieces of
   * whole unit blocks ([units][inner]) that fit a kernel buffer; values not in kernel memory, and
   * pieces holding NaN/Inf, take the JavaScript loops (same numbers).
   */
  private async scanF32(layer: LayerState, scan: PagedFloatScan, unitMeans: UnitMeans, values: Float32Array, dims: readonly number[]): Promise<void> {
    const kernels = (this.kernels ??= acquireKernels(KERNEL_CHUNK_BYTES, this.settings.bins) ?? null);
    const block = Math.max(1, unitMeans.blockSize(dims) ?? 1);
    const capacity = kernels ? Math.floor(KERNEL_CHUNK_BYTES / 4 / block) * block : 0;
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    const pieceLength = capacity > 0 ? capacity : values.length;
    const staging = kernels && capacity > 0 ? kernels.buffers()[0] : undefined;
    for (let start = 0; start < values.length; start += pieceLength) {
      let pieceBits = bits.subarray(start, Math.min(values.length, start + pieceLength));
      if (staging) {
        const view = new Uint32Array(staging.buffer, staging.byteOffset, pieceBits.length);
        view.set(pieceBits);
        pieceBits = view;
      }
      const nonfinite = scan.nan + scan.infinite;
      let kept: Uint32Array;
      if (this.spill) {
        // Pass-2 candidates: |a| below max-so-far / 2B and second-so-far / B stays in bin 0 of
        // every grid whatever the final max and second largest (both only grow).
        const bins = this.settings.bins;
        const second = scan.secondBits();
        const from = scan.maxBits > 0 && second > 0 ? float32Bits(Math.min(float32FromBits(scan.maxBits) / (2 * bins), float32FromBits(second) / bins) * BIN_ZERO_MARGIN) : 0;
        if (!staging && keepScratch.length < pieceBits.length) keepScratch = new Uint32Array(pieceBits.length);
        kept = scan.add(pieceBits, { from, into: keepScratch }, kernels ?? undefined);
        layer.spilled += kept.length;
        await this.spill.append(layer.index, new Uint8Array(kept.buffer, kept.byteOffset, kept.byteLength));
      } else {
        scan.add(pieceBits, undefined, kernels ?? undefined);
      }
      const pieceValues = new Float32Array(pieceBits.buffer, pieceBits.byteOffset, pieceBits.length);
      unitMeans.add(pieceValues, dims, scan.nan + scan.infinite === nonfinite ? (kernels ?? undefined) : undefined);
    }
  }

  /** Release the kernels (after the last `add`). */
  releaseKernels(): void {
    this.kernels?.release();
    this.kernels = undefined;
  }

  /**
   * After pass 1 with `rerun`: which values a second run must return (those whose pass 2 has any
   * work), with their compact cuts ready. Empty when no second run is needed.
   */
  planRerun(): string[] {
    const needed: string[] = [];
    for (const layer of this.layers) {
      if (!layer.scan || layer.elements < this.settings.minParams) continue;
      const scan = layer.scan.toFloatScan();
      const summary = scan.summary();
      const buckets = scan.float32Buckets();
      if (summary.maxAbs === 0 || !buckets) continue;
      const specs = layerGrids(this.settings.bins, summary.maxAbs, summary.top, true);
      const cuts = bucketCuts(specs, buckets, summary.top);
      if (cuts && !anyCutOccupied(buckets, cuts)) continue;
      const compact = cuts ? compactCuts(buckets, cuts) : undefined;
      layer.rerun = compact ? { specs, compact, above: new Float64Array(compact.cuts.length), maxBits: -1 } : { specs, grids: emptyGrids(specs), maxBits: -1 };
      needed.push(layer.value.name);
    }
    return needed;
  }

  /** Pass 2 of `rerun`: outputs of the second run on the same batch. */
  addRerun(outputs: Readonly<Record<string, ActivationTensor>>): void {
    for (const [name, tensor] of Object.entries(outputs)) {
      const layer = this.byName.get(name);
      const rerun = layer?.rerun;
      if (!layer || !rerun || typeof tensor.data[0] === "string") continue;
      const values = asFloat32(tensor.data as OrtData, layer.value.type) as Float32Array;
      const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
      if (rerun.compact) rerun.maxBits = Math.max(rerun.maxBits, countAboveCompactCuts(bits, rerun.compact, rerun.above!));
      else {
        for (const grid of rerun.grids!) binValues(values, grid.counts, grid.scale);
        let maxBits = rerun.maxBits;
        for (let i = 0; i < bits.length; i++) {
          const a = bits[i]! & 0x7fffffff;
          if (a > maxBits && a < 0x7f800000) maxBits = a;
        }
        rerun.maxBits = maxBits;
      }
    }
  }

  /** Values whose second run disagreed with the first (a non-deterministic runtime). */
  rerunMismatches(): string[] {
    return this.layers.filter((layer) => layer.rerun && layer.scan && layer.rerun.maxBits !== layer.scan.maxBits).map((layer) => layer.value.name);
  }

  /** Every grid of the pooled view of a layer whose pass 1 is complete (the statistics a weight layer has). */
  private async pooledStatistics(layer: LayerState, executor: Executor): Promise<LayerStatistics> {
    const scan = layer.scan!.toFloatScan();
    const summary = scan.summary();
    const buckets = scan.float32Buckets();
    const specs = layer.rerun?.specs ?? layerGrids(this.settings.bins, summary.maxAbs, summary.top, true);
    if (summary.maxAbs === 0 || !buckets) return statisticsFromScan(scan, emptyGrids(specs));
    const cuts = bucketCuts(specs, buckets, summary.top);
    if (layer.rerun) {
      const rerun = layer.rerun;
      if (rerun.compact && cuts) return statisticsFromScan(scan, gridsFromCuts(buckets, expandCompactAbove(rerun.compact, rerun.above!), cuts, specs, summary.top));
      return statisticsFromScan(scan, rerun.grids!);
    }
    if (cuts && !anyCutOccupied(buckets, cuts)) return statisticsFromScan(scan, gridsFromCuts(buckets, new Float64Array(cuts.cuts.length), cuts, specs, summary.top));
    if (!this.spill) throw new Error(`pass 2 of ${layer.value.name} has no source`);
    const data: TensorData = { ranges: this.spill.ranges(layer.index), encoding: { kind: "float", dtype: "F32" }, elements: layer.spilled };
    if (cuts) return statisticsFromScan(scan, await secondPass(data, buckets, specs, summary.top, executor, { bins: this.settings.bins }));
    // More cuts than a bucket holds (B > 128): every spilled value is binned into every grid; the
    // values not spilled are all in bin 0 of every grid.
    const grids = layer.spilled > 0 ? await secondPass(data, null, specs, summary.top, executor, { bins: this.settings.bins }) : emptyGrids(specs);
    for (const grid of grids) grid.counts[0]! += summary.finite - layer.spilled;
    return statisticsFromScan(scan, grids);
  }

  /** Fit both views of every layer. */
  async finish(options: FinishOptions): Promise<Record<ActivationViewName, ActivationView>> {
    const settings = this.settings;
    this.releaseKernels();
    await this.spill?.finish();
    // Layers are in the order the graph computes them, so a layer's index is its depth.
    const results = await mapLimited(this.layers, Math.max(2, options.executor.parallelism * 2), async (layer, depth) => {
      const shape = layer.rest ? [layer.leading, ...layer.rest] : [layer.elements];
      const units = layer.unitMeans?.units ?? null;
      const fields = (view: ActivationViewName): ActivationFields => ({ view, op: layer.value.op, node: layer.value.node, samples: this.samples, units, unit_axis: layer.unitMeans?.axis ?? null });
      const dtype = layer.value.type === "float32" ? "F32" : layer.value.type === "float16" ? "F16" : layer.value.type === "bfloat16" ? "BF16" : layer.value.type.toUpperCase();
      const identity = { name: layer.value.name, shape, params: layer.elements, dtype, depth };
      const skip = (reason: string): SkippedActivation => ({ tensor: identity.name, shape, params: layer.elements, dtype, reason, depth, ...fields("pooled") });
      let pooled: ActivationLayer | SkippedActivation;
      if (layer.problem !== undefined) pooled = skip(layer.problem);
      else if (layer.elements === 0) pooled = skip("no values (empty output)");
      else if (layer.elements < settings.minParams) pooled = skip(`fewer than --min-params ${settings.minParams} values`);
      else {
        const statistics = await this.pooledStatistics(layer, options.executor);
        pooled = this.fitted(layerResult(identity, statistics, settings), fields("pooled"), statistics, options);
      }

      const unitIdentity = { name: layer.value.name, shape: units !== null ? [units] : [], params: units ?? 0, dtype: "F64", depth };
      const unitSkip = (reason: string): SkippedActivation => ({ tensor: identity.name, shape: unitIdentity.shape, params: unitIdentity.params, dtype: "F64", reason, depth, ...fields("per_unit") });
      const means = layer.unitMeans?.means();
      let perUnit: ActivationLayer | SkippedActivation;
      if (!means) perUnit = unitSkip(layer.unitMeans?.problem ?? "no values");
      else if (means.length < settings.minUnits) perUnit = unitSkip(`fewer than --min-units ${settings.minUnits} units`);
      else {
        const statistics = statisticsFromValues(means, settings.bins);
        perUnit = this.fitted(layerResult(unitIdentity, statistics, settings), fields("per_unit"), statistics, options);
      }
      return [pooled, perUnit] as const;
    });
    // A copy sits at the depth of the output it copies.
    const depthOf = (name: string): number => Math.max(0, this.layers.findIndex((layer) => layer.value.name === name));
    const copies = (view: ActivationViewName): SkippedActivation[] =>
      this.copies.map((copy) => ({ tensor: copy.name, shape: [], params: 0, dtype: "", reason: `same values as ${JSON.stringify(copy.of)} (${copy.op})`, depth: depthOf(copy.of), view, op: copy.op, node: copy.node, samples: this.samples, units: null, unit_axis: null }));
    return {
      pooled: toView([...results.map((pair) => pair[0]), ...copies("pooled")], settings),
      per_unit: toView([...results.map((pair) => pair[1]), ...copies("per_unit")], settings),
    };
  }

  private fitted(result: LayerResult | SkippedTensor, fields: ActivationFields, statistics: LayerStatistics, options: FinishOptions): ActivationLayer | SkippedActivation {
    const layer = { ...result, ...fields };
    if (isLayerResult(result)) options.onLayer?.(layer as ActivationLayer, statistics);
    return layer;
  }
}

function toView(outcomes: readonly (ActivationLayer | SkippedActivation)[], settings: AnalysisSettings): ActivationView {
  const layers = outcomes.filter((outcome): outcome is ActivationLayer => isLayerResult(outcome));
  const skipped = outcomes.filter((outcome): outcome is SkippedActivation => !isLayerResult(outcome));
  return { layers, skipped, summary: summarizeLayers(layers, settings.includeFlagged) };
}

/** The values as F32 where that is exact (F32 as is; F16/BF16 widened); F64 as it is. */
function asFloat32(data: OrtData, type: OrtElementType): Float32Array | Float64Array {
  if (type === "float16" || type === "bfloat16") {
    const bits = data as Uint16Array;
    const decode = type === "float16" ? float16FromBits : bfloat16FromBits;
    const out = new Float32Array(bits.length);
    for (let i = 0; i < bits.length; i++) out[i] = decode(bits[i]!);
    return out;
  }
  if (data instanceof Float32Array || data instanceof Float64Array) return data;
  return Float64Array.from(data as ArrayLike<number>);
}
