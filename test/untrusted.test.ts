/**
 * Regression tests for issue 15 (untrusted model files), one per finding. The fuzz suite
 * (test/fuzz.test.ts) runs the structured cases of the same findings through the CLI with time and
 * memory budgets; here each finding is pinned by name, including those the fuzzer cannot express
 * (signals, outputs, terminals, temporary files, scans).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containmentRoot } from "../src/io/containment.js";
import { combineParts, crc32, crc32Combine } from "../src/io/crc32.js";
import { terminalSafe } from "../src/report/terminalText.js";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { expectCleanError, expectOneFailureBeside, runCli, runCliAsync, runCliSignalled } from "./helpers/cli.js";
import { bytesOf, encodeSafetensors, manyEmptyEntries } from "./helpers/safetensorsWriter.js";
import { type TorchValue, encodeTorchSave } from "./helpers/torchWriter.js";
import { encodeZip } from "./helpers/zipWriter.js";

let dir: string;
const H5_UNSAFE = new URL("../fixtures/h5-unsafe/", import.meta.url).pathname;
const LEGACY_H5 = join(GENERATED, "keras", "mnist-legacy.h5");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "jaynes-untrusted-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const failures = (stdout: string): { model: string; code: string; error: string }[] => (JSON.parse(stdout) as { failures: { model: string; code: string; error: string }[] }).failures;

/** A copy of the Keras 2 fixture with one bit of its global heap flipped (a heap object's size). */
function flippedHeap(offsetInHeap: number, bit: number): string {
  const bytes = Buffer.from(readFileSync(LEGACY_H5));
  const heap = bytes.indexOf("GCOL");
  bytes[heap + offsetInHeap]! ^= 1 << bit;
  const path = join(dir, `heap-${offsetInHeap}-${bit}.h5`);
  writeFileSync(path, bytes);
  return path;
}

describe("1. HDF5/Keras files never read another file", () => {
  it.each([
    ["external storage (/etc/passwd)", "external-storage.h5"],
    ["a virtual dataset", "virtual.h5"],
    ["an external link", "inner/external-link.h5"],
  ])("%s in a local .h5 is refused with unsafe-path, even where the dataset would be skipped", (_, file) => {
    const run = runCli(["fit", join(H5_UNSAFE, file), "--format", "json"]);
    expect(run.code).toBe(2);
    expect(expectCleanError(run)).toHaveLength(1);
    expect(failures(run.stdout)[0]!.code).toBe("unsafe-path");
  });

  it("the model.weights.h5 inside a .keras with external storage is refused", () => {
    const keras = join(dir, "external.keras");
    writeFileSync(keras, encodeZip([{ name: "model.weights.h5", data: new Uint8Array(readFileSync(join(H5_UNSAFE, "external-storage.h5"))) }]));
    const run = runCli(["fit", keras, "--format", "json"]);
    expect(run.code).toBe(2);
    expect(failures(run.stdout)[0]).toMatchObject({ code: "unsafe-path" });
    expect(run.stderr).toContain("/etc/passwd");
  });
});

describe("2. hangs are stoppable and bounded; one bad input never costs the others", () => {
  it("an HDF5 file that sends the library into an endless loop fails at --timeout; the other input is reported", async () => {
    const looping = flippedHeap(24, 6);
    const started = Date.now();
    const run = await runCliAsync(["fit", looping, REAL_MODEL, "--timeout", "3", "--format", "json"]);
    expectOneFailureBeside(run, looping, REAL_MODEL, "timeout");
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it("an HDF5 library error (or abort) in one file is one input error naming it; the next HDF5 file is still read", () => {
    // A damaged global heap: main's library state once aborted on the next call (exit 70, three
    // lines, and the next file's output lost). The worker is replaced after any library error.
    const damaged = flippedHeap(0, 0);
    const run = runCli(["fit", damaged, LEGACY_H5, "--format", "json"]);
    expectOneFailureBeside(run, damaged, LEGACY_H5, "malformed");
  });

  it("scan over a folder holding such a file finishes: the file is a timeout failure, the others are analysed", async () => {
    const folder = join(dir, "scan-looping");
    mkdirSync(folder);
    writeFileSync(join(folder, "stuck.h5"), readFileSync(flippedHeap(24, 6)));
    writeFileSync(join(folder, "good.safetensors"), readFileSync(REAL_MODEL));
    const out = join(folder, "out");
    const run = await runCliAsync(["scan", folder, "--out", out, "--timeout", "3", "--jobs", "1"]);
    expect(run.code, run.stderr).toBe(2);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { models: { model: string }[]; failures: { model: string; code: string }[] };
    expect(summary.models.map((model) => model.model)).toEqual([join(folder, "good.safetensors")]);
    expect(summary.failures).toMatchObject([{ model: join(folder, "stuck.h5"), code: "timeout" }]);
  });

  it("SIGTERM ends a run stuck in the HDF5 library at once (exit 143)", async () => {
    const looping = flippedHeap(24, 6);
    const run = await runCliSignalled(["fit", looping], 4000, "SIGTERM");
    expect(run.code).toBe(143);
    expect(run.stderr).toContain("interrupted (SIGTERM)");
    expect(run.exitMs).toBeLessThan(10_000);
  });

  it("a FIFO given as the model, or named as a shard by an index, is refused before it is opened", () => {
    const pipe = join(dir, "pipe.safetensors");
    expect(spawnSyncStatus("mkfifo", [pipe])).toBe(0);
    const direct = runCli(["fit", pipe, "--format", "json"]);
    expect(direct.code).toBe(2);
    expect(failures(direct.stdout)[0]!.error).toContain("FIFO");
    const model = join(dir, "fifo-shard");
    mkdirSync(model);
    const sharded = join(GENERATED, "sharded");
    for (const name of readdirSync(sharded)) {
      if (name.endsWith("2.safetensors")) expect(spawnSyncStatus("mkfifo", [join(model, name)])).toBe(0);
      else writeFileSync(join(model, name), readFileSync(join(sharded, name)));
    }
    const indexed = runCli(["fit", join(model, "model.safetensors.index.json"), "--format", "json"]);
    expect(indexed.code).toBe(2);
    expect(failures(indexed.stdout)[0]).toMatchObject({ code: "unsafe-path" });
  });
});

describe("3. small files cannot demand huge work", () => {
  it("~150,000 tensors: no stack overflow, the tensors are listed", () => {
    const path = join(dir, "150k.safetensors");
    writeFileSync(path, manyEmptyEntries(150_000));
    const run = runCli(["fit", path, "--format", "csv"]);
    expect(run.code, run.stderr).toBe(0);
    // … and beside another input, whose output is not lost (it was, with the stack overflow).
    const both = runCli(["fit", path, REAL_MODEL, "--format", "json"]);
    expect(both.code, both.stderr).toBe(0);
    expect((JSON.parse(both.stdout) as { models: { model: string }[] }).models.map((model) => model.model)).toEqual([path, REAL_MODEL]);
  });

  it("a 1M-entry safetensors header is refused before it is parsed (limit)", () => {
    const path = join(dir, "1m.safetensors");
    writeFileSync(path, manyEmptyEntries(1_000_000));
    const run = runCli(["fit", path, "--format", "json"]);
    expect(run.code).toBe(2);
    expect(failures(run.stdout)[0]).toMatchObject({ code: "limit" });
    expect(failures(run.stdout)[0]!.error).toContain("1000000 header entries");
  });

  it("a 2.7 MB .pt referencing one 200k-element tensor 900,000 times is refused in seconds (limit)", () => {
    const values = new Float32Array(200_000).map((_, i) => Math.sin(i) * 0.05);
    const storage = { key: "0", type: "FloatStorage", numel: values.length, bytes: bytesOf(values) };
    const tensor: TorchValue = { kind: "tensor", storage, size: [values.length] };
    const items: TorchValue[] = [tensor];
    for (let i = 0; i < 900_000; i++) items.push({ kind: "same", value: tensor });
    const path = join(dir, "refs.pt");
    writeFileSync(path, encodeTorchSave({ kind: "dict", entries: [["w", { kind: "list", items }]] }, [storage]));
    const started = Date.now();
    const run = runCli(["fit", path, "--format", "json"]);
    expect(run.code).toBe(2);
    expect(failures(run.stdout)[0]).toMatchObject({ code: "limit" });
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it("a 4 MiB TF.js string tensor is walked in one pass of windowed reads", () => {
    const folder = join(dir, "strings");
    mkdirSync(folder);
    writeFileSync(join(folder, "s.bin"), new Uint8Array(4 * 1024 * 1024));
    writeFileSync(join(folder, "model.json"), JSON.stringify({ format: "graph-model", weightsManifest: [{ paths: ["s.bin"], weights: [{ name: "vocab", shape: [1024 * 1024], dtype: "string" }] }] }));
    const started = Date.now();
    const run = runCli(["fit", join(folder, "model.json"), "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe("4. no silent acceptance", () => {
  const layer = (values: Float32Array, name: string): string => {
    const path = join(dir, `${name}.safetensors`);
    writeFileSync(path, encodeSafetensors([{ name: "w", dtype: "F32", shape: [values.length], data: bytesOf(values) }]));
    return path;
  };

  it.each([
    ["entirely NaN", new Float32Array(20_000).fill(Number.NaN)],
    ["NaN/Inf plus zeros", new Float32Array(20_000).map((_, i) => (i % 2 ? Number.NEGATIVE_INFINITY : 0))],
  ])("a layer %s fails fit and scan (exit 2), named in a warning", (name, values) => {
    const path = layer(values, name.replace(/\W+/g, "-"));
    const run = runCli(["fit", path, "--format", "json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('tensor "w": holds 20000 NaN/Inf values'.replace("20000", String(values.filter((v) => !Number.isFinite(v)).length)));
    const skipped = (JSON.parse(run.stdout) as { models: { skipped: { nonfinite?: number }[] }[] }).models[0]!.skipped[0]!;
    expect(skipped.nonfinite).toBeGreaterThan(0);
    const folder = join(dir, `scan-${name.replace(/\W+/g, "-")}`);
    mkdirSync(folder);
    writeFileSync(join(folder, "m.safetensors"), readFileSync(path));
    const scan = runCli(["scan", folder, "--out", join(folder, "out")]);
    expect(scan.code).toBe(2);
  });

  it("a zip entry pointing at another member's data, a renamed local header and a bad CRC-32 are refused", () => {
    const member = (name: string, data: Uint8Array) => ({ name, data });
    const npy = (values: Float32Array): Uint8Array => {
      const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${values.length},), }`;
      const text = header + " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\n";
      const out = new Uint8Array(10 + text.length + values.length * 4);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      new DataView(out.buffer).setUint16(8, text.length, true);
      out.set(new TextEncoder().encode(text), 10);
      out.set(bytesOf(values), 10 + text.length);
      return out;
    };
    const values = Float32Array.from({ length: 20_000 }, (_, i) => Math.cos(i) * 0.1);
    const zip = encodeZip([member("a.npy", npy(values)), member("b.npy", npy(values.map((v) => v * 2)))]);
    const view = new DataView(zip.buffer);
    const central: number[] = [];
    for (let i = 0; i + 4 <= zip.length; i++) if (view.getUint32(i, true) === 0x02014b50) central.push(i);
    const cases: [string, Uint8Array, string][] = [];
    const shared = new Uint8Array(zip);
    new DataView(shared.buffer).setUint32(central[1]! + 42, 0, true);
    cases.push(["shared", shared, "point at the same local header"]);
    const renamed = new Uint8Array(zip);
    renamed[30] = "x".charCodeAt(0);
    cases.push(["renamed", renamed, "its local header names it"]);
    const corrupt = new Uint8Array(zip);
    corrupt[Math.floor(zip.length / 4)]! ^= 1;
    cases.push(["crc", corrupt, "CRC-32"]);
    for (const [name, bytes, message] of cases) {
      const path = join(dir, `${name}.npz`);
      writeFileSync(path, bytes);
      const run = runCli(["fit", path, "--format", "json"]);
      expect(run.code, name).toBe(2);
      expect(failures(run.stdout)[0]!.error, name).toContain(message);
    }
  });

  it("CRC-32 parts read in parallel combine to the CRC of the whole (zlib's crc32_combine)", () => {
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 251);
    const cuts = [0, 1, 4096, 4097, 65_536, 99_999, 100_000];
    const parts = cuts.slice(1).map((end, i) => ({ start: cuts[i]!, end, crc: crc32(bytes.subarray(cuts[i]!, end)) }));
    expect(combineParts(parts.reverse(), 0, bytes.length)).toBe(crc32(bytes));
    expect(crc32Combine(crc32(bytes.subarray(0, 10)), crc32(bytes.subarray(10)), bytes.length - 10)).toBe(crc32(bytes));
    expect(combineParts(parts.slice(1), 0, bytes.length)).toBeUndefined();
  });

  it("a TFLite file with a zeroed root offset is refused, not 'a valid model with 0 layers'", () => {
    const bytes = new Uint8Array(readFileSync(join(GENERATED, "tflite", "float.tflite")));
    bytes.fill(0, 0, 4);
    const path = join(dir, "zero-root.tflite");
    writeFileSync(path, bytes);
    const run = runCli(["fit", path, "--format", "json"]);
    expect(run.code).toBe(2);
    expect(failures(run.stdout)[0]!.error).toContain("root table offset 0");
  });
});

describe("5. outputs never clobber", () => {
  it("-o naming the input is refused (exit 73) and the checkpoint is unchanged", () => {
    const input = join(dir, "keep.safetensors");
    writeFileSync(input, readFileSync(REAL_MODEL));
    const before = readFileSync(input);
    for (const target of [input, join(dir, "keep-link.safetensors")]) {
      if (target !== input) symlinkSync(input, target);
      const run = runCli(["fit", input, "-o", target]);
      expect(run.code).toBe(73);
      expect(expectCleanError(run)).toHaveLength(1);
      expect(run.stderr).toContain("it is an input of this run");
    }
    expect(readFileSync(input).equals(before)).toBe(true);
    expect(lstatSync(join(dir, "keep-link.safetensors")).isSymbolicLink()).toBe(true);
  });

  it("-o onto a character device, a FIFO or /dev/stdout writes through it and leaves it what it was", async () => {
    // (On a shared machine another program may have replaced /dev/null — the very bug: check it first.)
    if (statSync("/dev/null").isCharacterDevice()) {
      expect(runCli(["fit", REAL_MODEL, "--format", "csv", "-o", "/dev/null"]).code).toBe(0);
      expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
    }
    const stdout = runCli(["fit", REAL_MODEL, "--format", "csv", "-o", "/dev/stdout"]);
    expect(stdout.code).toBe(0);
    expect(stdout.stdout).toMatch(/^model,tensor/);
    const fifo = join(dir, "out.fifo");
    expect(spawnSyncStatus("mkfifo", [fifo])).toBe(0);
    const reader = new Promise<string>((resolve) => {
      const cat = spawn("cat", [fifo]);
      let text = "";
      cat.stdout.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      cat.on("close", () => resolve(text));
    });
    const run = await runCliAsync(["fit", REAL_MODEL, "--format", "csv", "-o", fifo]);
    expect(run.code).toBe(0);
    expect(await reader).toMatch(/^model,tensor/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it("write failures are exit code 73, not 1 or 70: --html, --plot, -o and scan --out", () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    for (const args of [["--html", join(file, "report.html")], ["--plot", join(file, "plots")], ["-o", join(file, "out.csv")], ["-o", dir]]) {
      const run = runCli(["fit", REAL_MODEL, ...args]);
      expect(run.code, args.join(" ")).toBe(73);
      expect(expectCleanError(run)).toHaveLength(1);
    }
    const scan = runCli(["scan", join(GENERATED, "sharded"), "--out", join(file, "scan")]);
    expect(scan.code).toBe(73);
  });

  it("temporary files left by a killed run are removed by the next one", () => {
    const temp = join(dir, "tmp");
    mkdirSync(temp);
    const stale = join(temp, "jaynes-copy-999999999-abcdef");
    mkdirSync(stale);
    writeFileSync(join(stale, "1-model.weights.h5"), "left behind");
    const out = join(dir, "outputs");
    mkdirSync(out);
    const staleWrite = join(out, ".layers.csv.jaynes-tmp-999999999-0a1b2c3d");
    writeFileSync(staleWrite, "half");
    const run = runCli(["fit", join(GENERATED, "keras", "mnist.keras"), "--format", "csv", "-o", join(out, "layers.csv")], { TMPDIR: temp });
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(staleWrite)).toBe(false);
    expect(readdirSync(temp)).toEqual([]);
  });
});

describe("7. smaller findings", () => {
  it("a symlink inside a model folder pointing outside it is refused (as onnx's loader does)", () => {
    const outside = join(dir, "outside-shard");
    mkdirSync(outside);
    const model = join(dir, "linked-model");
    mkdirSync(model);
    const sharded = join(GENERATED, "sharded");
    for (const name of readdirSync(sharded)) writeFileSync(join(name.endsWith("2.safetensors") ? outside : model, name), readFileSync(join(sharded, name)));
    const second = readdirSync(outside)[0]!;
    symlinkSync(join(outside, second), join(model, second));
    const run = runCli(["fit", join(model, "model.safetensors.index.json"), "--format", "json"]);
    expect(run.code).toBe(2);
    expect(failures(run.stdout)[0]).toMatchObject({ code: "unsafe-path" });
  });

  it("a Hugging Face cache snapshot (links into the repository's blobs/) is read", () => {
    const repo = join(dir, "hub", "models--org--mlp");
    mkdirSync(join(repo, "blobs"), { recursive: true });
    mkdirSync(join(repo, "snapshots", "0123abcd"), { recursive: true });
    const sharded = join(GENERATED, "sharded");
    readdirSync(sharded).forEach((name, i) => {
      writeFileSync(join(repo, "blobs", `blob${i}`), readFileSync(join(sharded, name)));
      symlinkSync(`../../blobs/blob${i}`, join(repo, "snapshots", "0123abcd", name));
    });
    const run = runCli(["fit", join(repo, "snapshots", "0123abcd", "model.safetensors.index.json"), "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(containmentRoot(join(repo, "snapshots", "0123abcd", "sub"))).toBe(repo);
    expect(containmentRoot(join(dir, "plain"))).toBe(join(dir, "plain"));
  });

  it("tensor names with terminal escape sequences are escaped in tables, exact in JSON", () => {
    const name = "w\u001b]0;pwned\u0007\u001b[2J\u202e";
    const path = join(dir, "escape.safetensors");
    writeFileSync(path, encodeSafetensors([{ name, dtype: "F32", shape: [20_000], data: bytesOf(Float32Array.from({ length: 20_000 }, (_, i) => Math.cos(i))) }]));
    const table = runCli(["fit", path]);
    expect(table.code).toBe(0);
    expect(table.stdout).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(table.stdout).toContain("w\\x1b]0;pwned\\x07\\x1b[2J\\u202e");
    // Shortened to fit a narrow terminal, a name is escaped before it is cut: no raw control character survives.
    const long = `blocks.0.attention.${name}.output_projection.weight`;
    const narrowPath = join(dir, "escape-long.safetensors");
    writeFileSync(narrowPath, encodeSafetensors([{ name: long, dtype: "F32", shape: [20_000], data: bytesOf(Float32Array.from({ length: 20_000 }, (_, i) => Math.cos(i))) }, { name: `${long}\u001b[1m.tiny`, dtype: "F32", shape: [4], data: bytesOf(Float32Array.from([1, 2, 3, 4])) }]));
    const narrow = runCli(["fit", narrowPath, "-v"], { COLUMNS: "50" });
    expect(narrow.code, narrow.stderr).toBe(0);
    expect(narrow.stdout).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(narrow.stdout).toContain("…");
    const json = runCli(["fit", path, "--format", "json"]);
    expect((JSON.parse(json.stdout) as { models: { layers: { tensor: string }[] }[] }).models[0]!.layers[0]!.tensor).toBe(name);
    expect(terminalSafe("a\u009bb\tc")).toBe("a\\x9bb\\x09c");
  });

  it("errno codes and 64-bit numbers are never printed raw", () => {
    const loop = join(dir, "loop.safetensors");
    symlinkSync(loop, loop);
    const run = runCli(["fit", loop, "--format", "json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toMatch(/\bE[A-Z]{3,}\b|ERR_/);
    const huge = join(dir, "huge-length.safetensors");
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    writeFileSync(huge, bytes);
    const header = runCli(["fit", huge, "--format", "json"]);
    expect(header.code).toBe(2);
    expect(header.stderr).not.toMatch(/18446744073709552000/);
  });
});

function spawnSyncStatus(command: string, args: string[]): number | null {
  return spawnSync(command, args).status;
}
