/**
 * Issue 15's rules applied to `jaynes activations` and `jaynes init` (landed after the issue was
 * filed): models and input files are untrusted (FIFOs refused, one-line errors, the batch goes on),
 * the runtime can always be stopped (--timeout, SIGTERM) and its memory is capped, a batch of inputs
 * is bounded; init's outputs never replace an input or a special file, are atomic, and a write
 * failure is exit 73.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { expectCleanError, expectOneFailureBeside, runCli, runCliAsync, runCliSignalled } from "./helpers/cli.js";
import { endlessLoopModel, hugeExpandModel, hugeInputModel, smallGraphModel } from "./helpers/hostileOnnx.js";

const dir = mkdtempSync(join(tmpdir(), "jaynes-untrusted-commands-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, bytes: Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};
const fifo = (name: string): string => {
  const path = join(dir, name);
  expect(spawnSync("mkfifo", [path]).status).toBe(0);
  return path;
};
type Report = { models: { model: string }[]; failures: { model: string; code: string; error: string }[] };
const report = (stdout: string): Report => JSON.parse(stdout) as Report;
const RANDOM = ["--random", "gaussian", "--limit", "4", "--format", "json"];

/** onnxChild processes of this checkout still alive (none may outlive jaynes). */
function runtimeChildren(): number[] {
  const child = new URL("../dist/runtime/onnxChild.js", import.meta.url).pathname;
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(child);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("activations: the runtime can always be stopped, its memory is capped", () => {
  it("a model whose run never ends fails at --timeout (its runtime killed); the next model is still run", async () => {
    const loop = file("loop.onnx", endlessLoopModel());
    const small = file("small.onnx", smallGraphModel());
    const started = Date.now();
    const run = await runCliAsync(["activations", loop, small, ...RANDOM, "--timeout", "3"]);
    expectOneFailureBeside(run, loop, small, "timeout");
    expect(run.stderr).toContain(`${loop}: not finished within 3 s (--timeout)`);
    expect(Date.now() - started).toBeLessThan(40_000);
    expect(runtimeChildren()).toEqual([]);
  });

  it("SIGTERM (and Ctrl-C) during an endless run ends jaynes at once, runtime included (exit 143)", async () => {
    const loop = file("loop-signal.onnx", endlessLoopModel());
    const run = await runCliSignalled(["activations", loop, "--random", "gaussian", "--limit", "1"], 5000, "SIGTERM");
    expect(run.code).toBe(143);
    expect(run.stderr).toContain("interrupted (SIGTERM)");
    expect(run.exitMs).toBeLessThan(5000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runtimeChildren()).toEqual([]);
  });

  it("SIGKILL of jaynes (no exit hook runs) still ends the runtime it left in an endless run", async () => {
    const loop = file("loop-kill.onnx", endlessLoopModel());
    const run = await runCliSignalled(["activations", loop, "--random", "gaussian", "--limit", "1"], 5000, "SIGKILL");
    expect(run.code).toBe(null);
    const deadline = Date.now() + 5000;
    while (runtimeChildren().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(runtimeChildren()).toEqual([]);
  });

  it("a 200-byte model asking the runtime for 1 GiB is stopped at --runtime-memory (limit)", () => {
    const expand = file("expand.onnx", hugeExpandModel(16_384));
    const run = runCli(["activations", expand, ...RANDOM, "--runtime-memory", "400MB"]);
    expect(run.code, run.stderr).toBe(2);
    expect(expectCleanError(run)).toEqual([expect.stringContaining(`${expand}: onnxruntime used more than 381 MiB`)]);
    expect(report(run.stdout).failures[0]!.code).toBe("limit");
  });

  it("an input declared 10⁹ elements per sample is refused before anything is allocated (limit)", () => {
    const huge = file("huge-input.onnx", hugeInputModel(1_000_000_000));
    const run = runCli(["activations", huge, ...RANDOM]);
    expect(run.code).toBe(2);
    expect(expectCleanError(run)).toEqual([expect.stringContaining("above the 67108864-byte limit for one batch")]);
    expect(report(run.stdout).failures[0]!.code).toBe("limit");
  });
});

describe("activations: models and input files are untrusted", () => {
  it("a FIFO as the model, or as an input file, is refused before it is opened; the other model is still run", () => {
    const small = file("small-2.onnx", smallGraphModel());
    const pipeModel = fifo("model-pipe.onnx");
    const run = runCli(["activations", pipeModel, small, ...RANDOM]);
    expect(run.code).toBe(2);
    expect(report(run.stdout).models.map((model) => model.model)).toEqual([small]);
    expect(report(run.stdout).failures).toMatchObject([{ model: pipeModel, code: "unsafe-path" }]);
    const pipeInput = fifo("inputs.npy");
    const input = runCli(["activations", small, "--input", pipeInput, "--format", "json"]);
    expect(input.code).toBe(2);
    expect(expectCleanError(input)).toEqual([expect.stringContaining("FIFO")]);
  });

  it("external data through a link out of the model's folder is refused (unsafe-path)", () => {
    const model = join(GENERATED, "activations", "external", "model.onnx");
    if (!existsSync(model)) return;
    const folder = join(dir, "linked-external");
    mkdirSync(folder);
    writeFileSync(join(folder, "model.onnx"), readFileSync(model));
    const outside = join(dir, "outside-weights.bin");
    writeFileSync(outside, readFileSync(join(GENERATED, "activations", "external", "weights.bin")));
    spawnSync("ln", ["-s", outside, join(folder, "weights.bin")]);
    const run = runCli(["activations", join(folder, "model.onnx"), "--input", join(GENERATED, "activations", "digits.npy"), "--limit", "8", "--format", "json"]);
    expect(run.code).toBe(2);
    expect(report(run.stdout).failures[0]!.code).toBe("unsafe-path");
  });

  it("-o naming the model is refused (exit 73) and the model is unchanged", () => {
    const small = file("small-3.onnx", smallGraphModel());
    const before = readFileSync(small);
    const run = runCli(["activations", small, ...RANDOM, "-o", small]);
    expect(run.code).toBe(73);
    expect(expectCleanError(run)).toEqual([expect.stringContaining("it is an input of this run")]);
    expect(readFileSync(small).equals(before)).toBe(true);
  });
});

describe("init: outputs never clobber, write failures are exit 73", () => {
  it("a missing or read-only folder is exit 73 with one line and no temporary left", () => {
    const missing = runCli(["init", "--like", REAL_MODEL, "-o", join(dir, "no-such-folder", "hot.safetensors")]);
    expect(missing.code).toBe(73);
    expect(expectCleanError(missing)).toEqual([expect.stringContaining("does not exist")]);
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const under = runCli(["init", "--like", REAL_MODEL, "-o", join(file, "hot.safetensors")]);
    expect(under.code).toBe(73);
    if (process.getuid?.() !== 0) {
      const locked = join(dir, "locked");
      mkdirSync(locked);
      chmodSync(locked, 0o555);
      const readOnly = runCli(["init", "--like", REAL_MODEL, "-o", join(locked, "hot.safetensors")]);
      expect(readOnly.code).toBe(73);
      expect(readdirSync(locked)).toEqual([]);
      chmodSync(locked, 0o755);
    }
  });

  it("a link to the input is refused too (exit 73), the input untouched", () => {
    const copy = join(dir, "like.safetensors");
    writeFileSync(copy, readFileSync(REAL_MODEL));
    const before = statSync(copy).mtimeMs;
    spawnSync("ln", ["-s", copy, join(dir, "like-link.safetensors")]);
    const run = runCli(["init", "--like", copy, "-o", join(dir, "like-link.safetensors")]);
    expect(run.code).toBe(73);
    expect(expectCleanError(run)).toEqual([expect.stringContaining("it is an input of this run")]);
    expect(statSync(copy).mtimeMs).toBe(before);
  });

  it("the written checkpoint appears whole, with no temporaries beside it", () => {
    const out = join(dir, "written");
    mkdirSync(out);
    const run = runCli(["init", "--like", REAL_MODEL, "-o", join(out, "hot.safetensors"), "--quiet"]);
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(["hot.safetensors"]);
  });
});
