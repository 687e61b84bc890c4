/**
 * Parallel and WebAssembly paths compute exactly what the single-threaded JavaScript loops compute:
 * a tensor cut into many small ranges on worker threads gives the same statistics, and every kernel
 * agrees with its JavaScript reference bit for bit.
 */
import { describe, expect, it } from "vitest";
import { analyzeFile, openModel } from "../src/index.js";
import { accumulateTensor } from "../src/pipeline.js";
import { InlineExecutor } from "../src/parallel/executor.js";
import { WorkerPool } from "../src/parallel/pool.js";
import { binValues } from "../src/stats/binning.js";
import { bucketCuts, countAboveCuts, gridsFromCuts } from "../src/stats/bucketCuts.js";
import { layerGrids } from "../src/stats/layerHistograms.js";
import { countCodes16, countCodes8, foldCounts, newCodeTable } from "../src/stats/codeTable.js";
import { FloatScan } from "../src/stats/floatScan.js";
import { acquireKernels } from "../src/stats/kernels.js";
import { REAL_MODEL, GENERATED } from "./fixtures/make.js";
import { gaussian, mulberry32 } from "./helpers/random.js";
import { join } from "node:path";

function testValues(n: number): Float32Array {
  const normal = gaussian(mulberry32(5));
  const values = Float32Array.from({ length: n }, () => 0.03 * normal());
  values[1] = 0;
  values[2] = -0;
  values[3] = NaN;
  values[4] = Infinity;
  values[5] = -Infinity;
  values[6] = 1e-42; // subnormal
  return values;
}

describe("WebAssembly kernels agree with the JavaScript loops", () => {
  const kernels = acquireKernels(1 << 20, 100)!;
  const [buffer] = kernels.buffers();

  it("are available (committed in src/stats/kernelsModule.ts)", () => {
    expect(kernels).toBeDefined();
  });

  it("scan32 and bin32 (odd lengths, NaN, ±Inf, ±0, subnormals)", () => {
    const values = testValues(100_003);
    buffer.set(new Uint8Array(values.buffer));
    const inKernel = new Float32Array(buffer.buffer, buffer.byteOffset, values.length);
    const viaKernel = new FloatScan();
    viaKernel.addFloat32Bits(new Uint32Array(buffer.buffer, buffer.byteOffset, values.length), kernels);
    kernels.flush();
    const viaJs = new FloatScan();
    viaJs.addFloat32Bits(new Uint32Array(values.buffer));
    expect(viaKernel.summary()).toEqual(viaJs.summary());
    const max = viaJs.summary().maxAbs;
    for (const bins of [100, 64, 7, 1000]) {
      const a = new Float64Array(bins);
      const b = new Float64Array(bins);
      kernels.bin32(inKernel, a, max);
      binValues(values, b, max);
      expect(Array.from(a)).toEqual(Array.from(b));
      // Whole buckets from pass-1 counts + counts above each bucket's cuts = every value binned, on
      // every grid (2B, B/2, the second and third largest |w| as the maximum; layerHistograms.ts).
      const top = viaJs.summary().top;
      const specs = layerGrids(bins, max, top, true);
      const buckets = viaJs.float32Buckets()!;
      const cuts = bucketCuts(specs, buckets, top);
      if (!cuts) {
        expect(bins % 2 === 1 || bins > 128).toBe(true); // more than four cuts per bucket are possible only then
        continue;
      }
      const jsAbove = new Float64Array(cuts.cuts.length);
      countAboveCuts(values, cuts, jsAbove);
      const grids = gridsFromCuts(buckets, jsAbove, cuts, specs, top);
      for (const grid of grids) {
        const direct = new Float64Array(grid.bins);
        binValues(values, direct, grid.scale);
        expect(Array.from(grid.counts)).toEqual(Array.from(direct));
      }
      expect(Array.from(grids[0]!.counts)).toEqual(Array.from(b));
      const kernelAbove = new Float64Array(cuts.cuts.length);
      kernels.countAboveCuts(inKernel, cuts, kernelAbove);
      kernels.flush();
      expect(Array.from(kernelAbove)).toEqual(Array.from(jsAbove));
    }
  });

  it("count16 and count8 (odd lengths)", () => {
    const codes = Uint16Array.from({ length: 50_001 }, (_, i) => (i * 2654435761) >>> 20);
    buffer.set(new Uint8Array(codes.buffer));
    const viaKernel = newCodeTable(16);
    kernels.count16(new Uint16Array(buffer.buffer, buffer.byteOffset, codes.length), viaKernel);
    kernels.flush();
    const viaJs = newCodeTable(16);
    const partial = new Uint32Array(65536);
    countCodes16(codes, partial);
    foldCounts(viaJs, partial);
    expect(viaKernel).toEqual(viaJs);
    const bytes = new Uint8Array(codes.buffer, 0, 99_999);
    buffer.set(bytes);
    const k8 = newCodeTable(8);
    kernels.count8(buffer.subarray(0, bytes.length), k8);
    kernels.flush();
    const j8 = newCodeTable(8);
    const p8 = new Uint32Array(256);
    countCodes8(bytes, p8);
    foldCounts(j8, p8);
    expect(k8).toEqual(j8);
  });
});

describe("worker threads", () => {
  it("a tensor cut into many ranges on a worker pool gives the inline statistics exactly", async () => {
    const model = await openModel(REAL_MODEL);
    const pool = new WorkerPool(2);
    const inline = new InlineExecutor();
    try {
      for (const tensor of model.tensors.filter((t) => t.params > 10_000)) {
        const whole = await accumulateTensor(tensor.data!, undefined, { bins: 100, executor: inline });
        const parts = await accumulateTensor(tensor.data!, undefined, { bins: 100, executor: pool, rangeBytes: 40_000, chunkBytes: 8_192 });
        expect(parts).toEqual(whole);
      }
    } finally {
      await Promise.all([pool.close(), inline.close()]);
    }
  });

  it("16-bit code tables split across workers merge to the whole", async () => {
    const path = join(GENERATED, "dtypes", "bf16.safetensors");
    const single = await analyzeFile(path, {}, { jobs: 1 });
    const model = await openModel(path);
    const pool = new WorkerPool(2);
    try {
      for (const tensor of model.tensors.filter((t) => t.params >= 10_000)) {
        const parts = await accumulateTensor(tensor.data!, undefined, { bins: 100, executor: pool, rangeBytes: 10_000, chunkBytes: 4_096 });
        const layer = single.layers.find((l) => l.tensor === tensor.name)!;
        expect(parts.maxAbs).toBe(layer.max_abs);
        expect(parts.distinct).toBe(layer.distinct);
      }
    } finally {
      await pool.close();
    }
  });

  it("input errors raised on a worker reach the caller as the same one-line InputError", async () => {
    const model = await openModel(REAL_MODEL);
    const tensor = model.tensors.find((t) => t.name === "0.weight")!;
    const broken = { ...tensor.data!, ranges: [{ ...tensor.data!.ranges[0]!, source: "/nonexistent/shard.safetensors" }] };
    const pool = new WorkerPool(1);
    try {
      await expect(accumulateTensor(broken, undefined, { bins: 100, executor: pool })).rejects.toMatchObject({ name: "InputError", code: "io" });
    } finally {
      await pool.close();
    }
  });
});
