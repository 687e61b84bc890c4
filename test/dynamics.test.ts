/**
 * `jaynes dynamics`: element reads, checkpoint ordering and checks, and the statistics on checkpoint
 * series with ground truth (test/fixtures/dynamics.ts), then the real series ../shared/real/mnist-sgd.
 *
 * Tolerances (stated in the README):
 *   Gaussian increments N(0, s²): no power-law range (|d| is half-normal: under one decade above its
 *     peak), the Gaussian tail's s within 3% of the true s, a_low and a_high within 2 ± 0.15;
 *   Student-t (ν = 2) increments: γ = ν + 1 = 3 within ±0.15;
 *   Pareto (γ = 2.5) increments: γ within ±0.05, the range starting at x_min (within one grid step).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeDynamics, type DynamicsResult } from "../src/analysis/dynamics/analyze.js";
import { metadataStep, orderCheckpoints } from "../src/analysis/dynamics/checkpoints.js";
import { DEFAULT_FLUCTUATION_SETTINGS } from "../src/analysis/dynamics/fluctuations.js";
import { DEFAULT_SPECTRUM_SETTINGS } from "../src/analysis/dynamics/spectrum.js";
import { planWindows, readElements } from "../src/analysis/readElements.js";
import { createCodec } from "../src/decode/encodings.js";
import { openModel } from "../src/formats/open.js";
import { SourcePool } from "../src/io/byteSource.js";
import { readChunks } from "../src/io/chunks.js";
import type { TensorData } from "../src/io/tensorData.js";
import { GAUSSIAN_STEP_SIGMA, PARETO_GAMMA, PARETO_XMIN, STUDENT_NU } from "./fixtures/dynamics.js";
import { GENERATED } from "./fixtures/make.js";
import { expectCleanError, runCli } from "./helpers/cli.js";
import { HAVE_SHARED, SHARED_REAL } from "./helpers/oracle.js";
import { mulberry32 } from "./helpers/random.js";
import { bytesOf, encodeSafetensors } from "./helpers/safetensorsWriter.js";

const SERIES = join(GENERATED, "dynamics");

/** Every value of a tensor, decoded by streaming it whole: the reference for element reads. */
async function decodeAll(data: TensorData, pool: SourcePool): Promise<Float64Array> {
  const codec = createCodec(data.encoding);
  const out = new Float64Array(data.elements);
  let at = 0;
  for await (const chunk of readChunks(data.ranges, pool, { unitBytes: codec.unitBytes })) {
    if (codec.type === "codes") {
      const codes = codec.codes(chunk);
      for (let i = 0; i < codes.length; i++) out[at++] = codec.levels[codes[i]!]!;
    } else {
      const values = codec.decode(chunk, at);
      out.set(values, at);
      at += values.length;
    }
  }
  return out;
}

describe("readElements", () => {
  it("windows group nearby indices and split far or long runs", () => {
    const windows = planWindows([0, 1, 5, 2000, 2001, 100_000], 4, 4096, 64 * 1024);
    expect(windows.map((w) => [w.startElement, w.elements])).toEqual([
      [0, 6],
      [2000, 2],
      [100_000, 1],
    ]);
    expect(planWindows([0, 10, 20, 30], 4, 4096, 64).map((w) => w.startElement)).toEqual([0, 20]);
  });

  it("equals the fully decoded tensor for every float dtype, any index order, windowed or streamed", async () => {
    const dir = join(GENERATED, "dtypes");
    for (const file of readdirSync(dir)) {
      const model = await openModel(join(dir, file));
      const pool = new SourcePool();
      try {
        for (const tensor of model.tensors) {
          const all = await decodeAll(tensor.data!, pool);
          const random = mulberry32(9);
          const indices = Array.from({ length: 300 }, () => Math.floor(random() * tensor.params));
          indices.push(0, tensor.params - 1, indices[0]!);
          const expected = indices.map((i) => all[i]!);
          expect(Array.from(await readElements(tensor.data!, pool, indices))).toEqual(expected);
          expect(Array.from(await readElements(tensor.data!, pool, indices, { strategy: "stream", chunkBytes: 1000 }))).toEqual(expected);
        }
      } finally {
        await pool.close();
      }
    }
  });

  it("reads only the tracked elements' windows of a large tensor, not the whole tensor", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jaynes-elements-"));
    try {
      const n = 1 << 20;
      const values = Float32Array.from({ length: n }, (_, i) => i / n);
      writeFileSync(join(dir, "big.safetensors"), encodeSafetensors([{ name: "w", dtype: "F32", shape: [n], data: bytesOf(values) }]));
      const model = await openModel(join(dir, "big.safetensors"));
      const pool = new SourcePool();
      let bytes = 0;
      const indices = Array.from({ length: 100 }, (_, i) => i * 10_000 + 7);
      const got = await readElements(model.tensors[0]!.data!, pool, indices, { onBytes: (b) => (bytes += b) });
      await pool.close();
      expect(Array.from(got)).toEqual(indices.map((i) => values[i]!));
      expect(bytes).toBe(100 * 4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects indices outside the tensor", async () => {
    const model = await openModel(join(SERIES, "gaussian", "step_0000.safetensors"));
    const pool = new SourcePool();
    await expect(readElements(model.tensors[0]!.data!, pool, [1e9])).rejects.toThrow(RangeError);
    await pool.close();
  });
});

describe("checkpoint order", () => {
  const at = (name: string, step?: number) => ({ name, paths: [name], ...(step !== undefined ? { step } : {}) });
  it("by metadata step when every checkpoint has one, else natural sort of names", () => {
    expect(orderCheckpoints([at("b", 20), at("a", 100), at("c", 3)]).checkpoints.map((c) => c.name)).toEqual(["c", "b", "a"]);
    const byName = orderCheckpoints([at("ckpt-10"), at("ckpt-2", 5), at("ckpt-1")]);
    expect(byName.order).toBe("name");
    expect(byName.checkpoints.map((c) => c.name)).toEqual(["ckpt-1", "ckpt-2", "ckpt-10"]);
    expect(orderCheckpoints([at("a", 0), at("b", 10), at("c", 20)]).stepInterval).toBe(10);
    expect(orderCheckpoints([at("a", 0), at("b", 10), at("c", 25)]).stepInterval).toBeUndefined();
    expect(() => orderCheckpoints([at("a", 5), at("b", 5)])).toThrow(/same step/);
  });
  it("reads the step from metadata only when it is a non-negative integer", () => {
    expect(metadataStep({ step: "1200" })).toBe(1200);
    expect(metadataStep({ step: "1.5" })).toBeUndefined();
    expect(metadataStep({ epoch: "3" })).toBeUndefined();
  });
});

describe("dynamics on synthetic series with ground truth", () => {
  const results: Record<string, DynamicsResult> = {};
  beforeAll(async () => {
    for (const name of ["gaussian", "student-t", "pareto"]) results[name] = await analyzeDynamics([join(SERIES, name)], { trajectory: name === "gaussian" });
  }, 120_000);

  it("Gaussian increments: |d| is Gaussian (no power-law decade), a_high ≈ 2 and a_low ≈ 2", () => {
    const r = results.gaussian!;
    expect(r.order).toBe("step");
    expect(r.step_interval).toBe(10);
    expect(r.frequency_unit).toBe("1/step");
    expect(r.layers.map((l) => l.tensor)).toEqual(["layer.weight"]);
    expect(r.skipped.map((s) => s.tensor)).toEqual(["layer.bias"]);
    const layer = r.layers[0]!;
    expect(layer.tracked).toBe(1000);
    expect(layer.fluctuations.samples).toBe(1000 * 127);
    expect(layer.fluctuations.power_law).toBeNull();
    const g = layer.fluctuations.gaussian!;
    console.log(`gaussian: s = ${g.sigma} (true ${GAUSSIAN_STEP_SIGMA}), tail KS ${g.ks}; a_low ${layer.spectrum!.a_low}, a_high ${layer.spectrum!.a_high}`);
    expect(Math.abs(g.sigma / GAUSSIAN_STEP_SIGMA - 1)).toBeLessThan(0.03);
    expect(g.ks).toBeLessThan(0.02);
    expect(Math.abs(layer.spectrum!.a_high! - 2)).toBeLessThan(0.15);
    expect(Math.abs(layer.spectrum!.a_low! - 2)).toBeLessThan(0.15);
    expect(layer.spectrum!.split! * 10).toBeGreaterThan(0);
    // Frequencies in 1/step: the highest is Nyquist, ½ cycle per checkpoint = 1/20 per step.
    expect(layer.spectrum!.frequency.at(-1)).toBeCloseTo(0.05, 12);
    expect(layer.trajectory).toHaveLength(128);
    expect(layer.trajectory[0]!.step).toBe(0);
    expect(layer.trajectory.at(-1)!.step).toBe(1270);
    expect(r.bytes_read.tracked).toBeLessThan(128 * 112 * 96 * 4);
  });

  it(`Student-t (ν = ${STUDENT_NU}) increments: γ = ν + 1 within 0.15`, () => {
    const layer = results["student-t"]!.layers[0]!;
    const p = layer.fluctuations.power_law!;
    console.log(`student-t: γ = ${p.gamma} ± ${p.gamma_se} on [${p.range}], KS ${p.ks}`);
    expect(Math.abs(p.gamma - (STUDENT_NU + 1))).toBeLessThan(0.15);
    expect(p.range_source).toBe("ks-minimum");
    expect(p.range[0]).toBeGreaterThanOrEqual(layer.fluctuations.peak! / 10 ** 0.05);
  });

  it(`Pareto (γ = ${PARETO_GAMMA}) increments: γ within 0.05, range from x_min; ordered by name without steps`, () => {
    const r = results.pareto!;
    expect(r.order).toBe("name");
    expect(r.frequency_unit).toBe("1/checkpoint");
    expect(r.checkpoints.slice(0, 3).map((c) => c.name.split("/").at(-1))).toEqual(["ckpt-1.safetensors", "ckpt-2.safetensors", "ckpt-3.safetensors"]);
    const p = r.layers[0]!.fluctuations.power_law!;
    console.log(`pareto: γ = ${p.gamma} ± ${p.gamma_se} on [${p.range}], KS ${p.ks}`);
    expect(Math.abs(p.gamma - PARETO_GAMMA)).toBeLessThan(0.05);
    expect(p.range[0]).toBeGreaterThanOrEqual(PARETO_XMIN * 0.999);
    expect(p.range[0]).toBeLessThan(PARETO_XMIN * 10 ** 0.1);
  });

  it("--range and --split are honoured", async () => {
    const r = await analyzeDynamics([join(SERIES, "pareto")], { trajectory: false, fluctuations: { ...DEFAULT_FLUCTUATION_SETTINGS, range: [2e-3, 2e-2] }, spectrum: { ...DEFAULT_SPECTRUM_SETTINGS, split: 0.1 } });
    const p = r.layers[0]!.fluctuations.power_law!;
    expect(p.range).toEqual([2e-3, 2e-2]);
    expect(p.range_source).toBe("given");
    expect(Math.abs(p.gamma - PARETO_GAMMA)).toBeLessThan(0.1);
    expect(r.layers[0]!.spectrum!.split).toBeCloseTo(0.1, 12);
    expect(r.layers[0]!.spectrum!.split_source).toBe("given");
  });

  it("the same seed tracks the same weights; another seed others", async () => {
    const again = await analyzeDynamics([join(SERIES, "gaussian")], { trajectory: false, track: 50 });
    const same = await analyzeDynamics([join(SERIES, "gaussian")], { trajectory: false, track: 50 });
    const other = await analyzeDynamics([join(SERIES, "gaussian")], { trajectory: false, track: 50, seed: 1 });
    expect(same.layers[0]!.fluctuations.median).toBe(again.layers[0]!.fluctuations.median);
    expect(other.layers[0]!.fluctuations.median).not.toBe(again.layers[0]!.fluctuations.median);
  });
});

describe("jaynes dynamics (CLI)", () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), "jaynes-dynamics-"));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("table, csv and json; --plot writes SVG + Vega-Lite specs; -o is atomic", () => {
    const dir = join(SERIES, "gaussian");
    const table = runCli(["dynamics", dir, "--track", "200", "--no-trajectory"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("128 checkpoints (steps 0 … 1270, every 10; ordered by metadata step)");
    expect(table.stdout).toContain("a_high");
    const csv = runCli(["dynamics", dir, "--track", "200", "--no-trajectory", "--format", "csv"]).stdout.trim().split("\n");
    expect(csv[0]!.split(",")).toEqual(expect.arrayContaining(["tensor", "gamma", "range_lo", "range_hi", "ks", "crossover", "a_low", "a_high", "split"]));
    expect(csv).toHaveLength(2);
    const json = runCli(["dynamics", dir, "--track", "200", "--format", "json", "-o", join(out, "d.json"), "--plot", join(out, "figs")]);
    expect(json.code).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, "d.json"), "utf8")) as { kind: string; layers: { spectrum: { a_low: number; a_high: number }; fluctuations: { gaussian: object }; trajectory: unknown[] }[] };
    expect(doc.kind).toBe("dynamics");
    expect(doc.layers[0]!.spectrum.a_high).toBeGreaterThan(1.8);
    expect(doc.layers[0]!.trajectory).toHaveLength(128);
    expect(readdirSync(out).filter((f) => f.includes("jaynes-tmp"))).toEqual([]);
    const figures = readdirSync(join(out, "figs")).sort();
    expect(figures).toEqual(["fluctuations.svg", "fluctuations.vl.json", "spectrum.svg", "spectrum.vl.json", "trajectory.svg", "trajectory.vl.json"]);
    const svg = readFileSync(join(out, "figs", "spectrum.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("a_high");
    expect(JSON.parse(readFileSync(join(out, "figs", "fluctuations.vl.json"), "utf8")).$schema).toContain("vega-lite");
  });

  it("checkpoints that are not one architecture: one clean line, exit 2, no output file", () => {
    for (const [dir, message] of [
      ["mismatch-shape", /b\.safetensors: tensor "w": shape \[2, 8\] differs from \[4, 4\] in .*a\.safetensors/],
      ["mismatch-name", /b\.safetensors: tensor "v": has tensor "v", which .*a\.safetensors does not/],
    ] as const) {
      const target = join(out, `${dir}.json`);
      const run = runCli(["dynamics", join(SERIES, dir), "--min-params", "1", "-o", target]);
      expect(run.code).toBe(2);
      const lines = expectCleanError(run);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(readdirSync(out)).not.toContain(`${dir}.json`);
    }
  });

  it("fewer than 2 checkpoints is an input error; bad option values are usage errors", () => {
    const one = runCli(["dynamics", join(SERIES, "gaussian", "step_0000.safetensors")]);
    expect(one.code).toBe(2);
    expect(expectCleanError(one)[0]).toMatch(/at least 2 checkpoints/);
    expect(runCli(["dynamics", join(SERIES, "gaussian"), "--range", "1e-3"]).code).toBe(1);
    expect(runCli(["dynamics", join(SERIES, "gaussian"), "--range", "1e-2:1e-3"]).code).toBe(1);
    expect(runCli(["dynamics", join(SERIES, "gaussian"), "--split", "-1"]).code).toBe(1);
    expect(runCli(["dynamics", join(SERIES, "gaussian"), "--track", "0"]).code).toBe(1);
  });
});

describe.skipIf(!HAVE_SHARED)("dynamics: the real series mnist-sgd (skipped when ../shared/real is absent)", () => {
  it("runs end to end: 128 snapshots ordered by step, fluctuations, spectrum and trajectory", () => {
    const run = runCli(["dynamics", `${SHARED_REAL}mnist-sgd`, "--format", "json"]);
    expect(run.code).toBe(0);
    const r = JSON.parse(run.stdout) as DynamicsResult;
    expect(r.checkpoints).toHaveLength(128);
    expect(r.order).toBe("step");
    expect(r.step_interval).toBe(25);
    expect(r.layers.map((l) => l.tensor)).toEqual(["0.weight"]);
    const layer = r.layers[0]!;
    const p = layer.fluctuations.power_law!;
    const s = layer.spectrum!;
    console.log(`mnist-sgd 0.weight: γ = ${p.gamma} ± ${p.gamma_se} on [${p.range}], KS ${p.ks}; Gaussian s ${layer.fluctuations.gaussian?.sigma}, crossover ${layer.fluctuations.crossover}; a_low ${s.a_low}, a_high ${s.a_high}, split ${s.split}`);
    expect(p.gamma).toBeGreaterThan(0);
    expect(p.range[1] / p.range[0]).toBeGreaterThanOrEqual(10 * (1 - 1e-9));
    expect(s.a_high).toBeGreaterThan(1);
    expect(s.a_high).toBeLessThan(2.5);
    expect(layer.trajectory).toHaveLength(128);
    for (const point of layer.trajectory) expect(point.r2).toBeGreaterThan(0.9);
  });
});
