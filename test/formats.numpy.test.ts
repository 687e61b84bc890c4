/** The NumPy readers: .npy versions, byte orders and Fortran order; .npz stored, deflated and zip64; malformed files. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeFile, openModel } from "../src/index.js";
import { WorkerPool, accumulateTensor } from "../src/pipeline.js";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { type MalformedFormatCase, byName, expectMalformed, expectMalformedCli, fitFields } from "./helpers/formatCases.js";

const NUMPY = join(GENERATED, "numpy");

describe("NumPy .npy", () => {
  it("version 1/2/3 headers, Fortran order and big-endian float64 give the safetensors numbers", async () => {
    const reference = byName((await analyzeFile(REAL_MODEL)).layers);
    const f64 = byName((await analyzeFile(join(GENERATED, "dtypes", "f64.safetensors"))).layers);
    const one = async (file: string) => {
      const result = await analyzeFile(join(NUMPY, file));
      expect(result.format).toBe("npy");
      expect(result.layers).toHaveLength(1);
      return result.layers[0]!;
    };
    const w0 = await one("0.weight.npy");
    expect(w0.tensor).toBe("0.weight");
    expect(w0.dtype).toBe("FLOAT32");
    expect(fitFields(w0)).toEqual(fitFields(reference.get("0.weight")!));
    expect(fitFields(await one("fortran.npy"))).toEqual(fitFields(reference.get("0.weight")!));
    expect(fitFields(await one("v3.npy"))).toEqual(fitFields(reference.get("2.weight")!));
    const be = await one("be-f64.npy");
    expect(be.dtype).toBe("FLOAT64_BE");
    expect(fitFields(be)).toEqual(fitFields(f64.get("2.weight")!));
  });
});

describe("NumPy .npz", () => {
  it("stored, deflated and zip64 archives give the safetensors numbers; int members are skipped", async () => {
    const reference = await analyzeFile(REAL_MODEL);
    const f16 = byName((await analyzeFile(join(GENERATED, "dtypes", "f16.safetensors"))).layers);
    for (const file of ["mnist.npz", "mnist-compressed.npz", "mnist-zip64.npz"]) {
      const result = await analyzeFile(join(NUMPY, file), {}, { jobs: 2, chunkBytes: 64 * 1024 });
      expect(result.format).toBe("npz");
      const layers = byName(result.layers);
      for (const layer of reference.layers) expect(fitFields(layers.get(layer.tensor)!), `${file} ${layer.tensor}`).toEqual(fitFields(layer));
      expect(fitFields(layers.get("f16/2.weight")!)).toEqual(fitFields(f16.get("2.weight")!));
      expect(result.skipped.find((s) => s.tensor === "steps")!.reason).toBe("integer dtype INT64 is not a weight");
    }
  });

  it("a deflated member is described as a span of its inflated content, never split", async () => {
    const model = await openModel(join(NUMPY, "mnist-compressed.npz"));
    const w0 = model.tensors.find((t) => t.name === "0.weight")!;
    expect(w0.data!.compression).toMatchObject({ method: "deflate-raw", start: 128, bytes: 256 * 784 * 4, inflatedBytes: 128 + 256 * 784 * 4, member: "0.weight.npy" });
    const stored = await openModel(join(NUMPY, "mnist.npz"));
    const s0 = stored.tensors.find((t) => t.name === "0.weight")!;
    expect(s0.data!.compression).toBeUndefined();
    // Tiny task ranges and chunks on two worker threads: the stored tensor is split, the deflated one
    // streams in one pass; both give the same statistics.
    const pool = new WorkerPool(2);
    try {
      const options = { bins: 100, rangeBytes: 4096, chunkBytes: 16 * 1024, executor: pool };
      expect(await accumulateTensor(w0.data!, undefined, options)).toEqual(await accumulateTensor(s0.data!, undefined, options));
    } finally {
      await pool.close();
    }
  });
});

describe("malformed NumPy files: one-line error, exit 2", () => {
  const cases = ["npy-cases.json", "npz-cases.json"].flatMap((file) => JSON.parse(readFileSync(join(NUMPY, "malformed", file), "utf8")) as MalformedFormatCase[]);
  it.each(cases.map((c) => [c.file.split("/").pop()!, c] as const))("%s", async (_name, testCase) => {
    await expectMalformed(testCase);
  });
  it("the CLI prints the first case as one line and exits 2 (a spawned process)", () => expectMalformedCli(cases[0]!));
});
