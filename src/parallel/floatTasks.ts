/**
 * The float tasks (scan, grids, cuts, refine, scan-and-bin) over chunks decoded by a `FloatCodec`:
 * shared by plain float tensors (tasks.ts) and quantised tensors decoded to floats (quantTasks.ts).
 */
import type { FloatCodec } from "../decode/codec.js";
import type { ReadIntent } from "../io/byteSource.js";
import { binValues as binAny } from "../stats/binning.js";
import { countAboveCuts } from "../stats/bucketCuts.js";
import { FloatScan } from "../stats/floatScan.js";
import type { Kernels } from "../stats/kernels.js";
import { layerGrids, quantileRank } from "../stats/layerHistograms.js";
import { DIGIT_VALUES, countNextDigit } from "../stats/quantileDigits.js";
import type { AccumulateResult, HistogramTask } from "./taskTypes.js";

/** Bin counters a task needs in kernel memory (the largest grid it bins). */
export function kernelBins(task: HistogramTask): number {
  if (task.kind === "grids") return Math.max(0, ...task.grids.map((grid) => grid.bins));
  if (task.kind === "scan-and-bin") return 2 * task.bins;
  return 0;
}

/** How a task reads its bytes: a scan's (and a refine pass's) bytes are read again by a later pass; remote sources keep them in between. */
export function readIntent(task: HistogramTask): ReadIntent {
  if (task.kind === "scan" || task.kind === "refine") return "again";
  return task.kind === "grids" || task.kind === "cuts" ? "last" : "once";
}

/**
 * The float tasks over decoded chunks: `chunks(report)` yields the range's bytes (reporting them
 * when `report`), `codec` decodes them, starting at `firstElement`.
 */
export async function runFloatTask(task: HistogramTask, codec: FloatCodec, chunks: (report: boolean) => AsyncGenerator<Uint8Array>, firstElement: number, kernels: Kernels | undefined): Promise<AccumulateResult> {
  switch (task.kind) {
    case "scan": {
      const scan = new FloatScan(task.distinctCap);
      await forEachDecoded(codec, chunks(true), firstElement, (values) => scanValues(scan, values, kernels));
      kernels?.flush();
      return { kind: "scan", state: scan.toState() };
    }
    case "grids": {
      const counts = task.grids.map((grid) => new Float64Array(grid.bins));
      await forEachDecoded(codec, chunks(false), firstElement, (values) => task.grids.forEach((grid, g) => binValues(values, counts[g]!, grid.scale, kernels)));
      return { kind: "grids", counts };
    }
    case "cuts": {
      const above = new Float64Array(task.cuts.cuts.length);
      await forEachDecoded(codec, chunks(false), firstElement, (values) => {
        if (!(values instanceof Float32Array)) throw new Error("cuts task on non-F32 values");
        if (kernels?.holds(values)) kernels.countAboveCuts(values, task.cuts, above);
        else countAboveCuts(values, task.cuts, above);
      });
      kernels?.flush();
      return { kind: "cuts", above };
    }
    case "refine": {
      const counts = new Float64Array(DIGIT_VALUES);
      await forEachDecoded(codec, chunks(false), firstElement, (values) => countNextDigit(values, task.prefix, counts));
      return { kind: "refine", counts };
    }
    case "scan-and-bin": {
      const scan = new FloatScan(task.distinctCap);
      const decoded: (Float32Array | Float64Array)[] = [];
      let chunkCount = 0;
      await forEachDecoded(codec, chunks(true), firstElement, (values) => {
        scanValues(scan, values, kernels);
        // The caller sends one chunk's worth; a copy is needed only if the range spans chunks
        // (the read buffers are reused).
        decoded.push(chunkCount++ === 0 ? values : values.slice());
      });
      if (decoded.length > 1) decoded[0] = decoded[0]!.slice();
      kernels?.flush();
      const summary = scan.summary();
      const state = scan.toState();
      const scale = task.normaliser.kind === "quantile" ? exactQuantileOf(decoded, task.normaliser.q) : summary.maxAbs;
      const grids = layerGrids(task.bins, scale, summary.top, task.normaliser.kind === "max").map((grid) => ({ ...grid, counts: new Float64Array(grid.bins) }));
      if (scale > 0) for (const values of decoded) for (const grid of grids) binValues(values, grid.counts, grid.scale, kernels);
      return { kind: "scan-and-bin", state, grids };
    }
    case "codes":
    case "quant-count":
      throw new Error(`${task.kind} task on a float encoding`);
  }
}

export async function forEachDecoded(codec: FloatCodec, chunks: AsyncGenerator<Uint8Array>, firstElement: number, visit: (values: Float32Array | Float64Array) => void): Promise<void> {
  let element = firstElement;
  for await (const chunk of chunks) {
    const values = codec.decode(chunk, element);
    element += values.length;
    visit(values);
  }
}

export function scanValues(scan: FloatScan, values: Float32Array | Float64Array, kernels: Kernels | undefined): void {
  if (values instanceof Float32Array) scan.addFloat32Bits(new Uint32Array(values.buffer, values.byteOffset, values.length), kernels);
  else scan.addFloat64(values);
}

export function binValues(values: Float32Array | Float64Array, counts: Float64Array, maxAbs: number, kernels: Kernels | undefined): void {
  if (values instanceof Float32Array && kernels?.holds(values)) kernels.bin32(values, counts, maxAbs);
  else binAny(values, counts, maxAbs);
}

/** The exact Q-quantile of the finite |w| of a tensor held in memory (stats/layerHistograms.ts quantileRank). */
function exactQuantileOf(parts: readonly (Float32Array | Float64Array)[], q: number): number {
  const magnitudes: number[] = [];
  for (const values of parts) for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) magnitudes.push(Math.abs(values[i]!));
  if (magnitudes.length === 0) return 0;
  const sorted = Float64Array.from(magnitudes).sort();
  return sorted[quantileRank(q, sorted.length) - 1]!;
}
