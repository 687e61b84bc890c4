/** The GGUF reader: float tensors, every decoded block type (exact and against the float originals), skips, malformed files. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeFile, openModel } from "../src/index.js";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { QUANT_TYPES } from "./fixtures/makeGguf.js";
import { type MalformedFormatCase, byName, expectMalformed, fitFields } from "./helpers/formatCases.js";

const GGUF = join(GENERATED, "gguf");

/**
 * How far a quantised layer's fit may move from the float32 original (|Δμ|, |Δσ|, |ΔR²|), measured on
 * the 32,768 values of 2.weight quantised by the test's per-block min/max quantiser (README "GGUF").
 */
export const QUANT_TOLERANCE: Record<string, { mu: number; sigma: number; r2: number }> = {
  Q8_0: { mu: 0.01, sigma: 0.01, r2: 0.01 },
  Q6_K: { mu: 0.01, sigma: 0.01, r2: 0.01 },
  Q5_0: { mu: 0.01, sigma: 0.01, r2: 0.01 },
  Q5_1: { mu: 0.01, sigma: 0.01, r2: 0.01 },
  Q5_K: { mu: 0.01, sigma: 0.01, r2: 0.01 },
  Q4_0: { mu: 0.02, sigma: 0.02, r2: 0.02 },
  Q4_1: { mu: 0.02, sigma: 0.02, r2: 0.02 },
  Q4_K: { mu: 0.02, sigma: 0.02, r2: 0.02 },
  Q3_K: { mu: 0.06, sigma: 0.06, r2: 0.03 },
  Q2_K: { mu: 0.15, sigma: 0.15, r2: 0.1 },
};

describe("GGUF", () => {
  it("F32, F16 and BF16 tensors give the safetensors numbers; shapes read outermost first", async () => {
    const result = await analyzeFile(join(GGUF, "mnist.gguf"));
    expect(result.format).toBe("gguf");
    expect(result.metadata["general.name"]).toBe("mnist-mlp-epoch10");
    expect(result.metadata["tokenizer.ggml.tokens"]).toBeUndefined();
    const layers = byName(result.layers);
    const reference = byName((await analyzeFile(REAL_MODEL)).layers);
    const f16 = byName((await analyzeFile(join(GENERATED, "dtypes", "f16.safetensors"))).layers);
    const bf16 = byName((await analyzeFile(join(GENERATED, "dtypes", "bf16.safetensors"))).layers);
    expect(layers.get("0.weight")!.shape).toEqual([256, 784]);
    expect(fitFields(layers.get("0.weight")!)).toEqual(fitFields(reference.get("0.weight")!));
    expect(fitFields(layers.get("2.weight")!)).toEqual(fitFields(reference.get("2.weight")!));
    expect(fitFields(layers.get("0.weight.f16")!)).toEqual(fitFields(f16.get("0.weight")!));
    expect(fitFields(layers.get("0.weight.bf16")!)).toEqual(fitFields(bf16.get("0.weight")!));
    const skipped = new Map(result.skipped.map((s) => [s.tensor, s.reason]));
    expect(skipped.get("positions")).toBe("integer type I32 is not a weight");
    expect(skipped.get("iq")).toBe("ggml type IQ4_NL is not supported");
    const aligned = byName((await analyzeFile(join(GGUF, "aligned-64.gguf"))).layers);
    expect(fitFields(aligned.get("2.weight")!)).toEqual(fitFields(reference.get("2.weight")!));
  });

  it("every block type decodes exactly to the values its codes stand for", async () => {
    const layers = byName((await analyzeFile(join(GGUF, "mnist.gguf"))).layers);
    const expected = byName((await analyzeFile(join(GGUF, "expected.safetensors"))).layers);
    for (const type of QUANT_TYPES) {
      const layer = layers.get(`2.weight.${type}`)!;
      expect(fitFields(layer), type).toEqual(fitFields(expected.get(`2.weight.${type}`)!));
      expect(layer.dtype).toBe(type);
      expect(layer.quantization).toMatch(new RegExp(`^ggml ${type}: blocks of (32|256) values in \\d+ bytes`));
    }
    const model = await openModel(join(GGUF, "mnist.gguf"));
    expect(model.tensors.find((t) => t.name === "2.weight.Q4_K")!.quantization).toBe("ggml Q4_K: blocks of 256 values in 144 bytes (4.5 bits per weight)");
  });

  it("quantised layers stay within the documented tolerance of the float32 original; few levels are flagged", async () => {
    const layers = byName((await analyzeFile(join(GGUF, "mnist.gguf"))).layers);
    const original = layers.get("2.weight")!;
    for (const type of QUANT_TYPES) {
      const layer = layers.get(`2.weight.${type}`)!;
      const tolerance = QUANT_TOLERANCE[type]!;
      expect(Math.abs(layer.mu! - original.mu!), `${type} μ`).toBeLessThanOrEqual(tolerance.mu);
      expect(Math.abs(layer.sigma! - original.sigma!), `${type} σ`).toBeLessThanOrEqual(tolerance.sigma);
      expect(Math.abs(layer.r2! - original.r2!), `${type} R²`).toBeLessThanOrEqual(tolerance.r2);
    }
    expect(layers.get("2.weight.Q2_K")!.flags).not.toContain("few-levels");
    // Blocks that share one scale hold only 16 values in all.
    expect(layers.get("shared-scale.Q4_0")!.distinct).toBeLessThanOrEqual(16);
    expect(layers.get("shared-scale.Q4_0")!.flags).toContain("few-levels");
  });
});

describe("malformed GGUF files: one-line error, exit 2", () => {
  const cases = JSON.parse(readFileSync(join(GGUF, "malformed", "cases.json"), "utf8")) as MalformedFormatCase[];
  it.each(cases.map((c) => [c.file.split("/").pop()!, c] as const))("%s", (_name, testCase) => expectMalformed(testCase));
});
