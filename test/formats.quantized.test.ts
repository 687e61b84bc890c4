/**
 * Checkpoint quantisation schemes (fixtures: test/fixtures/makeQuantized.ts, quantisers and
 * independent dequantisers: test/helpers/quantizers.ts). For every scheme: the quantised checkpoint
 * gives exactly the numbers of its dequantised weights stored as F32 safetensors, its histogram equals
 * one computed here from the independently dequantised values, the side tensors are consumed (skipped,
 * never fitted), the BF16 norm beside it is reported as a plain layer, and splitting the layer into
 * many ranges on worker threads changes nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyzeFile, openModel } from "../src/index.js";
import { accumulateTensor } from "../src/pipeline.js";
import { type LayerResult, isLayerResult, layerResult } from "../src/analysis/layerResult.js";
import { resolveSettings } from "../src/analysis/settings.js";
import { InlineExecutor } from "../src/parallel/executor.js";
import { WorkerPool } from "../src/parallel/pool.js";
import type { LayerStatistics } from "../src/stats/layerHistograms.js";
import { GENERATED, realTensors } from "./fixtures/make.js";
import type { QuantizedCase } from "./fixtures/makeQuantized.js";
import { expectCleanError, runCli } from "./helpers/cli.js";
import { f32 } from "./helpers/floatEncode.js";
import { encodeSafetensors } from "./helpers/safetensorsWriter.js";

const CASES = JSON.parse(readFileSync(join(GENERATED, "quantized", "cases.json"), "utf8")) as QuantizedCase[];

/** numpy.histogram(|w|/max, bins=B, range=(0, 1)) counts, computed from scratch. */
function numpyHistogram(values: Float32Array, bins: number): { counts: number[]; max: number } {
  let max = 0;
  for (const v of values) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? 1 : i * (1 / bins)));
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const x = Math.abs(v) / max;
    let i = Math.min(bins - 1, Math.floor(x * bins));
    while (i > 0 && x < edges[i]!) i--;
    while (i < bins - 1 && x >= edges[i + 1]!) i++;
    counts[i]!++;
  }
  return { counts, max };
}

function independentMax(values: Float32Array): number {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  return max;
}

async function analyse(path: string): Promise<{ layers: Map<string, LayerResult>; stats: Map<string, LayerStatistics>; skipped: Map<string, string> }> {
  const stats = new Map<string, LayerStatistics>();
  const result = await analyzeFile(path, {}, { jobs: 1, onLayer: (layer, s) => stats.set(layer.tensor, s) });
  return { layers: new Map(result.layers.map((l) => [l.tensor, l])), stats, skipped: new Map(result.skipped.map((s) => [s.tensor, s.reason])) };
}

/** Fields that must be identical between the quantised checkpoint and its dequantised F32 copy. */
const EXACT_FIELDS = ["shape", "params", "A", "mu", "sigma", "r2", "mu_plain", "max_abs", "zeros", "nonfinite", "first_bin_mass", "distinct", "distinct_exact", "flags", "converged", "iterations", "loglik", "aic", "alternatives", "best", "null_r2", "alpha", "beta", "equilibrium_spread"] as const;

/**
 * The evidence (METHOD §7) both paths of a quantised layer — keyed counts and the float fallback —
 * must give exactly as its dequantised F32 copy: it is read off the same grids and top order statistics.
 */
const EVIDENCE_FIELDS = ["null_gaussian", "null_laplace", "fit_se", "fit_corr_mu_sigma", "sigma_half_bins", "sigma_double_bins", "max_ratio", "mu_drop_max", "ml", "best_ml", "gof_per_dof"] as const;

/** One pool of two worker threads for every case (starting workers per case costs more than the checks). */
let sharedPool: WorkerPool | undefined;
const workers = (): WorkerPool => (sharedPool ??= new WorkerPool(2));
afterAll(async () => sharedPool?.close());

describe.each(CASES)("quantised checkpoint $case", (c) => {
  const analysed = new Map<string, ReturnType<typeof analyse>>();
  const cached = (path: string): ReturnType<typeof analyse> => {
    if (!analysed.has(path)) analysed.set(path, analyse(path));
    return analysed.get(path)!;
  };

  it("equals its dequantised weights as F32 safetensors, and an independent decode", async () => {
    const quantized = await cached(c.path);
    const plain = await cached(c.dequantized);
    const layer = quantized.layers.get(c.tensor)!;
    const reference = plain.layers.get(c.tensor)!;
    expect(layer, `${c.tensor} is fitted`).toBeDefined();
    for (const field of EXACT_FIELDS) expect(layer[field], field).toEqual(reference[field]);
    expect(Array.from(quantized.stats.get(c.tensor)!.counts)).toEqual(Array.from(plain.stats.get(c.tensor)!.counts));
    for (const field of EVIDENCE_FIELDS) expect(layer[field], field).toEqual(reference[field]);
    expect(layer.sigma_double_bins, "a 2B grid was accumulated").not.toBeNull();
    expect(layer.max_ratio, "the top order statistics were kept").not.toBeNull();
    const stats = quantized.stats.get(c.tensor)!;
    const plainStats = plain.stats.get(c.tensor)!;
    expect(stats.top).toEqual(plainStats.top);
    expect(stats.grids.map((grid) => [grid.scale, grid.bins, ...grid.counts])).toEqual(plainStats.grids.map((grid) => [grid.scale, grid.bins, ...grid.counts]));
    // The bootstrap reads the grids and the top order statistics only: the same intervals.
    const settings = resolveSettings({ bootstrap: 40, seed: 7 });
    const identity = { name: c.tensor, shape: layer.shape, params: layer.params, dtype: layer.dtype, depth: layer.depth };
    const withBootstrap = layerResult(identity, stats, settings);
    const plainBootstrap = layerResult(identity, plainStats, settings);
    expect(isLayerResult(withBootstrap) && isLayerResult(plainBootstrap)).toBe(true);
    if (isLayerResult(withBootstrap) && isLayerResult(plainBootstrap)) {
      expect(withBootstrap.bootstrap).toEqual(plainBootstrap.bootstrap);
      if (withBootstrap.bootstrap) expect(withBootstrap.bootstrap.replicates).toBe(40);
    }

    const values = f32(realTensors(c.dequantized).find((t) => t.name === c.tensor)!.data);
    // F32 log-moments come from 2^16 buckets, which few-level data defeats (up to ~3e-3 here); the key
    // path sums ln|w| exactly, so it is at least as close to the exact moments as the F32 path.
    const max = independentMax(values);
    const logs = Array.from(values, (v) => Math.abs(v)).filter((a) => a > 0).map((a) => Math.log(a / max));
    const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / logs.length);
    expect(Math.abs(layer.mle_mu - mean)).toBeLessThanOrEqual(Math.abs(reference.mle_mu - mean) + 1e-9);
    expect(Math.abs(layer.mle_sigma - sd)).toBeLessThanOrEqual(Math.abs(reference.mle_sigma - sd) + 1e-9);
    const independent = numpyHistogram(values, 100);
    expect(layer.max_abs).toBe(independent.max);
    expect(Array.from(quantized.stats.get(c.tensor)!.counts)).toEqual(independent.counts);
    expect(layer.zeros).toBe(values.filter((v) => v === 0).length);
    expect(layer.distinct).toBe(new Set(Array.from(values, Math.abs)).size);
  });

  it("reports the scheme, consumes the side tensors and keeps the plain layer beside it", async () => {
    const quantized = await cached(c.path);
    const layer = quantized.layers.get(c.tensor)!;
    expect(layer.shape).toEqual(c.shape);
    expect(layer.quantization).toBeTruthy();
    expect(layer.quantization_scheme?.scheme).toBe(c.scheme);
    expect(layer.quantization_scheme?.detected_from).toBe("config.json");
    for (const name of c.consumed) expect(quantized.skipped.get(name), name).toMatch(/quantisation parameter of/);
    expect([...quantized.layers.keys()].sort()).toEqual([c.tensor, "model.norm.weight"].sort());
    const norm = quantized.layers.get("model.norm.weight")!;
    expect(norm.dtype).toBe("BF16");
    expect(norm.quantization).toBeUndefined();
  });

  it("gives the same statistics cut into small ranges on worker threads", async () => {
    const model = await openModel(c.path);
    const tensor = model.tensors.find((t) => t.name === c.tensor)!;
    const inline = new InlineExecutor();
    try {
      const whole = await accumulateTensor(tensor.data!, undefined, { bins: 100, executor: inline });
      const parts = await accumulateTensor(tensor.data!, undefined, { bins: 100, executor: workers(), rangeBytes: 9_000, chunkBytes: 4_096 });
      expect(Array.from(parts.counts)).toEqual(Array.from(whole.counts));
      for (const field of ["finite", "zeros", "maxAbs", "distinct", "distinctExact", "logCount"] as const) expect(parts[field], field).toBe(whole[field]);
      expect(parts.logSum).toBeCloseTo(whole.logSum, 6);
    } finally {
      await inline.close();
    }
  });
});

describe("quantised checkpoints without config.json", () => {
  const dir = mkdtempSync(join(tmpdir(), "jaynes-quant-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("are recognised from their tensors alone", async () => {
    for (const name of ["mxfp4", "nvfp4-ct", "awq", "bnb-nf4", "fp8-channel"]) {
      const c = CASES.find((k) => k.case === name)!;
      const path = join(dir, `${name}.safetensors`);
      writeFileSync(path, readFileSync(c.path));
      const alone = await analyse(path);
      const withConfig = await analyse(c.path);
      const layer = alone.layers.get(c.tensor)!;
      expect(layer.quantization_scheme?.detected_from, name).toBe("tensors");
      expect(layer.mu, name).toBe(withConfig.layers.get(c.tensor)!.mu);
      expect(Array.from(alone.stats.get(c.tensor)!.counts)).toEqual(Array.from(withConfig.stats.get(c.tensor)!.counts));
    }
  });

  it("a scale tensor that does not fit its codes is one input error naming file and tensor", () => {
    const c = CASES.find((k) => k.case === "mxfp4")!;
    const tensors = realTensors(c.path).map((t) => (t.name.endsWith("_scales") ? { ...t, shape: [t.shape[0]!, t.shape[1]! / 2, t.shape[2]! * 2] } : t));
    const path = join(dir, "bad-mxfp4.safetensors");
    writeFileSync(path, encodeSafetensors(tensors));
    const run = runCli(["fit", path]);
    expect(run.code).toBe(2);
    const lines = expectCleanError(run);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(path);
    expect(lines[0]).toContain("gate_up_proj_scales");
    expect(lines[0]).toContain("one scale per block");
    expect(run.stdout).toBe("");
  });
});

describe("jaynes fit on quantised checkpoints", () => {
  it("prints the structured scheme in JSON and CSV, and marks the dtype in the table", () => {
    const c = CASES.find((k) => k.case === "fp8-block")!;
    const json = runCli(["fit", c.path, "--format", "json"]);
    expect(json.code).toBe(0);
    const model = JSON.parse(json.stdout).models[0];
    const layer = model.layers.find((l: LayerResult) => l.tensor === c.tensor);
    expect(layer.quantization_scheme).toEqual({ scheme: "fp8", bits: 8, block_size: 128 * 128, granularity: "block", code: "E4M3", scale: "F32", zero_point: false, detected_from: "config.json" });
    expect(model.skipped.map((s: { tensor: string }) => s.tensor)).toContain(`${c.tensor}_scale_inv`);

    const csv = runCli(["fit", c.path, "--format", "csv"]);
    const cells = (line: string): string[] => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].map((m) => m[1]!).slice(0, -1);
    const [header, ...rows] = csv.stdout.trim().split("\n");
    const columns = cells(header!);
    const row = cells(rows.find((r) => r.includes(c.tensor))!);
    expect(row[columns.indexOf("quantization_scheme")]).toBe("fp8");
    expect(row[columns.indexOf("quantization_bits")]).toBe("8");

    const table = runCli(["fit", c.path]);
    expect(table.stdout).toContain("F8_E4M3*");
    expect(table.stdout).toContain("decoded from quantised storage");
  });

  it("flags a 4-bit layer as few-levels", () => {
    const c = CASES.find((k) => k.case === "mxfp4")!;
    const run = runCli(["fit", c.path, "--format", "json"]);
    const layer = JSON.parse(run.stdout).models[0].layers.find((l: LayerResult) => l.tensor === c.tensor);
    expect(layer.flags).toContain("few-levels");
    expect(layer.distinct).toBeLessThan(400);
  });
});
