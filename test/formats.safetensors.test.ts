/** The safetensors reader: strict validation, shards, dtypes, > 4 GiB files. */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeFile, openModel } from "../src/index.js";
import { GENERATED, REAL_MODEL, SPARSE_PAD_BYTES, type MalformedCase } from "./fixtures/make.js";
import { expectCleanError, runCli } from "./helpers/cli.js";
import { expectMalformed } from "./helpers/formatCases.js";

const cases = JSON.parse(readFileSync(join(GENERATED, "malformed", "cases.json"), "utf8")) as MalformedCase[];

describe("malformed safetensors: one-line error naming file and tensor, exit 2, nothing written", () => {
  it.each(cases.map((c) => [c.file.split("/").pop()!, c] as const))("%s", async (_name, testCase) => {
    const message = await expectMalformed(testCase);
    if (testCase.tensor) expect(message).toContain(`tensor "${testCase.tensor}"`);
  });

  it.each([cases[0]!, cases.find((c) => c.tensor !== undefined)!].map((c) => [c.file.split("/").pop()!, c] as const))("the CLI on %s: one line, exit 2, no output file, nothing on stdout (a spawned process)", (_name, testCase) => {
    const output = join(GENERATED, `out-${_name}.csv`);
    const run = runCli(["fit", testCase.file, "--format", "csv", "-o", output]);
    expect(run.code).toBe(2);
    const lines = expectCleanError(run);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(testCase.file);
    expect(lines[0]).toContain(testCase.message);
    if (testCase.tensor) expect(lines[0]).toContain(`tensor "${testCase.tensor}"`);
    expect(existsSync(output)).toBe(false);
    expect(run.stdout).toBe("");
  });

  it("library callers get an InputError with the case's code", async () => {
    for (const testCase of cases) {
      await expect(openModel(testCase.file)).rejects.toMatchObject({ name: "InputError", code: testCase.code });
    }
  });
});

describe("sharded models", () => {
  const dir = join(GENERATED, "sharded");
  const shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"].map((name) => join(dir, name));

  it("an index, a directory and the list of shards give the single file's numbers", async () => {
    const single = await analyzeFile(REAL_MODEL);
    for (const input of [join(dir, "model.safetensors.index.json"), dir, shards]) {
      const sharded = await analyzeFile(input);
      expect(sharded.layers).toEqual(single.layers);
      expect(sharded.tensors).toBe(single.tensors);
    }
  });

  it("shards given as separate CLI arguments are one model", () => {
    const run = runCli(["fit", ...shards, "--format", "json"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { models: unknown[] };
    expect(report.models).toHaveLength(1);
  });

  it("refuses an index whose shard path escapes the model's folder", () => {
    const run = runCli(["fit", join(GENERATED, "unsafe-index", "model.safetensors.index.json")]);
    expect(run.code).toBe(2);
    expect(expectCleanError(run)[0]).toContain("outside the model's folder");
  });
});

describe("dtypes", () => {
  it("F16, BF16, F64 and F8_E4M3 re-encodings of real weights are analysed; F64 equals F32", async () => {
    const f32 = await analyzeFile(join(GENERATED, "dtypes", "f32.safetensors"));
    const f64 = await analyzeFile(join(GENERATED, "dtypes", "f64.safetensors"));
    expect(f64.layers.map((l) => [l.mu, l.sigma, l.r2, l.distinct])).toEqual(f32.layers.map((l) => [l.mu, l.sigma, l.r2, l.distinct]));
    for (const dtype of ["f16", "bf16"]) {
      const result = await analyzeFile(join(GENERATED, "dtypes", `${dtype}.safetensors`));
      expect(result.layers).toHaveLength(2);
      result.layers.forEach((layer, i) => {
        // Rounding to 16 bits moves the fit a little; bf16 (8-bit mantissa) more than f16.
        expect(Math.abs(layer.mu - f32.layers[i]!.mu)).toBeLessThan(dtype === "f16" ? 2e-3 : 2e-2);
        expect(Math.abs(layer.sigma - f32.layers[i]!.sigma)).toBeLessThan(dtype === "f16" ? 2e-3 : 2e-2);
      });
    }
    const f8 = await analyzeFile(join(GENERATED, "dtypes", "f8_e4m3.safetensors"));
    for (const layer of f8.layers) {
      expect(layer.distinct).toBeLessThanOrEqual(128);
      expect(layer.flags).toContain("few-levels");
    }
  });

  it("integer tensors are listed as skipped with the reason", async () => {
    const result = await analyzeFile(join(GENERATED, "sparse-4g.safetensors"));
    expect(result.skipped.find((t) => t.tensor === "pad")?.reason).toMatch(/integer dtype U8/);
  });
});

describe("> 4 GiB files", () => {
  it("reads a tensor stored beyond 4 GiB through 64-bit offsets (sparse file, not written)", async () => {
    const path = join(GENERATED, "sparse-4g.safetensors");
    expect(statSync(path).size).toBeGreaterThan(SPARSE_PAD_BYTES);
    const [sparse, real] = await Promise.all([analyzeFile(path), analyzeFile(REAL_MODEL)]);
    const layer = sparse.layers.find((l) => l.tensor === "2.weight")!;
    // The same numbers; only the layer's depth differs (this file holds other tensors).
    expect({ ...layer, depth: 0 }).toEqual({ ...real.layers.find((l) => l.tensor === "2.weight")!, depth: 0 });
    expect(sparse.skipped.find((t) => t.tensor === "pad")?.params).toBe(SPARSE_PAD_BYTES);
  });
});

describe("non-finite weights", () => {
  it("are dropped and counted, the layer is flagged, a warning names file and tensor, exit 2", () => {
    const path = join(GENERATED, "nan.safetensors");
    const run = runCli(["fit", path, "--format", "jsonl"]);
    expect(run.code).toBe(2);
    const layer = JSON.parse(run.stdout.trim()) as { nonfinite: number; flags: string[] };
    expect(layer.nonfinite).toBe(3);
    expect(layer.flags).toContain("nonfinite");
    const lines = expectCleanError(run);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(path);
    expect(lines[0]).toContain('tensor "layer.weight"');
  });
});
