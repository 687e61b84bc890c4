/**
 * `jaynes init` end to end on the bundled MNIST MLP and generated fixtures: the written checkpoint is
 * a valid safetensors file of the same architecture, copied tensors are identical byte for byte,
 * drawn layers refit to their parameters, the same seed gives the same bytes.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeFile } from "../src/analysis/model.js";
import { openModel } from "../src/formats/open.js";
import { GENERATED, REAL_MODEL, realTensors } from "./fixtures/make.js";
import { expectCleanError, runCli, runCliAsync } from "./helpers/cli.js";
import { startFakeHub } from "./helpers/hubServer.js";
import { gaussian, mulberry32 } from "./helpers/random.js";
import { type TensorSpec, bytesOf, writeSafetensors } from "./helpers/safetensorsWriter.js";

const dir = mkdtempSync(join(tmpdir(), "jaynes-init-"));
const out = (name: string): string => join(dir, name);

interface InitJson {
  dry_run: boolean;
  seed: number;
  output: { files: string[]; bytes: number };
  tensors: {
    tensor: string;
    action: string;
    out_dtype: string | null;
    reason: string | null;
    duplicate_of?: string;
    draw: { mu: number; sigma: number; mu_plain: number; scale: number; max_abs: number; pinned: number; target_std: number | null; tail_mass: number; fit_se: { mu: number | null; sigma: number | null } | null; null_gaussian: { mu: number; sigma: number }; flags: string[] } | null;
  }[];
}

function init(args: string[]): InitJson {
  const run = runCli(["init", ...args, "--format", "json"]);
  if (run.code !== 0) throw new Error(`init failed (${run.code}): ${run.stderr}`);
  return JSON.parse(run.stdout) as InitJson;
}

const byName = (tensors: TensorSpec[]): Map<string, TensorSpec> => new Map(tensors.map((tensor) => [tensor.name, tensor]));
const f32 = (bytes: Uint8Array): Float32Array => new Float32Array(bytes.slice().buffer);

describe("jaynes init --like the MNIST MLP (epoch 10)", () => {
  const first = out("hot.safetensors");
  const report = init(["--like", REAL_MODEL, "-o", first, "--seed", "7"]);

  it("draws the two fitted layers and copies the rest, names, shapes and dtypes unchanged", () => {
    expect(report.tensors.map((t) => [t.tensor, t.action])).toEqual([
      ["0.bias", "copy"],
      ["0.weight", "draw"],
      ["2.bias", "copy"],
      ["2.weight", "draw"],
      ["4.bias", "copy"],
      ["4.weight", "copy"],
    ]);
    const source = byName(realTensors(REAL_MODEL));
    const written = byName(realTensors(first));
    expect([...written.keys()].sort()).toEqual([...source.keys()].sort());
    for (const [name, tensor] of written) {
      expect(tensor.shape).toEqual(source.get(name)!.shape);
      expect(tensor.dtype).toBe(source.get(name)!.dtype);
      if (name.endsWith("bias") || name === "4.weight") expect(Buffer.compare(tensor.data, source.get(name)!.data)).toBe(0);
      else expect(Buffer.compare(tensor.data, source.get(name)!.data)).not.toBe(0);
    }
  });

  it("is accepted by the strict reader, with the provenance in __metadata__", async () => {
    const model = await openModel(first);
    expect(model.metadata.format).toBe("pt");
    const record = JSON.parse(model.metadata.jaynes_init!) as { seed: number; generator: string; parameters: { kind: string }; layers: Record<string, { mu_plain: number; sigma: number; scale: number }> };
    expect(record.seed).toBe(7);
    expect(record.generator).toBe("philox4x32-10");
    expect(record.parameters.kind).toBe("fit");
    expect(Object.keys(record.layers)).toEqual(["0.weight", "2.weight"]);
  });

  it("refits to the parameters it was drawn from (|Δμ|, |Δσ| < 0.02) with the same max|w|", async () => {
    const source = await analyzeFile(REAL_MODEL);
    const drawn = await analyzeFile(first);
    for (const layer of source.layers) {
      const refit = drawn.layers.find((candidate) => candidate.tensor === layer.tensor)!;
      expect(refit.flags).toEqual([]);
      expect(Math.abs(refit.mu - layer.mu)).toBeLessThan(0.02);
      expect(Math.abs(refit.sigma - layer.sigma)).toBeLessThan(0.02);
      expect(refit.max_abs).toBe(layer.max_abs);
      expect(refit.best).toBe("lognormal");
    }
  });

  it("gives the same bytes for the same seed, other draws for another seed", () => {
    const again = out("hot-again.safetensors");
    init(["--like", REAL_MODEL, "-o", again, "--seed", "7", "--jobs", "1"]);
    expect(Buffer.compare(readFileSync(again), readFileSync(first))).toBe(0);
    const other = byName(realTensors(init(["--like", REAL_MODEL, "-o", out("seed8.safetensors"), "--seed", "8"]).output.files[0]!));
    const mine = byName(realTensors(first));
    expect(Buffer.compare(other.get("0.weight")!.data, mine.get("0.weight")!.data)).not.toBe(0);
    expect(Buffer.compare(other.get("0.bias")!.data, mine.get("0.bias")!.data)).toBe(0);
  });

  it("--from a fit written as JSON, JSONL or CSV gives exactly the bytes of the model's own fits", () => {
    for (const format of ["json", "jsonl", "csv"]) {
      const fit = out(`fit.${format}`);
      expect(runCli(["fit", REAL_MODEL, "--format", format, "-o", fit]).code).toBe(0);
      const written = out(`from-${format}.safetensors`);
      const json = init(["--like", REAL_MODEL, "--from", fit, "-o", written, "--seed", "7"]);
      expect(json.tensors.filter((t) => t.draw).map((t) => t.draw!.mu)).toEqual(report.tensors.filter((t) => t.draw).map((t) => t.draw!.mu));
      const a = byName(realTensors(written));
      const b = byName(realTensors(first));
      for (const name of a.keys()) expect(Buffer.compare(a.get(name)!.data, b.get(name)!.data)).toBe(0);
    }
  });

  it("--mu --sigma: every layer refits to the given lognormal", async () => {
    const written = out("given.safetensors");
    init(["--like", REAL_MODEL, "--mu", "-2.6", "--sigma", "0.65", "-o", written]);
    const refit = await analyzeFile(written);
    for (const layer of refit.layers) {
      expect(Math.abs(layer.mu + 2.6)).toBeLessThan(0.02);
      expect(Math.abs(layer.sigma - 0.65)).toBeLessThan(0.02);
    }
  });

  it("--signs like takes every sign from the reference", () => {
    const written = out("signs.safetensors");
    init(["--like", REAL_MODEL, "--signs", "like", "-o", written, "--seed", "7"]);
    const source = byName(realTensors(REAL_MODEL));
    const drawn = byName(realTensors(written));
    const random = byName(realTensors(first));
    for (const name of ["0.weight", "2.weight"]) {
      const reference = f32(source.get(name)!.data);
      const values = f32(drawn.get(name)!.data);
      const unsigned = f32(random.get(name)!.data);
      let wrongSigns = 0;
      let otherMagnitudes = 0;
      for (let i = 0; i < values.length; i++) {
        if (values[i]! < 0 !== (Object.is(reference[i], -0) || reference[i]! < 0)) wrongSigns++;
        if (Math.abs(values[i]!) !== Math.abs(unsigned[i]!)) otherMagnitudes++; // magnitudes do not depend on the signs
      }
      expect([wrongSigns, otherMagnitudes]).toEqual([0, 0]);
    }
  });

  it("--match-std keeps the drawn layer's root mean square equal to the reference's standard deviation, or Kaiming's", () => {
    const like = out("std-like.safetensors");
    const json = init(["--like", REAL_MODEL, "--match-std", "-o", like]);
    const source = byName(realTensors(REAL_MODEL));
    const drawn = byName(realTensors(like));
    for (const name of ["0.weight", "2.weight"]) {
      const reference = f32(source.get(name)!.data);
      const mean = reference.reduce((sum, v) => sum + v, 0) / reference.length;
      const std = Math.sqrt(reference.reduce((sum, v) => sum + (v - mean) ** 2, 0) / reference.length);
      const values = f32(drawn.get(name)!.data);
      const rms = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0) / values.length);
      expect(rms / std).toBeCloseTo(1, 6);
      const row = json.tensors.find((t) => t.tensor === name)!.draw!;
      expect(row.target_std! / std).toBeCloseTo(1, 9);
      expect(values.reduce((max, v) => Math.max(max, Math.abs(v)), 0)).toBe(Math.fround(row.scale));
    }
    const kaiming = byName(realTensors(init(["--like", REAL_MODEL, "--match-std", "kaiming", "-o", out("std-kaiming.safetensors")]).output.files[0]!));
    const values = f32(kaiming.get("0.weight")!.data);
    expect(Math.sqrt(values.reduce((sum, v) => sum + v * v, 0) / values.length) / Math.sqrt(2 / 784)).toBeCloseTo(1, 6);
  });

  it("--dry-run prints the plan and writes nothing; the table names what is drawn", () => {
    const target = out("dry.safetensors");
    const json = init(["--like", REAL_MODEL, "--dry-run", "-o", target]);
    expect(json.dry_run).toBe(true);
    expect(json.output.files).toEqual([]);
    expect(existsSync(target)).toBe(false);
    expect(json.tensors.find((t) => t.tensor === "0.weight")!.draw!.tail_mass).toBeGreaterThan(0);
    const table = runCli(["init", "--like", REAL_MODEL, "--dry-run"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/0\.weight.*draw/);
    expect(table.stdout).toContain("2 layers (233,472 weights) would be drawn from the model's own fits, seed 0");
  });

  it("shards over --max-shard-size with an index that fit reads as one model of the same numbers", async () => {
    const sharded = out("sharded/model.safetensors");
    mkdirSync(join(dir, "sharded"));
    // 0.bias + 0.weight fill the first 900 KB shard; the other 137 KB go to the second.
    const json = init(["--like", REAL_MODEL, "-o", sharded, "--seed", "7", "--max-shard-size", "900KB"]);
    expect(json.output.files.map((file) => file.slice(dir.length + 1))).toEqual(["sharded/model-00001-of-00002.safetensors", "sharded/model-00002-of-00002.safetensors", "sharded/model.safetensors.index.json"]);
    const index = JSON.parse(readFileSync(json.output.files[2]!, "utf8")) as { metadata: { total_size: number }; weight_map: Record<string, string> };
    expect(Object.keys(index.weight_map).sort()).toEqual(["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"]);
    const shards = [...realTensors(json.output.files[0]!), ...realTensors(json.output.files[1]!)];
    expect(index.metadata.total_size).toBe(shards.reduce((sum, t) => sum + t.data.length, 0));
    const single = byName(realTensors(first));
    for (const tensor of shards) expect(Buffer.compare(tensor.data, single.get(tensor.name)!.data)).toBe(0);
    const whole = await analyzeFile(json.output.files[2]!);
    const one = await analyzeFile(first);
    expect(whole.layers.map((l) => [l.tensor, l.mu, l.sigma])).toEqual(one.layers.map((l) => [l.tensor, l.mu, l.sigma]));
  });
});

describe("jaynes init on other dtypes and formats", () => {
  it.each(["bf16", "f16", "f64"])("%s: drawn in the layer's own dtype, refits within 0.02", async (dtype) => {
    const like = `${GENERATED}dtypes/${dtype}.safetensors`;
    const written = out(`dtype-${dtype}.safetensors`);
    const json = init(["--like", like, "-o", written]);
    const source = await analyzeFile(like);
    const refit = await analyzeFile(written);
    for (const layer of source.layers.filter((l) => l.flags.length === 0)) {
      expect(json.tensors.find((t) => t.tensor === layer.tensor)!.out_dtype).toBe(dtype.toUpperCase());
      const again = refit.layers.find((l) => l.tensor === layer.tensor)!;
      expect(again.dtype).toBe(dtype.toUpperCase());
      expect(Math.abs(again.mu - layer.mu)).toBeLessThan(0.02);
      expect(Math.abs(again.sigma - layer.sigma)).toBeLessThan(0.02);
      expect(again.max_abs).toBe(layer.max_abs);
    }
  });

  it("F8 layers (few levels, flagged) are copied byte for byte", () => {
    const like = `${GENERATED}dtypes/f8_e4m3.safetensors`;
    const written = out("f8.safetensors");
    const json = init(["--like", like, "-o", written]);
    expect(json.tensors.every((t) => t.action === "copy")).toBe(true);
    expect(json.tensors[0]!.reason).toMatch(/flagged .*few-levels/);
    const a = realTensors(like);
    const b = byName(realTensors(written));
    for (const tensor of a) expect(Buffer.compare(tensor.data, b.get(tensor.name)!.data)).toBe(0);
  });

  it("a PyTorch checkpoint becomes safetensors with the same tensors; views out of row-major order are drawn or omitted, never copied", () => {
    const written = out("from-torch.safetensors");
    const json = init(["--like", `${GENERATED}pytorch/mnist.pt`, "-o", written]);
    const source = byName(realTensors(REAL_MODEL));
    const drawn = byName(realTensors(written));
    expect([...drawn.keys()].sort()).toEqual([...source.keys(), "num_batches_tracked"].sort());
    for (const name of ["0.bias", "2.bias", "4.weight", "4.bias"]) expect(Buffer.compare(drawn.get(name)!.data, source.get(name)!.data)).toBe(0);
    // An integer buffer (BatchNorm's counter) is located in the archive and copied as I64.
    expect(drawn.get("num_batches_tracked")!.dtype).toBe("I64");
    expect(drawn.get("num_batches_tracked")!.data).toHaveLength(8);
    expect(json.tensors.filter((t) => t.action === "draw").map((t) => t.tensor)).toEqual(["0.weight", "2.weight"]);

    const views = init(["--like", `${GENERATED}pytorch/views.pt`, "-o", out("views.safetensors"), "--min-params", "100000000"]);
    const actions = Object.fromEntries(views.tensors.map((t) => [t.tensor, t.action]));
    expect(actions["0.weight.T"]).toBe("omit");
    expect(actions.left).toBe("copy");
    const left = byName(realTensors(out("views.safetensors"))).get("left")!;
    expect(Buffer.compare(left.data, realTensors(`${GENERATED}pytorch/views-expected.safetensors`)[0]!.data)).toBe(0);
  });

  it("big-endian storage is copied value for value as little-endian", () => {
    const written = out("big-endian.safetensors");
    init(["--like", `${GENERATED}pytorch/big-endian.pt`, "-o", written, "--min-params", "100000000"]);
    expect(Buffer.compare(realTensors(written)[0]!.data, byName(realTensors(REAL_MODEL)).get("0.weight")!.data)).toBe(0);
  });
});

describe("jaynes init carries the evidence of the fits it draws from (METHOD §7)", () => {
  // A Gaussian layer, a bit-identical copy of it (tied weights), and a pruned layer (half zeros).
  const normal = gaussian(mulberry32(11));
  const a = Float32Array.from({ length: 300 * 200 }, () => normal() * 0.05);
  const pruned = Float32Array.from({ length: 300 * 200 }, (_, i) => (i % 2 === 0 ? 0 : normal() * 0.05));
  const like = out("evidence.safetensors");
  writeSafetensors(like, [
    { name: "a.weight", dtype: "F32", shape: [300, 200], data: bytesOf(a) },
    { name: "b.weight", dtype: "F32", shape: [300, 200], data: bytesOf(a) },
    { name: "c.weight", dtype: "F32", shape: [300, 200], data: bytesOf(pruned) },
  ]);

  it("each drawn layer has the fit's SE of μ and σ, the Gaussian null of its size and its flags; a copy of a layer is drawn identically; a pruned layer is flagged sparse and copied", async () => {
    const written = out("evidence-init.safetensors");
    const json = init(["--like", like, "-o", written, "--seed", "3"]);
    const fit = await analyzeFile(like);
    const layer = fit.layers.find((l) => l.tensor === "a.weight")!;
    const row = (name: string) => json.tensors.find((t) => t.tensor === name)!;
    expect(row("a.weight").action).toBe("draw");
    expect(row("a.weight").draw!.fit_se).toEqual({ mu: layer.fit_se.mu, sigma: layer.fit_se.sigma });
    expect(row("a.weight").draw!.fit_se!.sigma).toBeGreaterThan(0);
    expect(row("a.weight").draw!.null_gaussian).toEqual({ mu: layer.null_gaussian.mu, sigma: layer.null_gaussian.sigma });
    // A Gaussian layer: its σ is the Gaussian null's, within a few SE.
    expect(Math.abs(layer.sigma - layer.null_gaussian.sigma)).toBeLessThan(0.03);
    expect(row("a.weight").draw!.flags).toEqual([]);
    expect(fit.skipped.find((s) => s.tensor === "b.weight")!.duplicate_of).toBe("a.weight");
    expect(row("b.weight")).toMatchObject({ action: "draw", duplicate_of: "a.weight" });
    expect(row("b.weight").draw).toEqual(row("a.weight").draw);
    expect(row("c.weight").action).toBe("copy");
    expect(row("c.weight").reason).toMatch(/flagged .*sparse/);
    const tensors = byName(realTensors(written));
    expect(Buffer.compare(tensors.get("a.weight")!.data, tensors.get("b.weight")!.data)).toBe(0);
    expect(Buffer.compare(tensors.get("a.weight")!.data, Buffer.from(bytesOf(a)))).not.toBe(0);
    expect(Buffer.compare(tensors.get("c.weight")!.data, Buffer.from(bytesOf(pruned)))).toBe(0);
    const table = runCli(["init", "--like", like, "--dry-run"]);
    expect(table.stdout).toMatch(/SE σ/);
    expect(table.stdout).toMatch(/σ₀/);
    expect(table.stdout).toMatch(/b\.weight.*as a\.weight/);
  });

  it("--mu/--sigma have no SE; --from a fit JSON or CSV carries its SE", () => {
    const given = init(["--like", like, "--dry-run", "--mu", "-2.6", "--sigma", "0.65"]);
    expect(given.tensors.find((t) => t.tensor === "a.weight")!.draw!.fit_se).toBeNull();
    expect(given.tensors.find((t) => t.tensor === "a.weight")!.draw!.null_gaussian.sigma).toBeGreaterThan(0.5);
    const own = init(["--like", like, "--dry-run"]).tensors.find((t) => t.tensor === "a.weight")!.draw!;
    for (const format of ["json", "csv"]) {
      const fit = out(`evidence-fit.${format}`);
      writeFileSync(fit, runCli(["fit", like, "--format", format]).stdout);
      const fromFile = init(["--like", like, "--dry-run", "--from", fit]).tensors.find((t) => t.tensor === "a.weight")!.draw!;
      expect(fromFile.fit_se!.sigma!).toBeCloseTo(own.fit_se!.sigma!, 12);
      expect(fromFile.null_gaussian.sigma).toBeCloseTo(own.null_gaussian.sigma, 12);
    }
  });
});

describe("jaynes init --like hf://", () => {
  it("a sharded model on a local stand-in for the Hub gives the bytes of the local files", async () => {
    const hub = await startFakeHub({ "test/sharded": { revisions: { main: join(GENERATED, "sharded") } } });
    try {
      const home = join(dir, "hf-home");
      mkdirSync(home, { recursive: true });
      const env = { HF_ENDPOINT: hub.url, HF_HOME: home, HF_TOKEN: "", HF_TOKEN_PATH: "" };
      const remote = out("from-hub.safetensors");
      const run = await runCliAsync(["init", "--like", "hf://test/sharded", "-o", remote, "--signs", "like", "--quiet"], env);
      expect(run.code, run.stderr).toBe(0);
      const local = out("from-local-shards.safetensors");
      init(["--like", join(GENERATED, "sharded/model.safetensors.index.json"), "-o", local, "--signs", "like"]);
      const a = byName(realTensors(remote));
      const b = byName(realTensors(local));
      expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
      for (const [name, tensor] of a) expect(Buffer.compare(tensor.data, b.get(name)!.data)).toBe(0);
    } finally {
      await hub.close();
    }
  });
});

describe("jaynes init refuses, with one line and no output file", () => {
  it.each([
    [["--mu", "-2"], 1, "--mu and --sigma go together"],
    [["--mu", "-2", "--sigma", "0.6", "--from", "x.json"], 1, "alternatives"],
    [["--scale", "0.1", "--match-std"], 1, "--scale and --match-std"],
    [["--sigma", "0", "--mu", "1"], 1, "--sigma must be a number greater than 0"],
    [["--max-shard-size", "lots"], 1, "--max-shard-size must be a size"],
  ])("%j", (args, code, message) => {
    const run = runCli(["init", "--like", REAL_MODEL, "-o", out("never.safetensors"), ...args]);
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(message);
    expect(existsSync(out("never.safetensors"))).toBe(false);
  });

  it("no -o without --dry-run", () => {
    const run = runCli(["init", "--like", REAL_MODEL]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("-o/--output is required");
  });

  it("an output that is the input, a FIFO (like a device) or a directory: exit 73", () => {
    const fifo = out("pipe");
    spawnSync("mkfifo", [fifo]);
    for (const [target, message] of [
      [REAL_MODEL, "is an input"],
      [fifo, "FIFO, device or descriptor"],
      [dir, "it is a directory"],
    ] as const) {
      const before = target === REAL_MODEL ? readFileSync(REAL_MODEL) : undefined;
      const run = runCli(["init", "--like", REAL_MODEL, "-o", target]);
      expect(run.code).toBe(73);
      expect(expectCleanError(run)).toEqual([expect.stringContaining(message)]);
      if (before) expect(Buffer.compare(readFileSync(REAL_MODEL), before)).toBe(0);
    }
  });

  it("a fit of another architecture (exit 2), a fit of several models, an unreadable model", () => {
    const other = out("other-fit.csv");
    writeFileSync(other, "model,tensor,shape,mu,sigma,max_abs,flags,normalize\nm,0.weight,32x784,-2,0.6,0.3,,max\n");
    const mismatch = runCli(["init", "--like", REAL_MODEL, "--from", other, "-o", out("never.safetensors")]);
    expect(mismatch.code).toBe(2);
    expect(expectCleanError(mismatch)).toEqual([expect.stringMatching(/other-fit\.csv: different shapes \("0\.weight" 32×784 in the fit vs 256×784\)/)]);
    const two = out("two-fits.csv");
    writeFileSync(two, "model,tensor,shape,mu,sigma,max_abs,flags,normalize\na,x,4,-2,0.6,0.3,,max\nb,x,4,-2,0.6,0.3,,max\n");
    expect(runCli(["init", "--like", REAL_MODEL, "--from", two, "-o", out("never.safetensors")]).stderr).toContain("holds the fits of 2 models");
    const missing = runCli(["init", "--like", out("missing.safetensors"), "-o", out("never.safetensors")]);
    expect(missing.code).toBe(2);
    expect(existsSync(out("never.safetensors"))).toBe(false);
  });
});
