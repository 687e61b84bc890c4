/** The GGUF reader: F32/F16/BF16 equal safetensors exactly; every decoded block type value for value; malformed files. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createCodec } from "../src/decode/encodings.js";
import { analyzeFile, openModel } from "../src/index.js";
import { WorkerPool, accumulateTensor } from "../src/pipeline.js";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { QUANT_TYPES } from "./fixtures/makeGguf.js";
import { type MalformedFormatCase, byName, expectMalformed, expectMalformedCli, fitFields } from "./helpers/formatCases.js";
import { f32 } from "./helpers/floatEncode.js";
import { quantise } from "./helpers/ggmlQuantize.js";
import { realTensors } from "./fixtures/make.js";

const GGUF = join(GENERATED, "gguf");

describe("GGUF floats", () => {
  it("F32 gives the safetensors numbers, names and shapes (outermost dimension first)", async () => {
    const reference = await analyzeFile(REAL_MODEL);
    const result = await analyzeFile(join(GGUF, "mnist-f32.gguf"));
    expect(result.format).toBe("gguf");
    expect(result.metadata["general.architecture"]).toBe("mlp");
    const layers = byName(result.layers);
    for (const layer of reference.layers) {
      const gguf = layers.get(layer.tensor)!;
      expect(gguf.shape).toEqual(layer.shape);
      expect(gguf.dtype).toBe("F32");
      expect(fitFields(gguf)).toEqual(fitFields(layer));
    }
  });

  it("F16 and BF16 equal the same values stored as safetensors", async () => {
    for (const dtype of ["f16", "bf16"]) {
      const reference = byName((await analyzeFile(join(GENERATED, "dtypes", `${dtype}.safetensors`))).layers);
      const result = await analyzeFile(join(GGUF, `mnist-${dtype}.gguf`));
      expect(result.layers.length).toBe(reference.size);
      for (const layer of result.layers) expect(fitFields(layer), `${dtype} ${layer.tensor}`).toEqual(fitFields(reference.get(layer.tensor)!));
    }
  });
});

describe("GGUF block quantisation", () => {
  it("every block type decodes to exactly the values its blocks stand for", async () => {
    const model = await openModel(join(GGUF, "mnist-quantized.gguf"));
    const file = readFileSync(join(GGUF, "mnist-quantized.gguf"));
    const sources = new Map(realTensors().map((t) => [t.name, t]));
    let checked = 0;
    for (const tensor of model.tensors.filter((t) => t.data?.encoding.kind === "ggml-block")) {
      const [source, type] = [tensor.name.replace(/\.[^.]+$/, ""), tensor.dtype] as const;
      const range = tensor.data!.ranges[0]!;
      const decoded = createCodec(tensor.data!.encoding);
      if (decoded.type !== "floats") throw new Error("block codecs decode floats");
      const values = decoded.decode(file.subarray(range.offset, range.offset + range.length), 0);
      const expected = quantise(type as (typeof QUANT_TYPES)[number], f32(sources.get(source)!.data)).values;
      expect(Array.from(values), tensor.name).toEqual(Array.from(expected));
      expect(tensor.quantization).toMatch(new RegExp(`^ggml ${type}:`));
      checked++;
    }
    expect(checked).toBe(QUANT_TYPES.length + 5);
  });

  it("each layer equals its dequantised values stored as F32, also cut into block-aligned ranges on worker threads", async () => {
    const dequantised = await openModel(join(GGUF, "dequantized.safetensors"));
    const reference = byName((await analyzeFile(join(GGUF, "dequantized.safetensors"))).layers);
    const result = await analyzeFile(join(GGUF, "mnist-quantized.gguf"), {}, { jobs: 2, chunkBytes: 4096 });
    for (const layer of result.layers) expect(fitFields(layer), layer.tensor).toEqual(fitFields(reference.get(layer.tensor)!));
    const skipped = new Map(result.skipped.map((s) => [s.tensor, s.reason]));
    expect(skipped.get("steps")).toBe("integer type I32 is not a weight");
    expect(skipped.get("iq4_nl")).toMatch(/^ggml type IQ4_NL is not decoded/);

    const model = await openModel(join(GGUF, "mnist-quantized.gguf"));
    const pool = new WorkerPool(2);
    try {
      // Ranges and chunks that are not multiples of any block size: both are cut between blocks.
      const options = { bins: 100, rangeBytes: 1000, chunkBytes: 700, executor: pool };
      for (const name of ["2.weight.Q4_K", "2.weight.Q3_K", "4.weight.Q5_1"]) {
        const quantised = model.tensors.find((t) => t.name === name)!.data!;
        const plain = dequantised.tensors.find((t) => t.name === name)!.data!;
        expect(await accumulateTensor(quantised, undefined, options), name).toEqual(await accumulateTensor(plain, undefined, options));
      }
    } finally {
      await pool.close();
    }
  });
});

/**
 * How far a quantised layer's fit may move from the F32 layer's (|Δμ| and |Δσ|), by code width, for
 * our fixture quantiser (min/max scales; ggml's own error-minimising quantisers land closer). Measured
 * on 2.weight of the bundled MNIST MLP: Q8_0 0.0002, Q6_K 0.0002, Q5_* ≤ 0.001, Q4_* ≤ 0.010,
 * Q3_K 0.023, Q2_K 0.11 (μ) / 0.06 (σ).
 */
const QUANTISED_FIT_TOLERANCE: Record<string, number> = { Q8_0: 0.002, Q6_K: 0.002, Q5_0: 0.005, Q5_1: 0.005, Q5_K: 0.005, Q4_0: 0.02, Q4_1: 0.02, Q4_K: 0.02, Q3_K: 0.05, Q2_K: 0.15 };

describe("quantised fits against the unquantised layer", () => {
  it("μ and σ stay within the documented tolerance of the F32 fit", async () => {
    const f32Layer = byName((await analyzeFile(REAL_MODEL)).layers).get("2.weight")!;
    const result = await analyzeFile(join(GGUF, "mnist-quantized.gguf"));
    const checked = result.layers.filter((layer) => layer.tensor.startsWith("2.weight."));
    expect(checked).toHaveLength(QUANT_TYPES.length);
    for (const layer of checked) {
      const tolerance = QUANTISED_FIT_TOLERANCE[layer.dtype]!;
      expect(Math.abs(layer.mu - f32Layer.mu), `${layer.dtype} μ`).toBeLessThan(tolerance);
      expect(Math.abs(layer.sigma - f32Layer.sigma), `${layer.dtype} σ`).toBeLessThan(tolerance);
    }
  });
});

describe("malformed GGUF files: one-line error, exit 2", () => {
  const cases = JSON.parse(readFileSync(join(GGUF, "malformed", "cases.json"), "utf8")) as MalformedFormatCase[];
  it.each(cases.map((c) => [c.file.split("/").pop()!, c] as const))("%s", async (_name, testCase) => {
    await expectMalformed(testCase);
  });
  it("the CLI prints the first case as one line and exits 2 (a spawned process)", () => expectMalformedCli(cases[0]!));
});
