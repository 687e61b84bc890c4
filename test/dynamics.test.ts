/**
 * `jaynes dynamics`: element reads, checkpoint ordering and checks, and the statistics on checkpoint
 * series with ground truth (test/fixtures/dynamics.ts), then the real series ../shared/real/mnist-sgd.
 *
 * Tolerances (stated in the README):
 *   Gaussian increments N(0, s²): no power-law range (|d| is half-normal: under one decade above its
 *     peak), the Gaussian tail's s within 3% of the true s, a_low and a_high within 2 ± 0.15 and
 *     inside their shuffled-steps null, at T = 128, 160, 200 and 257 checkpoints;
 *   fractionally integrated walks (a = 2 + 2d = 1.6 at every frequency): 1.6 inside a_low's
 *     bootstrap interval, at the same four T;
 *   Student-t (ν = 2) increments: γ = ν + 1 = 3 within ±0.15 on the 128-checkpoint files, and at every
 *     T the exponent the t₂ law has on the chosen range (its pseudo-true value, < 3 short of the far
 *     tail) inside γ's bootstrap interval;
 *   Pareto (γ = 2.5) increments: γ within ±0.05, 2.5 inside γ's bootstrap interval, the range starting
 *     at x_min (within one grid step);
 *   Gaussian walks with step scales spread over 3 decades: raw γ inside the Gaussian-steps null; no
 *     power law once standardised.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeDynamics, analyzeTrackedSeries, type DynamicsResult } from "../src/analysis/dynamics/analyze.js";
import { metadataStep, orderCheckpoints } from "../src/analysis/dynamics/checkpoints.js";
import { DEFAULT_FLUCTUATION_SETTINGS } from "../src/analysis/dynamics/fluctuations.js";
import { DEFAULT_SPECTRUM_SETTINGS } from "../src/analysis/dynamics/spectrum.js";
import { planWindows, readElements } from "../src/analysis/readElements.js";
import { createCodec } from "../src/decode/encodings.js";
import { openModel } from "../src/formats/open.js";
import { SourcePool } from "../src/io/byteSource.js";
import { readChunks } from "../src/io/chunks.js";
import type { TensorData } from "../src/io/tensorData.js";
import { fractionalSeries, GAUSSIAN_STEP_SIGMA, PARETO_GAMMA, PARETO_XMIN, scaleMixtureSeries, STUDENT_NU, walkSeries } from "./fixtures/dynamics.js";
import { powerLawExponent } from "../src/stats/powerLaw.js";
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

/** Fewer draws than the defaults: enough for the checks, fast enough for a unit test. */
const QUICK = { bootstrap: 100, surrogates: 40, gof: 40 };

describe("dynamics on synthetic series with ground truth", () => {
  const results: Record<string, DynamicsResult> = {};
  beforeAll(async () => {
    for (const name of ["gaussian", "student-t", "pareto"]) results[name] = await analyzeDynamics([join(SERIES, name)], { trajectory: name === "gaussian", evidence: QUICK });
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
    expect(g.flags).toEqual([]);
    const s = layer.spectrum!;
    expect(Math.abs(s.a_high! - 2)).toBeLessThan(0.15);
    expect(Math.abs(s.a_low! - 2)).toBeLessThan(0.15);
    expect(s.a_low_null!.outside).toBe(false);
    expect(s.a_high_null!.outside).toBe(false);
    expect(s.split! * 10).toBeGreaterThan(0);
    // The 127 steps at their natural frequencies k/127 (no padding), in 1/step (10 steps per checkpoint).
    expect(s.fft_length).toBe(127);
    expect(s.frequency).toHaveLength(63);
    expect(s.frequency.at(-1)).toBeCloseTo(63 / 127 / 10, 12);
    expect(s.fit_from).toBeCloseTo(2 / 127 / 10, 12);
    expect(s.low_frequencies!).toBeGreaterThanOrEqual(5);
    expect(s.high_frequencies!).toBeGreaterThanOrEqual(5);
    expect(s.null_power_lo).toHaveLength(63);
    // The alternate scaling is there too: standardised Gaussian steps are still Gaussian.
    expect(layer.alternate.scaling).toBe("standardized");
    expect(layer.alternate.fluctuations.power_law).toBeNull();
    expect(layer.steps.scaling).toBe("raw");
    expect(layer.trajectory).toHaveLength(128);
    expect(layer.trajectory[0]!.step).toBe(0);
    expect(layer.trajectory.at(-1)!.step).toBe(1270);
    expect(r.bytes_read.tracked).toBeLessThan(128 * 112 * 96 * 4);
  });

  it(`Student-t (ν = ${STUDENT_NU}) increments: γ = ν + 1 within 0.15`, () => {
    const layer = results["student-t"]!.layers[0]!;
    const p = layer.fluctuations.power_law!;
    console.log(`student-t: γ = ${p.gamma} [${p.gamma_ci}] on [${p.range}], KS ${p.ks}, GoF p ${p.gof_p}; tail KS ${layer.fluctuations.gaussian?.ks}`);
    expect(Math.abs(p.gamma - (STUDENT_NU + 1))).toBeLessThan(0.15);
    // The steps of each weight are heavy-tailed: Gaussian steps at the same scales fall faster.
    expect(layer.fluctuations.gamma_null!.outside).toBe(true);
    expect(layer.fluctuations.gamma_null!.mean!).toBeGreaterThan(p.gamma);
    expect(p.range_source).toBe("ks-minimum");
    expect(p.range[0]).toBeGreaterThanOrEqual(layer.fluctuations.peak! / 10 ** 0.05);
  });

  it(`Pareto (γ = ${PARETO_GAMMA}) increments: γ within 0.05, range from x_min; ordered by name without steps`, () => {
    const r = results.pareto!;
    expect(r.order).toBe("name");
    expect(r.frequency_unit).toBe("1/checkpoint");
    expect(r.checkpoints.slice(0, 3).map((c) => c.name.split("/").at(-1))).toEqual(["ckpt-1.safetensors", "ckpt-2.safetensors", "ckpt-3.safetensors"]);
    const p = r.layers[0]!.fluctuations.power_law!;
    console.log(`pareto: γ = ${p.gamma} [${p.gamma_ci}] on [${p.range}], KS ${p.ks}, GoF p ${p.gof_p}`);
    expect(Math.abs(p.gamma - PARETO_GAMMA)).toBeLessThan(0.05);
    expect(p.gamma_sd!).toBeGreaterThan(p.gamma_se);
    expect(p.gof_p!).toBeGreaterThan(0.1);
    expect(p.flags).not.toContain("gof-rejected");
    expect(p.range[0]).toBeGreaterThanOrEqual(PARETO_XMIN * 0.999);
    expect(p.range[0]).toBeLessThan(PARETO_XMIN * 10 ** 0.1);
  });

  it("--range and --split are honoured", async () => {
    const r = await analyzeDynamics([join(SERIES, "pareto")], { trajectory: false, evidence: QUICK, fluctuations: { ...DEFAULT_FLUCTUATION_SETTINGS, range: [2e-3, 2e-2] }, spectrum: { ...DEFAULT_SPECTRUM_SETTINGS, split: 0.1 } });
    const p = r.layers[0]!.fluctuations.power_law!;
    expect(p.range).toEqual([2e-3, 2e-2]);
    expect(p.range_source).toBe("given");
    expect(Math.abs(p.gamma - PARETO_GAMMA)).toBeLessThan(0.1);
    expect(p.range_at_minimum).toBe(false);
    expect(p.gamma_ci![0]).toBeLessThanOrEqual(PARETO_GAMMA);
    expect(p.gamma_ci![1]).toBeGreaterThanOrEqual(PARETO_GAMMA);
    expect(r.layers[0]!.spectrum!.split).toBeCloseTo(0.1, 12);
    expect(r.layers[0]!.spectrum!.split_source).toBe("given");
    // A split that leaves a segment short of 5 independent frequencies: that exponent is left out.
    const short = await analyzeDynamics([join(SERIES, "pareto")], { trajectory: false, evidence: { bootstrap: 0, surrogates: 0, gof: 0 }, spectrum: { ...DEFAULT_SPECTRUM_SETTINGS, split: 0.03 } });
    const s = short.layers[0]!.spectrum!;
    expect(s.a_low).toBeNull();
    expect(s.a_high).not.toBeNull();
    expect(s.flags).toEqual(["few-frequencies"]);
  });

  it("the same seed tracks the same weights and draws the same replicates (same bytes); another seed others", async () => {
    const again = await analyzeDynamics([join(SERIES, "student-t")], { trajectory: false, track: 50, evidence: QUICK });
    const same = await analyzeDynamics([join(SERIES, "student-t")], { trajectory: false, track: 50, evidence: QUICK });
    const other = await analyzeDynamics([join(SERIES, "student-t")], { trajectory: false, track: 50, seed: 1, evidence: QUICK });
    expect(JSON.stringify(same)).toBe(JSON.stringify(again));
    expect(other.layers[0]!.fluctuations.median).not.toBe(again.layers[0]!.fluctuations.median);
  });
});

/** The exponent a truncated power law fitted by maximum likelihood has on [lo, hi] under a density. */
function pseudoTrueExponent(density: (x: number) => number, lo: number, hi: number): number {
  const n = 4000;
  const h = Math.log(hi / lo) / n;
  let mass = 0;
  let moment = 0;
  for (let i = 0; i <= n; i++) {
    const x = lo * Math.exp(i * h);
    const w = (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * density(x) * x;
    mass += w;
    moment += w * Math.log(x / lo);
  }
  return powerLawExponent(moment / mass, lo, hi);
}

/** |d| of the Student-t (ν = 2) steps with scale s: 2/s · f_t(x/s), f_t(z) = (1 + z²/2)^(−3/2) / (2√2). */
const studentDensity = (x: number): number => (2 / GAUSSIAN_STEP_SIGMA) * (1 / (2 * Math.SQRT2)) * (1 + (x / GAUSSIAN_STEP_SIGMA) ** 2 / 2) ** -1.5;

describe("statistics at T = 128, 160, 200 and 257 checkpoints (natural frequencies, no padding)", () => {
  const inside = (value: number, ci: [number, number] | null): boolean => ci !== null && value >= ci[0] && value <= ci[1];
  for (const T of [128, 160, 200, 257]) {
    it(`T = ${T}: Gaussian walks a_low, a_high = 2 ± 0.15 inside the null; fractional a = 1.6 inside a_low's interval`, () => {
      const K = 500;
      const walk = analyzeTrackedSeries(walkSeries("gaussian", K, T, T), K, T, { settings: { evidence: { ...QUICK, gof: 0 } } }).spectrum!;
      console.log(`T = ${T} Gaussian walks: a_low ${walk.a_low} [${walk.a_low_ci}] null [${walk.a_low_null?.ci}], a_high ${walk.a_high} [${walk.a_high_ci}] null [${walk.a_high_null?.ci}]`);
      expect(walk.fft_length).toBe(T - 1);
      expect(Math.abs(walk.a_low! - 2)).toBeLessThan(0.15);
      expect(Math.abs(walk.a_high! - 2)).toBeLessThan(0.15);
      expect(walk.a_low_null!.outside).toBe(false);
      expect(walk.a_high_null!.outside).toBe(false);
      const fractional = analyzeTrackedSeries(fractionalSeries(-0.2, 300, T, T), 300, T, { settings: { evidence: { bootstrap: 100, surrogates: 0, gof: 0 } } }).spectrum!;
      console.log(`T = ${T} fractional d = −0.2 (a = 1.6): a_low ${fractional.a_low} [${fractional.a_low_ci}], a_high ${fractional.a_high} [${fractional.a_high_ci}]`);
      expect(inside(1.6, fractional.a_low_ci)).toBe(true);
    });
    it(`T = ${T}: Student-t and Pareto steps: the known exponent inside γ's bootstrap interval`, () => {
      const K = 300;
      const evidence = { bootstrap: 100, surrogates: 0, gof: 0 };
      const t = analyzeTrackedSeries(walkSeries("student-t", K, T, T), K, T, { settings: { evidence } }).fluctuations.power_law!;
      const truth = pseudoTrueExponent(studentDensity, t.range[0], t.range[1]);
      console.log(`T = ${T} Student-t: γ ${t.gamma} [${t.gamma_ci}] on [${t.range}]; the t₂ law's exponent there ${truth}`);
      expect(inside(truth, t.gamma_ci)).toBe(true);
      expect(Math.abs(t.gamma - 3)).toBeLessThan(0.3);
      const p = analyzeTrackedSeries(walkSeries("pareto", K, T, T), K, T, { settings: { evidence } }).fluctuations.power_law!;
      console.log(`T = ${T} Pareto: γ ${p.gamma} [${p.gamma_ci}] on [${p.range}]`);
      expect(inside(PARETO_GAMMA, p.gamma_ci)).toBe(true);
      expect(Math.abs(p.gamma - PARETO_GAMMA)).toBeLessThan(0.05);
    });
  }

  it("a mixture of Gaussian step scales makes a power law that the Gaussian-steps null explains and standardising removes", () => {
    const K = 400;
    const T = 128;
    const values = scaleMixtureSeries(K, T, 3, 5);
    const raw = analyzeTrackedSeries(values, K, T, { settings: { evidence: QUICK } });
    const p = raw.fluctuations.power_law!;
    console.log(`scale mixture: raw γ ${p.gamma} [${p.gamma_ci}] on [${p.range}], null ${raw.fluctuations.gamma_null?.mean} [${raw.fluctuations.gamma_null?.ci}]`);
    expect(Math.abs(p.gamma - 1)).toBeLessThan(0.15);
    expect(raw.fluctuations.gamma_null!.outside).toBe(false);
    expect(raw.steps.rms_max! / raw.steps.rms_min!).toBeGreaterThan(100);
    expect(raw.alternate.scaling).toBe("standardized");
    expect(raw.alternate.fluctuations.power_law).toBeNull();
    const standardized = analyzeTrackedSeries(values, K, T, { settings: { evidence: QUICK, standardize: true } });
    expect(standardized.steps.scaling).toBe("standardized");
    expect(standardized.fluctuations.power_law).toBeNull();
    expect(standardized.alternate.fluctuations.power_law!.gamma).toBe(p.gamma);
  });

  it("flags: the minimum span, a non-Gaussian tail, a rejected power law", () => {
    const T = 128;
    const t = analyzeTrackedSeries(walkSeries("student-t", 300, T, 7), 300, T, { settings: { evidence: { bootstrap: 0, surrogates: 0, gof: 40 }, standardize: true } }).fluctuations;
    console.log(`standardised Student-t: γ ${t.power_law?.gamma} on [${t.power_law?.range}], GoF p ${t.power_law?.gof_p}, flags ${t.power_law?.flags}`);
    expect(t.power_law!.range_at_minimum).toBe(true);
    expect(t.power_law!.flags).toContain("minimum-span");
    expect(t.power_law!.gof_p!).toBeLessThan(0.1);
    expect(t.power_law!.flags).toContain("gof-rejected");
    const raw = analyzeTrackedSeries(walkSeries("student-t", 300, T, 7), 300, T, { settings: { evidence: { bootstrap: 0, surrogates: 0, gof: 0 } } }).fluctuations;
    expect(raw.gaussian!.ks).toBeGreaterThan(0.05);
    expect(raw.gaussian!.flags).toEqual(["tail-not-gaussian"]);
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
    expect(table.stdout).toContain("null a_low");
    expect(table.stdout).toContain("Statistics of raw steps");
    const csv = runCli(["dynamics", dir, "--track", "200", "--no-trajectory", "--format", "csv"]).stdout.trim().split("\n");
    const header = csv[0]!.split(",");
    expect(header).toEqual(expect.arrayContaining(["tensor", "gamma", "gamma_se", "range_lo", "range_hi", "ks", "crossover", "a_low", "a_high", "split"]));
    expect(header).toEqual(expect.arrayContaining(["gamma_ci_lo", "gamma_null", "gof_p", "range_at_minimum", "a_low_null", "a_low_null_lo", "a_low_outside_null", "a_high_ci_hi", "low_frequencies", "scaling", "alt_gamma"]));
    expect(csv).toHaveLength(2);
    const row = Object.fromEntries(header.map((column, i) => [column, csv[1]!.split(",")[i]]));
    expect(row.scaling).toBe("raw");
    expect(row.a_low_outside_null).toBe("false");
    expect(Number(row.a_low_null)).toBeCloseTo(2, 0);
    const standardized = runCli(["dynamics", dir, "--track", "200", "--no-trajectory", "--standardize", "--bootstrap", "0", "--surrogates", "0", "--gof", "0"]);
    expect(standardized.code).toBe(0);
    expect(standardized.stdout).toContain("Statistics of standardised steps");
    expect(standardized.stdout).toContain("For comparison, raw steps");
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
    expect(svg).toContain("null");
    const spec = JSON.parse(readFileSync(join(out, "figs", "fluctuations.vl.json"), "utf8")) as { $schema: string; vconcat: unknown[] };
    expect(spec.$schema).toContain("vega-lite");
    // Both step scalings, the reported one on top.
    expect(spec.vconcat).toHaveLength(2);
    expect(JSON.stringify(spec.vconcat[1])).toContain("standardised");
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
    expect(runCli(["dynamics", join(SERIES, "gaussian"), "--bootstrap", "-1"]).code).toBe(1);
    expect(runCli(["dynamics", join(SERIES, "gaussian"), "--surrogates", "x"]).code).toBe(1);
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
    const g = layer.fluctuations.gamma_null!;
    console.log(
      `mnist-sgd 0.weight: γ = ${p.gamma} [${p.gamma_ci}] on [${p.range}], KS ${p.ks}, GoF p ${p.gof_p}, null ${g.mean} [${g.ci}]; Gaussian s ${layer.fluctuations.gaussian?.sigma} (tail KS ${layer.fluctuations.gaussian?.ks}); ` +
        `a_low ${s.a_low} [${s.a_low_ci}] null [${s.a_low_null?.ci}], a_high ${s.a_high} [${s.a_high_ci}] null [${s.a_high_null?.ci}], split ${s.split}; standardised γ ${layer.alternate.fluctuations.power_law?.gamma}, a_low ${layer.alternate.spectrum?.a_low}, a_high ${layer.alternate.spectrum?.a_high}`,
    );
    expect(p.gamma).toBeGreaterThan(0);
    expect(p.range[1] / p.range[0]).toBeGreaterThanOrEqual(10 * (1 - 1e-9));
    // What the evidence says about this series (README "Training dynamics"): the one-decade range is
    // the minimum span; Gaussian steps at each weight's own scale give the same slope on it; the tail
    // is not Gaussian; both spectral exponents sit a little below the shuffled-steps null.
    expect(p.flags).toContain("minimum-span");
    expect(g.outside).toBe(false);
    expect(layer.fluctuations.gaussian!.flags).toContain("tail-not-gaussian");
    expect(s.a_high).toBeGreaterThan(1);
    expect(s.a_high).toBeLessThan(2.5);
    expect(Math.abs(s.a_low_null!.mean! - 2)).toBeLessThan(0.1);
    expect(s.a_low_ci![1]).toBeLessThan(s.a_low_null!.ci![0]);
    expect(layer.steps.rms_max! / layer.steps.rms_min!).toBeGreaterThan(1e3);
    expect(layer.trajectory).toHaveLength(128);
    for (const point of layer.trajectory) expect(point.r2).toBeGreaterThan(0.9);
  });
});
