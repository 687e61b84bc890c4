/**
 * Checkpoint folders as training frameworks and the Hugging Face cache leave them (fixtures from
 * test/fixtures/makeFolders.ts): Trainer checkpoints with their companions, a parent of checkpoint-N
 * folders (scan and dynamics), DeepSpeed/FSDP engine state, a PEFT adapter, a local Hugging Face
 * cache, incomplete shard series, a GGUF split, defective shard indexes, and a tree with an
 * unreadable folder and broken links (run as an unprivileged user).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scanCacheDir } from "@huggingface/hub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeFile, type ModelResult } from "../src/index.js";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { TRAINER_STEPS, commitFor, type IndexDefect } from "./fixtures/makeFolders.js";
import { BIN, expectCleanError, runCli } from "./helpers/cli.js";

const FOLDERS = join(GENERATED, "folders");
const TRAINER = join(FOLDERS, "trainer");
const HUB = join(FOLDERS, "hf-cache", "hub");
const COMPANIONS = ["config.json", "generation_config.json", "optimizer.pt", "rng_state.pth", "scaler.pt", "scheduler.pt", "trainer_state.json", "training_args.bin"];

interface Summary {
  models: { model: string }[];
  failures: { model: string; error: string; code: string }[];
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "jaynes-folders-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function scan(roots: string[], extra: string[] = []): { code: number; summary: Summary; stderr: string } {
  const out = mkdtempSync(join(work, "scan-"));
  const run = runCli(["scan", ...roots, "--out", out, "--jobs", "1", ...extra]);
  return { code: run.code, stderr: run.stderr, summary: JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Summary };
}

const fitJson = (args: string[]): { code: number; models: ModelResult[]; stderr: string } => {
  const run = runCli(["fit", ...args, "--format", "json"]);
  return { code: run.code, stderr: run.stderr, models: run.stdout ? (JSON.parse(run.stdout) as { models: ModelResult[] }).models : [] };
};

describe("Trainer checkpoint folders", () => {
  it("fit on checkpoint-500/: the weights only; every companion listed as skipped with --verbose", () => {
    const run = runCli(["fit", join(TRAINER, "checkpoint-500"), "--format", "csv", "-v"]);
    expect(run.code, run.stderr).toBe(0);
    expect(new Set(run.stdout.trim().split("\n").slice(1).map((line) => line.split(",")[0]))).toEqual(new Set([join(TRAINER, "checkpoint-500", "model.safetensors")]));
    for (const name of COMPANIONS) expect(run.stderr).toContain(`jaynes: skipped ${join(TRAINER, "checkpoint-500", name)}: `);
    expect(run.stderr).toMatch(/skipped .*optimizer\.pt: optimizer state \(Adam moments\), not weights/);
    // Without --verbose, nothing is said about them.
    expect(runCli(["fit", join(TRAINER, "checkpoint-500")]).stderr).toBe("");
  });

  it("named explicitly, an optimizer state is a model of its own (Adam moments); RNG state, scheduler and training args are refused", () => {
    const optimizer = fitJson([join(TRAINER, "checkpoint-500", "optimizer.pt")]);
    expect(optimizer.code, optimizer.stderr).toBe(0);
    expect(optimizer.models[0]!.layers.map((layer) => layer.tensor)).toEqual(["state.0.exp_avg", "state.0.exp_avg_sq", "state.1.exp_avg", "state.1.exp_avg_sq"]);
    for (const [name, what] of [
      ["rng_state.pth", "random-number generator state"],
      ["scheduler.pt", "learning-rate scheduler state"],
      ["training_args.bin", "the Trainer's training arguments"],
    ]) {
      const run = runCli(["fit", join(TRAINER, "checkpoint-500", name!)]);
      expect(run.code).toBe(2);
      expect(expectCleanError(run)).toEqual([expect.stringContaining(`jaynes: error: ${join(TRAINER, "checkpoint-500", name!)}: is ${what}`)]);
    }
  });

  it("scan of the output_dir: one model per checkpoint plus the final save, exit 0; DeepSpeed and FSDP state skipped", () => {
    const { code, summary, stderr } = scan([TRAINER], ["-v"]);
    expect(code, stderr).toBe(0);
    expect(summary.failures).toEqual([]);
    expect(summary.models.map((model) => model.model)).toEqual([...TRAINER_STEPS.map((step) => join(TRAINER, `checkpoint-${step}`, "model.safetensors")).sort(), join(TRAINER, "model.safetensors")]);
    expect(stderr).toContain(`jaynes: skipped ${join(TRAINER, "checkpoint-1500", "global_step1500")}: DeepSpeed engine checkpoint`);
    expect(stderr).toContain(`jaynes: skipped ${join(TRAINER, "checkpoint-1000", "pytorch_model_fsdp_0")}: FSDP sharded state dict`);
    expect(stderr).not.toMatch(/__0_0\.distcp|mp_rank_00_model_states\.pt/); // nothing inside those folders is looked at
  });

  it("fit on the output_dir: the final save and each checkpoint", () => {
    const run = fitJson([TRAINER]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.models.map((model) => model.model)).toEqual([join(TRAINER, "model.safetensors"), ...TRAINER_STEPS.map((step) => join(TRAINER, `checkpoint-${step}`, "model.safetensors"))]);
  });

  it("dynamics on the output_dir: the checkpoints ordered by global_step of trainer_state.json; the final save left out", () => {
    const run = runCli(["dynamics", TRAINER, "--format", "json", "--no-trajectory", "-v"]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { order: string; step_interval: number | null; checkpoints: { name: string; step: number }[] };
    expect(result.order).toBe("step");
    expect(result.step_interval).toBe(500);
    expect(result.checkpoints).toEqual(TRAINER_STEPS.map((step) => ({ name: join(TRAINER, `checkpoint-${step}`, "model.safetensors"), step })));
    expect(run.stderr).toContain(`jaynes: skipped ${join(TRAINER, "model.safetensors")}: a model beside checkpoint-N/ folders`);
  });

  it("global_step decides the order even where the folder names would not (renamed folders)", async () => {
    const { openCheckpointSeries } = await import("../src/pipeline.js");
    const dir = join(work, "renamed");
    for (const [name, step] of [["b-first", 1500], ["a-second", 500], ["c-third", 1000]] as const) cpSync(join(TRAINER, `checkpoint-${step}`), join(dir, name), { recursive: true });
    const series = await openCheckpointSeries([join(dir, "a-second"), join(dir, "b-first"), join(dir, "c-third")]);
    expect(series.order).toBe("step");
    expect(series.checkpoints.map((checkpoint) => checkpoint.step)).toEqual([500, 1000, 1500]);
  });
});

describe("PEFT adapters", () => {
  it("adapter_model.safetensors is one model (its LoRA factors); adapter_config.json is skipped", () => {
    const { code, summary } = scan([join(FOLDERS, "peft")]);
    expect(code).toBe(0);
    expect(summary.models.map((model) => model.model)).toEqual([join(FOLDERS, "peft", "adapter_model.safetensors")]);
    const run = runCli(["fit", join(FOLDERS, "peft"), "-v", "--min-params", "1000", "--format", "csv"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("base_model.model.0.lora_A.weight");
    expect(run.stderr).toContain("adapter_config.json: PEFT adapter configuration");
  });
});

describe("a local Hugging Face cache", () => {
  it("the fixture is a valid cache for @huggingface/hub's own scanner", async () => {
    const cache = await scanCacheDir(HUB);
    expect(cache.warnings).toEqual([]);
    expect(cache.repos.map((repo) => [repo.id.name, repo.revisions.map((revision) => revision.refs.join()).sort()]).sort()).toEqual([
      ["org/alpha", ["main", "step0"]],
      ["org/beta", ["main"]],
    ]);
  });

  it("scan of the cache root: one model per repo@revision (blobs never counted again), exit 0", () => {
    const { code, summary, stderr } = scan([join(FOLDERS, "hf-cache")]);
    expect(code, stderr).toBe(0);
    expect(summary.failures).toEqual([]);
    expect(summary.models.map((model) => model.model)).toEqual(
      [
        join(HUB, "models--org--alpha", "snapshots", commitFor("org/alpha@main"), "model.safetensors"),
        join(HUB, "models--org--alpha", "snapshots", commitFor("org/alpha@step0"), "model.safetensors"),
        join(HUB, "models--org--beta", "snapshots", commitFor("org/beta@main"), "model.safetensors.index.json"),
      ].sort(),
    );
  });

  it("fit on a snapshot folder (links into blobs/) prints what fit on the plain file prints, byte for byte", () => {
    const snapshot = join(HUB, "models--org--alpha", "snapshots", commitFor("org/alpha@main"));
    const plain = join(work, "model.safetensors");
    writeFileSync(plain, readFileSync(join(snapshot, "model.safetensors"))); // the same bytes, as a plain file
    for (const format of ["csv", "json"]) {
      const fromSnapshot = runCli(["fit", snapshot, "--format", format]);
      const fromFile = runCli(["fit", plain, "--format", format]);
      expect(fromSnapshot.code, fromSnapshot.stderr).toBe(0);
      expect(fromSnapshot.stdout.split(JSON.stringify(join(snapshot, "model.safetensors")).slice(1, -1)).join("MODEL")).toBe(fromFile.stdout.split(plain).join("MODEL"));
    }
  });

  it("a snapshot holding safetensors shards and pytorch_model.bin: the shards are the model, the .bin is skipped", () => {
    const snapshot = join(HUB, "models--org--beta", "snapshots", commitFor("org/beta@main"));
    const run = runCli(["fit", snapshot, "--format", "json", "-v"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("pytorch_model.bin: the safetensors weights beside it in another serialisation");
  });
});

describe("shard series", () => {
  it("one shard of a series given alone is an input error naming the missing shards, in fit", () => {
    const dir = join(FOLDERS, "shards-incomplete");
    const alone = runCli(["fit", join(dir, "model-00001-of-00003.safetensors")]);
    expect(alone.code).toBe(2);
    expect(expectCleanError(alone)).toEqual([`jaynes: error: ${join(dir, "model-00001-of-00003.safetensors")}: incomplete shard series: 1 of 3 shards, missing model-00002-of-00003.safetensors, model-00003-of-00003.safetensors`]);
    const both = runCli(["fit", join(dir, "model-00001-of-00003.safetensors"), join(dir, "model-00003-of-00003.safetensors")]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("incomplete shard series: 2 of 3 shards, missing model-00002-of-00003.safetensors");
    const sharded = runCli(["fit", join(GENERATED, "sharded", "model-00001-of-00002.safetensors")]);
    expect(sharded.stderr).toContain("missing model-00002-of-00002.safetensors; they are in the folder: give the folder, the index or every shard");
  });

  it("… and in scan, where the other models are still analysed", () => {
    const { code, summary } = scan([join(FOLDERS, "shards-incomplete"), join(FOLDERS, "peft")]);
    expect(code).toBe(2);
    expect(summary.models).toHaveLength(1);
    expect(summary.failures).toEqual([{ model: join(FOLDERS, "shards-incomplete", "model-*-of-00003.safetensors"), code: "model", error: expect.stringContaining("incomplete shard series: 2 of 3 shards, missing model-00002-of-00003.safetensors") }]);
  });

  it("a GGUF split series is one model, equal to the same tensors in one GGUF file", async () => {
    const run = fitJson([join(FOLDERS, "gguf-split")]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.models).toHaveLength(1);
    expect(run.models[0]!.model).toBe(join(FOLDERS, "gguf-split", "mnist-*-of-00002.gguf"));
    const whole = await analyzeFile(join(FOLDERS, "gguf-whole.gguf"));
    expect(run.models[0]!.layers).toEqual(whole.layers);
    const alone = runCli(["fit", join(FOLDERS, "gguf-split", "mnist-00002-of-00002.gguf")]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain("missing mnist-00001-of-00002.gguf");
  });
});

describe("Keras 3's npz weights store", () => {
  it("model.keras with model.weights.npz, and model.weights.npz alone: refused, saying why and what to do", () => {
    const dir = join(FOLDERS, "keras-npz");
    const archive = runCli(["fit", join(dir, "model.keras")]);
    expect(archive.code).toBe(2);
    expect(expectCleanError(archive)).toEqual([`jaynes: error: ${join(dir, "model.keras")}: Keras 3 archive with its weights in model.weights.npz: NumPy object arrays, i.e. pickles, which jaynes never unpickles; re-save the weights in HDF5 (Keras' default weights_format="h5", or model.save_weights("x.weights.h5"))`]);
    const npz = runCli(["fit", join(dir, "model.weights.npz")]);
    expect(npz.code).toBe(2);
    expect(expectCleanError(npz)).toEqual([expect.stringContaining(`${join(dir, "model.weights.npz")}: holds only NumPy object arrays, i.e. pickles`)]);
  });
});

describe("defective shard indexes: each says what is wrong", () => {
  const cases = JSON.parse(readFileSync(join(FOLDERS, "index-defects", "cases.json"), "utf8")) as IndexDefect[];
  it.each(cases.map((defect) => [defect.case, defect] as const))("%s", (_name, defect) => {
    const index = join(defect.dir, "model.safetensors.index.json");
    const run = runCli(["fit", index, "--format", "json"]);
    expect(run.code).toBe(2);
    const [line] = expectCleanError(run);
    expect(line).toContain(defect.message);
    expect(line).not.toContain("matches no supported format");
    expect((JSON.parse(run.stdout) as Summary).failures[0]!.code).toBe(defect.code);
  });
});

describe("scan: an unreadable folder and broken links are failures of their own", () => {
  const runAsNobody = process.getuid?.() === 0 && spawnSync("setpriv", ["--version"]).status === 0;
  const unprivileged = process.getuid?.() !== 0;

  it.skipIf(!runAsNobody && !unprivileged)("as an unprivileged user: the unreadable folder and each broken link are one failure each; every other model is analysed", () => {
    const tree = mkdtempSync(join(tmpdir(), "jaynes-unreadable-"));
    try {
      for (const name of ["a", "b/inner", "locked"]) mkdirSync(join(tree, name), { recursive: true });
      cpSync(REAL_MODEL, join(tree, "a", "model.safetensors"));
      cpSync(REAL_MODEL, join(tree, "b", "inner", "model.safetensors"));
      cpSync(REAL_MODEL, join(tree, "locked", "model.safetensors"));
      symlinkSync(join(tree, "gone.safetensors"), join(tree, "dangling.safetensors"));
      symlinkSync("loop.safetensors", join(tree, "loop.safetensors"));
      symlinkSync(join(tree, "nothing"), join(tree, "notes.txt")); // not named like a model: ignored
      chmodSync(join(tree, "locked"), 0o000);
      chmodSync(tree, 0o777); // the unprivileged user writes the output folder inside it
      const out = join(tree, "out");
      const args = [BIN, "scan", tree, "--out", out, "--jobs", "1"];
      // Root reads every folder whatever its mode: the scan runs as "nobody" (setpriv), who cannot.
      const run = runAsNobody
        ? spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
        : spawnSync(process.execPath, args, { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
      expect(run.status, run.stderr).toBe(2);
      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Summary;
      expect(summary.models.map((model) => model.model)).toEqual([join(tree, "a", "model.safetensors"), join(tree, "b", "inner", "model.safetensors")]);
      expect(summary.failures).toEqual([
        { model: join(tree, "dangling.safetensors"), code: "io", error: `${join(tree, "dangling.safetensors")}: dangling symbolic link: its target does not exist` },
        { model: join(tree, "locked"), code: "io", error: `${join(tree, "locked")}: cannot read the folder: permission denied` },
        { model: join(tree, "loop.safetensors"), code: "io", error: `${join(tree, "loop.safetensors")}: symbolic link loop: the link leads back to itself` },
      ]);
    } finally {
      chmodSync(join(tree, "locked"), 0o755);
      rmSync(tree, { recursive: true, force: true });
    }
  });
});
