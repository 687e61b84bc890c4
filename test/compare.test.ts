/** `jaynes compare A B`: per-layer differences, formats, and clear errors when layers do not correspond. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REAL_MODEL, realTensors } from "./fixtures/make.js";
import { expectCleanError, runCli } from "./helpers/cli.js";
import { HAVE_SHARED, SHARED_REAL } from "./helpers/oracle.js";
import { writeSafetensors } from "./helpers/safetensorsWriter.js";

interface ComparisonJson {
  tool: string;
  a: { model: string };
  b: { model: string };
  settings: { bins: number };
  layers: { tensor: string; sigma_a: number; sigma_b: number; d_sigma: number; d_mu: number; d_r2: number; best_a: string; best_b: string; best_changed: boolean }[];
  summary: { layers: number; best_changed: number; mean_d_sigma: number };
}

describe.skipIf(!HAVE_SHARED)("compare on the MNIST MLP (../shared/real)", () => {
  const epoch0 = `${SHARED_REAL}mnist-mlp/ckpt_epoch00.safetensors`;
  const epoch10 = `${SHARED_REAL}mnist-mlp/ckpt_epoch10.safetensors`;

  it("epoch 0 vs 10: σ changes in every layer; JSON carries Δ = B − A", () => {
    const run = runCli(["compare", epoch0, epoch10, "--format", "json"]);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as ComparisonJson;
    expect(json.tool).toBe("jaynes");
    expect(json.layers.map((layer) => layer.tensor)).toEqual(["0.weight", "2.weight"]);
    for (const layer of json.layers) {
      expect(layer.d_sigma).toBeCloseTo(layer.sigma_b - layer.sigma_a, 12);
      expect(Math.abs(layer.d_sigma)).toBeGreaterThan(0.1);
      expect(layer.best_a).not.toBe("lognormal"); // uniform initialisation
    }
    expect(json.summary.layers).toBe(2);
  });

  it("table and CSV", () => {
    const table = runCli(["compare", epoch0, epoch10]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Δσ/);
    expect(table.stdout).toContain("2 layers fitted in both");
    const csv = runCli(["compare", epoch0, epoch10, "--format", "csv"]).stdout.trim().split("\n");
    expect(csv[0]).toBe("model_a,model_b,tensor,shape,params,mu_a,mu_b,d_mu,sigma_a,sigma_b,d_sigma,r2_a,r2_b,d_r2,best_a,best_b,best_changed,flags_a,flags_b,skipped_a,skipped_b,bins,normalize,min_params,method_version");
    expect(csv).toHaveLength(3);
    expect(csv[1]).toContain(",0.weight,256x784,200704,");
  });

  it("different architectures: one clean line naming the layers that differ, exit 2", () => {
    const run = runCli(["compare", epoch0, `${SHARED_REAL}mnist-sgd/step_000000.safetensors`]);
    expect(run.code).toBe(2);
    const lines = expectCleanError(run);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/layers do not correspond to .*ckpt_epoch00.*different shapes \("0\.weight" 256×784 vs 32×784/);
    expect(run.stdout).toBe("");
  });
});

describe("compare on generated checkpoints", () => {
  const dir = mkdtempSync(join(tmpdir(), "jaynes-compare-"));
  const renamed = join(dir, "renamed.safetensors");
  const scaled = join(dir, "scaled.safetensors");

  beforeAll(() => {
    const tensors = realTensors();
    writeSafetensors(renamed, tensors.map((tensor) => (tensor.name === "2.weight" ? { ...tensor, name: "head.weight" } : tensor)));
    // Every weight × 2: |w|/max is unchanged, so every fitted number is too.
    writeSafetensors(scaled, tensors.map((tensor) => ({ ...tensor, data: new Uint8Array(Float32Array.from(new Float32Array(tensor.data.slice().buffer), (v) => 2 * v).buffer) })));
  });

  it("a checkpoint against itself and against a rescaled copy: all differences 0", () => {
    for (const other of [REAL_MODEL, scaled]) {
      const json = JSON.parse(runCli(["compare", REAL_MODEL, other, "--format", "json"]).stdout) as ComparisonJson;
      expect(json.layers).toHaveLength(2);
      for (const layer of json.layers) {
        expect(layer.d_mu).toBe(0);
        expect(layer.d_sigma).toBe(0);
        expect(layer.best_changed).toBe(false);
      }
    }
  });

  it("layers only in one model: exit 2 with both sides named; --exclude restricts to the common ones", () => {
    const run = runCli(["compare", REAL_MODEL, renamed]);
    expect(run.code).toBe(2);
    const [line] = expectCleanError(run);
    expect(line).toMatch(/renamed\.safetensors: layers do not correspond to .*: 1 layer only in A \("2\.weight"\); 1 layer only in B \("head\.weight"\)/);
    const restricted = runCli(["compare", REAL_MODEL, renamed, "--exclude", "2.weight", "--exclude", "head.weight", "--format", "csv", "-o", join(dir, "out.csv")]);
    expect(restricted.code).toBe(0);
    expect(readFileSync(join(dir, "out.csv"), "utf8").trim().split("\n")).toHaveLength(2);
  });

  it("a missing input: exit 2, one line, no output file", () => {
    const out = join(dir, "missing.json");
    const run = runCli(["compare", REAL_MODEL, join(dir, "nope.safetensors"), "-o", out]);
    expect(run.code).toBe(2);
    expect(expectCleanError(run)).toHaveLength(1);
    expect(() => readFileSync(out)).toThrow();
  });
});
