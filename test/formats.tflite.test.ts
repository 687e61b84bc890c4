/** The TFLite reader: float and quantised constant tensors, sparse and out-of-flatbuffer buffers, malformed files. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeFile, openModel } from "../src/index.js";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { type MalformedFormatCase, byName, expectMalformed, expectMalformedCli, fitFields } from "./helpers/formatCases.js";

const TFLITE = join(GENERATED, "tflite");

describe("TFLite constant tensors", () => {
  it("FLOAT32 buffers give the safetensors numbers; activations are not listed, INT32 is skipped", async () => {
    const reference = await analyzeFile(REAL_MODEL);
    const result = await analyzeFile(join(TFLITE, "float.tflite"));
    expect(result.format).toBe("tflite");
    expect(result.layers).toEqual(reference.layers.map((layer) => ({ ...layer, dtype: "FLOAT32" })));
    const model = await openModel(join(TFLITE, "float.tflite"));
    expect(model.tensors.map((t) => t.name)).not.toContain("input");
    expect(result.skipped.find((s) => s.tensor === "reshape/shape")?.reason).toBe("integer dtype INT32 is not a weight");
    expect(result.metadata).toMatchObject({ schema_version: "3", description: "jaynes test" });
  });

  it("FLOAT16 buffers equal the F16 safetensors re-encoding", async () => {
    const tflite = byName((await analyzeFile(join(TFLITE, "f16.tflite"))).layers);
    const f16 = byName((await analyzeFile(join(GENERATED, "dtypes", "f16.safetensors"))).layers);
    for (const name of ["0.weight", "2.weight"]) expect(fitFields(tflite.get(name)!)).toEqual(fitFields(f16.get(name)!));
  });

  it("INT8 per-channel and UINT8 per-tensor quantisation are dequantised exactly; unquantised INT8 is skipped", async () => {
    const result = await analyzeFile(join(TFLITE, "quantized.tflite"));
    const layers = byName(result.layers);
    const expected = byName((await analyzeFile(join(TFLITE, "quantized-expected.safetensors"))).layers);
    for (const name of ["0.weight", "2.weight"]) expect(fitFields(layers.get(name)!)).toEqual(fitFields(expected.get(name)!));
    expect(layers.get("0.weight")!.quantization).toBe("INT8 affine per-channel along axis 0 (256 scales)");
    expect(layers.get("2.weight")!.quantization).toMatch(/^UINT8 affine per-tensor \(scale [\d.e-]+, zero point \d+\)$/);
    expect(result.skipped.find((s) => s.tensor === "raw-int8")?.reason).toBe("integer dtype INT8 without quantization parameters is not a weight");
  });

  it("a sparse tensor (non-zeros stored) is densified with its implicit zeros", async () => {
    const layers = byName((await analyzeFile(join(TFLITE, "sparse.tflite"))).layers);
    expect(fitFields(layers.get("sparse")!)).toEqual(fitFields(layers.get("dense")!));
  });

  it("reads a buffer stored after the flatbuffer by offset/size", async () => {
    const reference = byName((await analyzeFile(REAL_MODEL)).layers);
    const model = await openModel(join(TFLITE, "outside.tflite"));
    const outside = model.tensors.find((t) => t.name === "2.weight")!;
    expect(outside.data!.ranges[0]!.offset % 16).toBe(0);
    const layers = byName((await analyzeFile(join(TFLITE, "outside.tflite"))).layers);
    for (const name of ["0.weight", "2.weight"]) expect(fitFields(layers.get(name)!)).toEqual(fitFields(reference.get(name)!));
  });

  it("tensors of later subgraphs are prefixed with the subgraph name", async () => {
    const model = await openModel(join(TFLITE, "subgraphs.tflite"));
    expect(model.tensors.map((t) => [t.name, t.originalName])).toEqual([
      ["2.weight", undefined],
      ["cond/2.weight", "2.weight"],
    ]);
  });
});

describe("malformed TFLite: one-line error, exit 2", () => {
  const cases = JSON.parse(readFileSync(join(TFLITE, "malformed", "cases.json"), "utf8")) as MalformedFormatCase[];
  it.each(cases.map((c) => [c.file.split("/").pop()!, c] as const))("%s", async (_name, testCase) => {
    await expectMalformed(testCase);
  });
  it("the CLI prints the first case as one line and exits 2 (a spawned process)", () => expectMalformedCli(cases[0]!));
});
