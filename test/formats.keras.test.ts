/** Keras readers: .keras (stored and deflated) and legacy .h5 give the safetensors numbers; chunked/gzip HDF5; malformed files. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyzeFile, openModel } from "../src/index.js";
import { WorkerPool, accumulateTensor } from "../src/pipeline.js";
import { removeTempCopies } from "../src/io/tempFile.js";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { type MalformedFormatCase, byName, byNameWithDuplicates, expectMalformed, expectMalformedCli, fitFields } from "./helpers/formatCases.js";

const KERAS = join(GENERATED, "keras");

// The test runner's workers are killed, not exited: remove the .keras weight copies here.
afterAll(removeTempCopies);
/** Safetensors name → [Keras 3 path, Keras 2 path] of the same values. */
const NAMES: [string, string, string][] = [
  ["0.weight", "layers/dense/vars/0", "model_weights/dense/dense/kernel:0"],
  ["0.bias", "layers/dense/vars/1", "model_weights/dense/dense/bias:0"],
  ["2.weight", "layers/dense_1/vars/0", "model_weights/dense_1/dense_1/kernel:0"],
];

describe("Keras", () => {
  it(".keras (stored and deflated) and legacy .h5 give the safetensors numbers; optimizer state is skipped", async () => {
    const reference = byName((await analyzeFile(REAL_MODEL, { minParams: 1 })).layers);
    for (const [file, format, column] of [["mnist.keras", "keras", 1], ["mnist-deflated.keras", "keras", 1], ["mnist-legacy.h5", "keras-h5", 2]] as const) {
      const result = await analyzeFile(join(KERAS, file), { minParams: 1 }, { jobs: 2, chunkBytes: 4096 });
      expect(result.format, file).toBe(format);
      const layers = byName(result.layers);
      for (const names of NAMES) {
        const layer = layers.get(names[column])!;
        expect(layer, `${file} ${names[column]}`).toBeDefined();
        expect(fitFields(layer), `${file} ${names[column]}`).toEqual(fitFields(reference.get(names[0])!));
      }
      const reasons = result.skipped.map((s) => s.reason);
      expect(reasons, file).toContain("optimizer state, not a weight");
    }
    expect((await openModel(join(KERAS, "mnist.keras"))).metadata.keras_version).toBe("3.6.0");
    expect((await openModel(join(KERAS, "mnist-legacy.h5"))).metadata).toMatchObject({ keras_version: "2.15.0", backend: "tensorflow" });
  });

  it("float64 datasets equal dtypes/f64.safetensors; gzip-chunked datasets equal the contiguous ones, read in partial rows on worker threads", async () => {
    const f64 = byName((await analyzeFile(join(GENERATED, "dtypes", "f64.safetensors"))).layers);
    const result = byName((await analyzeFile(join(KERAS, "mnist-f64.h5"))).layers);
    expect(result.get("dense/kernel:0")!.dtype).toBe("FLOAT64");
    expect(fitFields(result.get("dense/kernel:0")!)).toEqual(fitFields(f64.get("0.weight")!));
    expect(fitFields(result.get("dense_1/kernel:0")!)).toEqual(fitFields(f64.get("2.weight")!));

    const chunked = await openModel(join(KERAS, "chunked.h5"));
    const plain = await openModel(join(KERAS, "mnist-legacy.h5"));
    const pool = new WorkerPool(2);
    try {
      // Chunks of 700 bytes cut the 1024-byte rows of the [784, 256] kernel anywhere.
      const options = { bins: 100, rangeBytes: 5000, chunkBytes: 700, executor: pool };
      const a = await accumulateTensor(chunked.tensors.find((t) => t.name === "dense/kernel:0")!.data!, undefined, options);
      const b = await accumulateTensor(plain.tensors.find((t) => t.name === "model_weights/dense/dense/kernel:0")!.data!, undefined, options);
      expect(a).toEqual(b);
    } finally {
      await pool.close();
    }
  });
});

describe("HDF5 layouts h5py writes (fixtures/h5py-variants.h5, committed with its script)", () => {
  it("big-endian float16/float64 and float16 with shuffle + gzip + fletcher32 give the safetensors numbers; an LZF dataset is skipped", async () => {
    const result = await analyzeFile(new URL("../fixtures/h5py-variants.h5", import.meta.url).pathname);
    expect(result.format).toBe("hdf5");
    const layers = byNameWithDuplicates(result);
    const f16 = byName((await analyzeFile(join(GENERATED, "dtypes", "f16.safetensors"))).layers).get("2.weight")!;
    const f64 = byName((await analyzeFile(join(GENERATED, "dtypes", "f64.safetensors"))).layers).get("2.weight")!;
    expect(fitFields(layers.get("be16")!)).toEqual(fitFields(f16));
    expect(fitFields(layers.get("f16-shuffle-gzip")!)).toEqual(fitFields(f16));
    expect(fitFields(layers.get("be64")!)).toEqual(fitFields(f64));
    expect(result.skipped.find((s) => s.tensor === "lzf")!.reason).toBe("HDF5 filter lzf (32000) is not available (no plugin)");
  });
});

describe("malformed Keras files: one-line error, exit 2", () => {
  const cases = ["keras-cases.json", "h5-cases.json"].flatMap((file) => JSON.parse(readFileSync(join(KERAS, "malformed", file), "utf8")) as MalformedFormatCase[]);
  it.each(cases.map((c) => [c.file.split("/").pop()!, c] as const))("%s", async (_name, testCase) => {
    await expectMalformed(testCase);
  });
  it("the CLI prints the first case as one line and exits 2 (a spawned process)", () => expectMalformedCli(cases[0]!));
});
