/** The ONNX reader: storage variants, subgraph naming, sparse and external data, malformed files. */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeFile, openModel } from "../src/index.js";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { BIG_EXTERNAL_OFFSET } from "./fixtures/makeOnnx.js";
import { type MalformedFormatCase, byName, expectMalformed, expectMalformedCli, fitFields } from "./helpers/formatCases.js";

const ONNX = join(GENERATED, "onnx");


describe("ONNX storage", () => {
  it("raw_data initializers give the safetensors numbers; INT64 and empty tensors are listed as skipped", async () => {
    const reference = await analyzeFile(REAL_MODEL);
    const onnx = await analyzeFile(join(ONNX, "initializers.onnx"));
    expect(onnx.format).toBe("onnx");
    expect(onnx.layers).toEqual(reference.layers.map((layer) => ({ ...layer, dtype: "FLOAT" })));
    const skipped = new Map(onnx.skipped.map((s) => [s.tensor, s.reason]));
    expect(skipped.get("shape")).toBe("integer dtype INT64 is not a weight");
    expect(skipped.get("empty")).toBe("empty tensor");
    expect(onnx.metadata).toMatchObject({ ir_version: "9", producer_name: "jaynes-test", opset_import: "ai.onnx:19" });
  });

  it("float_data in several packed pieces and double_data read as byte ranges", async () => {
    const reference = byName((await analyzeFile(REAL_MODEL)).layers);
    const model = await openModel(join(ONNX, "typed.onnx"));
    expect(model.tensors[0]!.data!.ranges).toHaveLength(3);
    const typed = byName((await analyzeFile(join(ONNX, "typed.onnx"))).layers);
    for (const name of ["0.weight", "2.weight"]) expect(fitFields(typed.get(name)!)).toEqual(fitFields(reference.get(name)!));
  });

  it("FLOAT16/BFLOAT16 bit patterns in int32_data (varints) equal the same values stored as F16/BF16", async () => {
    const layers = byName((await analyzeFile(join(ONNX, "int32-data.onnx"))).layers);
    const f16 = byName((await analyzeFile(join(GENERATED, "dtypes", "f16.safetensors"))).layers);
    const bf16 = byName((await analyzeFile(join(GENERATED, "dtypes", "bf16.safetensors"))).layers);
    expect(fitFields(layers.get("0.weight")!)).toEqual(fitFields(f16.get("0.weight")!));
    expect(fitFields(layers.get("2.weight")!)).toEqual(fitFields(bf16.get("2.weight")!));
    expect(layers.get("0.weight")!.dtype).toBe("FLOAT16");
  });

  it("sparse initializers are densified: stored values plus implicit zeros equal the dense tensor", async () => {
    const layers = byName((await analyzeFile(join(ONNX, "sparse.onnx"))).layers);
    expect(layers.get("dense")!.zeros).toBeGreaterThan(10_000);
    expect(fitFields(layers.get("sparse")!)).toEqual(fitFields(layers.get("dense")!));
    expect(fitFields(layers.get("sparse16")!)).toEqual(fitFields(layers.get("dense16")!));
    expect(layers.get("sparse")!.shape).toEqual([128, 256]);
  });

  it("a sparse tensor of 10^12 elements around one value is not densified (it would stream terabytes of zeros)", async () => {
    const result = await analyzeFile(join(ONNX, "sparse.onnx"), { minParams: 0 });
    expect(result.skipped.find((s) => s.tensor === "huge")?.reason).toMatch(/more than 100 implicit zeros per value are not densified/);
  });

  it("external data relative to the model's folder, with and without a length; a directory is one model", async () => {
    const reference = byName((await analyzeFile(REAL_MODEL)).layers);
    for (const input of [join(ONNX, "external", "model.onnx"), join(ONNX, "external")]) {
      const result = await analyzeFile(input);
      expect(result.files.map((file) => file.split("/").pop())).toEqual(["model.onnx", "weights.bin"]);
      const layers = byName(result.layers);
      for (const name of ["0.weight", "2.weight"]) expect(fitFields(layers.get(name)!)).toEqual(fitFields(reference.get(name)!));
    }
  });

  it("reads external data beyond 2 GiB by offset (sparse file, nothing allocated for the hole)", async () => {
    expect(statSync(join(ONNX, "external-2g", "big.bin")).size).toBeGreaterThan(2 ** 31);
    const model = await openModel(join(ONNX, "external-2g", "model.onnx"));
    expect(model.tensors[0]!.data!.ranges[0]!.offset).toBe(BIG_EXTERNAL_OFFSET);
    const reference = byName((await analyzeFile(REAL_MODEL)).layers);
    const layers = byName((await analyzeFile(join(ONNX, "external-2g", "model.onnx"))).layers);
    expect(fitFields(layers.get("2.weight")!)).toEqual(fitFields(reference.get("2.weight")!));
  });
});

describe("ONNX graphs", () => {
  it("finds Constant tensors in the main graph, every If branch, a Loop body and functions, with unique path names", async () => {
    const model = await openModel(join(ONNX, "subgraphs.onnx"));
    const names = model.tensors.map((t) => [t.name, t.originalName]);
    expect(names).toEqual([
      ["0.weight", undefined],
      ["If_0/then_branch/shared.weight", "shared.weight"],
      ["If_0/else_branch/shared.weight", "shared.weight"],
      ["Loop_0/body/inner_if/then_branch/shared.weight", "shared.weight"],
      ["function:local.scale/fn.weight", "fn.weight"],
    ]);
    const result = await analyzeFile(join(ONNX, "subgraphs.onnx"));
    const layers = byName(result.layers);
    const then = layers.get("If_0/then_branch/shared.weight")!;
    expect(then.original_name).toBe("shared.weight");
    // The else branch holds the same values doubled: the same histogram, twice the max.
    expect(layers.get("If_0/else_branch/shared.weight")!.max_abs).toBe(2 * then.max_abs);
    expect(layers.get("If_0/else_branch/shared.weight")!.mu).toBe(then.mu);
  });
});

describe("malformed ONNX: one-line error naming the file and byte offset, exit 2", () => {
  const cases = JSON.parse(readFileSync(join(ONNX, "malformed", "cases.json"), "utf8")) as MalformedFormatCase[];
  it.each(cases.map((c) => [c.file.split("/").pop()!, c] as const))("%s", async (_name, testCase) => {
    await expectMalformed(testCase);
  });
  it("the CLI prints the first case as one line and exits 2 (a spawned process)", () => expectMalformedCli(cases[0]!));
});
