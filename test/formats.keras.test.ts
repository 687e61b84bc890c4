/** The Keras readers: legacy HDF5 (contiguous, chunked+gzip, float64), .keras stored and deflated, malformed files. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WorkerPool, accumulateTensor, analyzeFile, openModel } from "../src/index.js";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { kerasNames } from "./fixtures/makeKeras.js";
import { type MalformedFormatCase, byName, expectMalformed, fitFields } from "./helpers/formatCases.js";

const KERAS = join(GENERATED, "keras");

describe("Keras HDF5 weights", () => {
  it("legacy .h5 files, contiguous or chunked with gzip, give the safetensors numbers under their dataset paths", async () => {
    const reference = await analyzeFile(REAL_MODEL);
    const f64 = byName((await analyzeFile(join(GENERATED, "dtypes", "f64.safetensors"))).layers);
    for (const file of ["mnist.h5", "mnist-chunked.h5"]) {
      const result = await analyzeFile(join(KERAS, file));
      expect(result.format).toBe("keras-h5");
      const layers = byName(result.layers);
      for (const layer of reference.layers) {
        const name = kerasNames(layer.tensor).legacy;
        const expected = file === "mnist-chunked.h5" && layer.tensor === "2.weight" ? f64.get("2.weight")! : layer;
        expect(fitFields(layers.get(name)!), `${file} ${name}`).toEqual(fitFields(expected));
      }
      expect(layers.get("model_weights/dense/dense/kernel:0")!.shape).toEqual([784, 256]);
      expect(result.skipped.find((s) => s.tensor === "optimizer_weights/iteration:0")!.reason).toBe("integer dtype I64 is not a weight");
    }
  });

  it(".keras archives (stored and deflated members) give the safetensors numbers; metadata.json is read", async () => {
    const reference = await analyzeFile(REAL_MODEL);
    for (const file of ["mnist.keras", "mnist-deflated.keras"]) {
      const result = await analyzeFile(join(KERAS, file));
      expect(result.format).toBe("keras");
      expect(result.metadata.keras_version).toBe("3.4.1");
      const layers = byName(result.layers);
      for (const layer of reference.layers) expect(fitFields(layers.get(kerasNames(layer.tensor).keras3)!), `${file} ${layer.tensor}`).toEqual(fitFields(layer));
    }
  });

  it("HDF5 datasets stream in chunks on worker threads like any tensor", async () => {
    const model = await openModel(join(KERAS, "mnist-chunked.h5"));
    const kernel = model.tensors.find((t) => t.name === "model_weights/dense/dense/kernel:0")!;
    const inline = await accumulateTensor(kernel.data!, undefined, { bins: 100, chunkBytes: 4096 * 3 + 4 * 784 });
    const pool = new WorkerPool(2);
    try {
      expect(await accumulateTensor(kernel.data!, undefined, { bins: 100, rangeBytes: 64 * 1024, chunkBytes: 8192, executor: pool })).toEqual(inline);
    } finally {
      await pool.close();
    }
    // Chunks that end inside rows exercise the partial-row hyperslabs: still the safetensors statistics.
    const reference = (await openModel(REAL_MODEL)).tensors.find((t) => t.name === "0.weight")!;
    expect(inline).toEqual(await accumulateTensor(reference.data!, undefined, { bins: 100 }));
  });
});

describe("HDF5 layouts h5py writes (fixtures/h5py-variants.h5, committed with its script)", () => {
  it("big-endian float16/float64, float16 with shuffle + gzip + fletcher32 give the safetensors numbers; an LZF dataset is skipped", async () => {
    const result = await analyzeFile(new URL("../fixtures/h5py-variants.h5", import.meta.url).pathname);
    const layers = byName(result.layers);
    const f16 = byName((await analyzeFile(join(GENERATED, "dtypes", "f16.safetensors"))).layers).get("2.weight")!;
    const f64 = byName((await analyzeFile(join(GENERATED, "dtypes", "f64.safetensors"))).layers).get("2.weight")!;
    expect(fitFields(layers.get("be16")!)).toEqual(fitFields(f16));
    expect(fitFields(layers.get("f16-shuffle-gzip")!)).toEqual(fitFields(f16));
    expect(fitFields(layers.get("be64")!)).toEqual(fitFields(f64));
    expect(result.skipped.find((s) => s.tensor === "lzf")!.reason).toBe("HDF5 filter lzf (32000) is not available (no plugin)");
  });
});

describe("malformed Keras files: one-line error, exit 2", () => {
  const cases = ["h5-cases.json", "keras-cases.json"].flatMap((file) => JSON.parse(readFileSync(join(KERAS, "malformed", file), "utf8")) as MalformedFormatCase[]);
  it.each(cases.map((c) => [c.file.split("/").pop()!, c] as const))("%s", (_name, testCase) => expectMalformed(testCase));
});
