/** The PyTorch reader: state_dicts, dtypes, protocols, views and shared storages, nesting, refusals. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeFile, openModel } from "../src/index.js";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { type MalformedFormatCase, byName, byNameWithDuplicates, expectMalformed, expectMalformedCli, fitFields } from "./helpers/formatCases.js";

const TORCH = join(GENERATED, "pytorch");
const layersOf = async (path: string) => byName((await analyzeFile(path)).layers);

describe("PyTorch checkpoints", () => {
  it("a protocol-2 state_dict gives the safetensors numbers; the int64 counter is skipped", async () => {
    const reference = await analyzeFile(REAL_MODEL);
    const result = await analyzeFile(join(TORCH, "mnist.pt"));
    expect(result.format).toBe("pytorch");
    expect(result.layers).toEqual(reference.layers);
    expect(result.skipped.find((s) => s.tensor === "num_batches_tracked")!.reason).toBe("integer dtype I64 is not a weight");
  });

  it("protocol 4, BF16, F16, float8 through _rebuild_tensor_v3 and a Parameter", async () => {
    const layers = await layersOf(join(TORCH, "mnist-p4.bin"));
    const bf16 = await layersOf(join(GENERATED, "dtypes", "bf16.safetensors"));
    const f16 = await layersOf(join(GENERATED, "dtypes", "f16.safetensors"));
    const f8 = await layersOf(join(GENERATED, "dtypes", "f8_e4m3.safetensors"));
    expect(fitFields(layers.get("0.weight")!)).toEqual(fitFields(bf16.get("0.weight")!));
    expect(layers.get("0.weight")!.dtype).toBe("BF16");
    expect(fitFields(layers.get("2.weight")!)).toEqual(fitFields(f16.get("2.weight")!));
    expect(fitFields(layers.get("f8.0.weight")!)).toEqual(fitFields(f8.get("0.weight")!));
    const model = await openModel(join(TORCH, "mnist-p4.bin"));
    expect(model.tensors.find((t) => t.name === "2.bias")!.data!.encoding).toEqual({ kind: "float", dtype: "F32" });
  });

  it("views: storage offsets, shared storages, a transpose and a tied weight are exact; gaps are runs; repeats are skipped", async () => {
    const reference = byName((await analyzeFile(REAL_MODEL, { minParams: 100 })).layers);
    const result = await analyzeFile(join(TORCH, "views.pt"), { minParams: 100 });
    const layers = byNameWithDuplicates(result);
    for (const name of ["2.bias", "2.weight", "0.weight"]) expect(fitFields(layers.get(name)!)).toEqual(fitFields(reference.get(name)!));
    expect(fitFields(layers.get("0.weight.T")!)).toEqual(fitFields(reference.get("0.weight")!));
    expect(fitFields(layers.get("tied")!)).toEqual(fitFields(reference.get("0.weight")!));
    const expected = await layersOf(join(TORCH, "views-expected.safetensors"));
    expect(fitFields(layers.get("left")!)).toEqual(fitFields(expected.get("left")!));
    const model = await openModel(join(TORCH, "views.pt"));
    expect(model.tensors.find((t) => t.name === "left")!.data!.ranges).toHaveLength(256);
    expect(model.tensors.find((t) => t.name === "0.weight.T")!.data!.ranges).toHaveLength(1);
    const skipped = new Map(result.skipped.map((s) => [s.tensor, s.reason]));
    expect(skipped.get("expanded")).toBe("expanded view (zero stride): its elements repeat");
    expect(skipped.get("every-other")).toBe("strided view of 100352 separate storage runs (more than 4096)");
  });

  it("a sharded checkpoint (pytorch_model.bin.index.json) is one model, also as its directory", async () => {
    const reference = await analyzeFile(REAL_MODEL);
    for (const input of [join(TORCH, "sharded", "pytorch_model.bin.index.json"), join(TORCH, "sharded")]) {
      const result = await analyzeFile(input);
      expect(result.format).toBe("pytorch");
      expect(result.files).toHaveLength(3);
      expect(result.layers).toEqual(reference.layers);
    }
  });

  it("big-endian storages", async () => {
    const reference = await layersOf(REAL_MODEL);
    const layers = await layersOf(join(TORCH, "big-endian.pt"));
    expect(fitFields(layers.get("0.weight")!)).toEqual(fitFields(reference.get("0.weight")!));
  });

  it("a nested checkpoint: key paths name the tensors; numpy scalars, devices, cycles and shared lists are harmless", async () => {
    const reference = await analyzeFile(REAL_MODEL);
    const result = await analyzeFile(join(TORCH, "nested.pt"));
    const layers = byNameWithDuplicates(result);
    for (const layer of reference.layers) expect(fitFields(layers.get(`model.${layer.tensor}`)!)).toEqual(fitFields(layer));
    expect(fitFields(layers.get("opt.state.0.exp_avg")!)).toEqual(fitFields(reference.layers.find((l) => l.tensor === "0.weight")!));
    expect([...layers.keys()].some((name) => name.startsWith("deep"))).toBe(false);
  });
});

describe("malformed and refused PyTorch files: one-line error, exit 2", () => {
  const cases = JSON.parse(readFileSync(join(TORCH, "malformed", "cases.json"), "utf8")) as MalformedFormatCase[];
  it.each(cases.map((c) => [c.file.split("/").pop()!, c] as const))("%s", async (_name, testCase) => {
    await expectMalformed(testCase);
  });
  it("the CLI prints the first case as one line and exits 2 (a spawned process)", () => expectMalformedCli(cases[0]!));
});
