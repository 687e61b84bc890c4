/** The TF.js reader: graph and layers models, bare manifests, shards, quantisation, malformed manifests. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeFile, openModel } from "../src/index.js";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { SHARD_SPLIT } from "./fixtures/makeTfjs.js";
import { type MalformedFormatCase, byName, expectMalformed, fitFields } from "./helpers/formatCases.js";

const TFJS = join(GENERATED, "tfjs");

describe("TF.js weights", () => {
  it("a graph model: a tensor crossing the shard boundary, float16 and uint8/uint16 quantisation, skipped int32/string/bool", async () => {
    const path = join(TFJS, "graph", "model.json");
    const model = await openModel(path);
    expect(model.format).toBe("tfjs-graph-model");
    const w0 = model.tensors.find((t) => t.name === "0.weight")!;
    expect(w0.data!.ranges.map((r) => [r.source.split("/").pop(), r.offset, r.length])).toEqual([
      ["group1-shard1of2.bin", 0, SHARD_SPLIT],
      ["group1-shard2of2.bin", 0, 256 * 784 * 4 - SHARD_SPLIT],
    ]);

    const result = await analyzeFile(path);
    const layers = byName(result.layers);
    const reference = byName((await analyzeFile(REAL_MODEL)).layers);
    const f16 = byName((await analyzeFile(join(GENERATED, "dtypes", "f16.safetensors"))).layers);
    const expected = byName((await analyzeFile(join(TFJS, "graph", "expected.safetensors"))).layers);
    expect(fitFields(layers.get("0.weight")!)).toEqual(fitFields(reference.get("0.weight")!));
    expect(fitFields(layers.get("2.weight")!)).toEqual(fitFields(f16.get("2.weight")!));
    expect(layers.get("2.weight")!.quantization).toBe("float16 storage of float32 weights");
    for (const name of ["q8/0.weight", "q16/2.weight"]) expect(fitFields(layers.get(name)!)).toEqual(fitFields(expected.get(name)!));
    expect(layers.get("q8/0.weight")!.quantization).toMatch(/^uint8 affine: q·/);
    expect(layers.get("q8/0.weight")!.flags).toContain("few-levels");
    const skipped = new Map(result.skipped.map((s) => [s.tensor, s.reason]));
    expect(skipped.get("shape")).toBe("integer dtype INT32 is not a weight");
    expect(skipped.get("labels")).toBe("string tensor");
    expect(skipped.get("flag")).toBe("integer dtype BOOL is not a weight");
  });

  it("a layers model, a bare weight manifest and their directories give the safetensors numbers", async () => {
    const reference = await analyzeFile(REAL_MODEL);
    for (const input of [join(TFJS, "layers", "model.json"), join(TFJS, "layers"), join(TFJS, "manifest", "weights_manifest.json"), join(TFJS, "manifest")]) {
      const result = await analyzeFile(input);
      expect(result.layers).toEqual(reference.layers.map((layer) => ({ ...layer, dtype: "FLOAT32" })));
    }
    expect((await openModel(join(TFJS, "layers"))).format).toBe("tfjs-layers-model");
    expect((await openModel(join(TFJS, "manifest"))).format).toBe("tfjs-weights-manifest");
  });
});

describe("malformed TF.js manifests: one-line error, exit 2", () => {
  const cases = JSON.parse(readFileSync(join(TFJS, "malformed-cases.json"), "utf8")) as MalformedFormatCase[];
  it.each(cases.map((c) => [c.file.split("/").slice(-2, -1)[0]!, c] as const))("%s", async (_name, testCase) => {
    await expectMalformed(testCase);
  });
});
