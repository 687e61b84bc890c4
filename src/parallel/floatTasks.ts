/**
 * The float tasks (scan, bin, above, scan-and-bin) over chunks decoded by a `FloatCodec`: shared by
 * plain float tensors (tasks.ts) and quantised tensors decoded to floats (quantTasks.ts).
 */
import type { FloatCodec } from "../decode/codec.js";
import { binValues as binAny, countAbove32 } from "../stats/binning.js";
import { FloatScan } from "../stats/floatScan.js";
import type { Kernels } from "../stats/kernels.js";
import type { AccumulateResult, HistogramTask } from "./taskTypes.js";

/**
 * The float tasks (scan, bin, above, scan-and-bin) over decoded chunks: `chunks(report)` yields the
 * range's bytes (reporting them when `report`), `codec` decodes them, starting at `firstElement`.
 */
export async function runFloatTask(task: HistogramTask, codec: FloatCodec, chunks: (report: boolean) => AsyncGenerator<Uint8Array>, firstElement: number, kernels: Kernels | undefined): Promise<AccumulateResult> {
  switch (task.kind) {
    case "scan": {
      const scan = new FloatScan(task.distinctCap);
      await forEachDecoded(codec, chunks(true), firstElement, (values) => scanValues(scan, values, kernels));
      kernels?.flush();
      return { kind: "scan", state: scan.toState() };
    }
    case "bin": {
      const counts = new Float64Array(task.bins);
      await forEachDecoded(codec, chunks(false), firstElement, (values) => binValues(values, counts, task.maxAbs, kernels));
      return { kind: "bin", counts };
    }
    case "above": {
      const above = new Float64Array(task.splits.thresholds.length);
      await forEachDecoded(codec, chunks(false), firstElement, (values) => {
        if (!(values instanceof Float32Array)) throw new Error("above task on non-F32 values");
        if (kernels?.holds(values)) kernels.countAbove32(values, task.splits, above);
        else countAbove32(values, task.splits, above);
      });
      kernels?.flush();
      return { kind: "above", above };
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
      const maxAbs = scan.summary().maxAbs;
      const state = scan.toState();
      const counts = new Float64Array(task.bins);
      if (maxAbs > 0) for (const values of decoded) binValues(values, counts, maxAbs, kernels);
      return { kind: "scan-and-bin", state, counts };
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
