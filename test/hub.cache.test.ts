/**
 * hf:// reads through the standard Hugging Face cache, against the local stand-in for the Hub
 * (test/helpers/hubServer.ts): what jaynes downloads is found by @huggingface/hub's own cache
 * scanner, an offline run makes no request and prints what the online run printed, a cache written
 * in huggingface_hub's layout is read offline, partial downloads never appear under a final name,
 * and the environment is read as huggingface_hub reads it (cache folder, offline flag, token order).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { scanCacheDir } from "@huggingface/hub";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { analyzeFile, type ModelResult } from "../src/index.js";
import { cacheDirFromEnvironment, configureHub, hfHome, resetHubSettings, tokenFromEnvironment } from "../src/io/hub/config.js";
import { PartialBlob, addInterval, gapsOf } from "../src/io/hub/partialBlob.js";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { commitFor } from "./fixtures/makeFolders.js";
import { expectCleanError, runCliAsync } from "./helpers/cli.js";
import { type FakeHub, commitOf, startFakeHub } from "./helpers/hubServer.js";

const MODEL_BYTES = 941_024;

let hub: FakeHub;
let root: string;
let cache: string;
let env: NodeJS.ProcessEnv;

const models = (stdout: string): ModelResult[] => (JSON.parse(stdout) as { models: ModelResult[] }).models;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "jaynes-hub-cache-"));
  const main = join(root, "mnist-main");
  mkdirSync(main);
  cpSync(REAL_MODEL, join(main, "model.safetensors"));
  writeFileSync(join(main, "config.json"), JSON.stringify({ architectures: ["MLP"] }));
  hub = await startFakeHub({ "test/mnist": { revisions: { main } } });
});

afterAll(async () => {
  await hub?.close();
  resetHubSettings();
  rmSync(root, { recursive: true, force: true });
});

let counter = 0;
function freshCache(): void {
  cache = join(root, `cache-${counter++}`);
  env = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache, HF_HOME: join(root, "home"), HF_TOKEN: "", HUGGING_FACE_HUB_TOKEN: "", HF_TOKEN_PATH: "", HF_HUB_OFFLINE: "", TRANSFORMERS_OFFLINE: "" };
}

afterEach(() => hub.reset());

describe("the Hugging Face cache, shared both ways", () => {
  let online: string;

  beforeAll(async () => {
    freshCache();
    const run = await runCliAsync(["fit", "hf://test/mnist", "--format", "json"], env);
    expect(run.code, run.stderr).toBe(0);
    online = run.stdout;
  });

  it("a model downloaded by jaynes is found by @huggingface/hub's cache scanner, in the standard layout", async () => {
    const scanned = await scanCacheDir(cache);
    expect(scanned.warnings).toEqual([]);
    expect(scanned.repos).toHaveLength(1);
    const [repo] = scanned.repos;
    expect(repo!.id).toEqual({ name: "test/mnist", type: "model" });
    expect(repo!.revisions).toHaveLength(1);
    const [revision] = repo!.revisions;
    expect(revision!.commitOid).toBe(commitOf("test/mnist", "main"));
    expect(revision!.refs).toEqual(["main"]);
    // What jaynes read: the weights (config.json is never opened, so never downloaded).
    expect(revision!.files.map((file) => [file.path.slice(revision!.path.length + 1), file.blob.size])).toEqual([["model.safetensors", MODEL_BYTES]]);
    // Each blob is complete and verified; nothing partial is left behind.
    expect(readFileSync(revision!.files.find((file) => file.path.endsWith("model.safetensors"))!.path)).toEqual(readFileSync(REAL_MODEL));
    expect(readdirSync(join(cache, "models--test--mnist", "blobs")).filter((name) => name.includes("partial"))).toEqual([]);
  });

  it("HF_HUB_OFFLINE=1 (or --offline) reads it with no request at all and prints what the online run printed", async () => {
    for (const [args, extra] of [
      [[], { HF_HUB_OFFLINE: "1" }],
      [["--offline"], {}],
    ] as const) {
      hub.reset();
      const run = await runCliAsync(["fit", "hf://test/mnist", "--format", "json", ...args], { ...env, ...extra });
      expect(run.code, run.stderr).toBe(0);
      expect(hub.requests).toEqual([]);
      expect(run.stdout).toBe(online);
    }
  });

  it("offline without the model in the cache: one line naming what is missing, exit 2, no request", async () => {
    const started = Date.now();
    const run = await runCliAsync(["fit", "hf://test/mnist", "hf://test/mnist@v2/model.safetensors"], { ...env, HF_HUB_CACHE: join(root, "empty"), HF_HUB_OFFLINE: "1" });
    const elapsed = Date.now() - started;
    expect(run.code).toBe(2);
    expect(hub.requests).toEqual([]);
    expect(expectCleanError(run)).toEqual([
      `jaynes: error: hf://test/mnist: revision "main": offline mode (--offline or HF_HUB_OFFLINE) and not in the Hugging Face cache ${join(root, "empty")}; run once online or download it with \`hf download test/mnist\``,
      `jaynes: error: hf://test/mnist@v2: revision "v2": offline mode (--offline or HF_HUB_OFFLINE) and not in the Hugging Face cache ${join(root, "empty")}; run once online or download it with \`hf download test/mnist\``,
    ]);
    console.log(`offline failure, whole CLI process: ${elapsed} ms`);
    // The answer itself, without the process start-up: well under a second (it is two file lookups).
    resetHubSettings();
    configureHub({ endpoint: hub.url, offline: true, cacheDir: join(root, "empty") });
    const inProcess = Date.now();
    await expect(analyzeFile("hf://test/mnist")).rejects.toThrow("offline mode");
    expect(Date.now() - inProcess).toBeLessThan(1000);
    resetHubSettings();
  });

  it("a file missing from a cached snapshot is named, offline", async () => {
    const run = await runCliAsync(["fit", "hf://test/mnist/nested/model.safetensors"], { ...env, HF_HUB_OFFLINE: "1" });
    expect(run.code).toBe(2);
    expect(expectCleanError(run)).toEqual([expect.stringMatching(/^jaynes: error: hf:\/\/test\/mnist\/nested\/model\.safetensors: no such file or folder in the cached snapshot [0-9a-f]{12} of revision "main" \(offline mode/)]);
  });
});

describe("a cache written by huggingface_hub (Python)", () => {
  it("is read offline: both revisions, the same numbers as the files themselves", async () => {
    freshCache();
    cpSync(join(GENERATED, "folders", "hf-cache", "hub"), cache, { recursive: true, verbatimSymlinks: true });
    const run = await runCliAsync(["fit", "hf://org/alpha", "hf://models/org/alpha@step0", `hf://org/alpha@${commitFor("org/alpha@main")}/model.safetensors`, "hf://org/beta", "--format", "json"], { ...env, HF_HUB_OFFLINE: "1" });
    expect(run.code, run.stderr).toBe(0);
    expect(hub.requests).toEqual([]);
    const [main, step0, byCommit, beta] = models(run.stdout);
    const snapshot = (revision: string, file: string): string => join(cache, "models--org--alpha", "snapshots", commitFor(`org/alpha@${revision}`), file);
    expect(main!.layers).toEqual((await analyzeFile(snapshot("main", "model.safetensors"))).layers);
    expect(step0!.layers).toEqual((await analyzeFile(snapshot("step0", "model.safetensors"))).layers);
    expect(byCommit!.layers).toEqual(main!.layers);
    expect(beta!.model).toBe("hf://org/beta/model.safetensors.index.json");
    expect(beta!.layers).toEqual(main!.layers);
    expect(main!.model).toBe("hf://org/alpha/model.safetensors");
  });
});

describe("partial downloads", () => {
  it("--include of one layer keeps its bytes beside the blob, never under a final name; a full run completes the blob", async () => {
    freshCache();
    const include = await runCliAsync(["fit", "hf://test/mnist/model.safetensors", "--include", "4.weight", "--min-params", "100", "--format", "json"], env);
    expect(include.code, include.stderr).toBe(0);
    const blobs = join(cache, "models--test--mnist", "blobs");
    const names = readdirSync(blobs);
    expect(names.every((name) => name.endsWith(".jaynes-partial") || name.endsWith(".jaynes-partial.json"))).toBe(true);
    const scanned = await scanCacheDir(cache);
    expect(scanned.warnings).toEqual([]);
    expect(scanned.repos[0]!.revisions).toEqual([]); // Python sees nothing it could open

    hub.reset();
    const full = await runCliAsync(["fit", "hf://test/mnist/model.safetensors", "--format", "json"], env);
    expect(full.code, full.stderr).toBe(0);
    // What was kept before — the header (bytes 0…1463, in the first 16 KiB) and 4.weight (bytes
    // 935904…941023) — is not downloaded again; the bytes no analysis reads (the biases) are fetched
    // at the end, so the file becomes a blob. (+ 1: the size probe's byte.)
    expect(hub.requests.some((request) => request.range?.start === 935_904)).toBe(false);
    expect(hub.servedBytes).toBe(MODEL_BYTES - 1464 - 5120 + 1);
    const files = (await scanCacheDir(cache)).repos[0]!.revisions[0]!.files;
    expect(files.map((file) => file.blob.size)).toEqual([MODEL_BYTES]);
    expect(readdirSync(blobs).filter((name) => name.includes("partial"))).toEqual([]);
  });

  it("--no-cache reads the cache but writes nothing to it", async () => {
    freshCache();
    const run = await runCliAsync(["fit", "hf://test/mnist", "--no-cache", "--format", "json"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(cache)).toBe(false);
  });

  it("bytes that do not match the ETag's SHA-256 never become a blob", async () => {
    const dir = mkdtempSync(join(root, "partial-"));
    const blob = join(dir, "blobs", "0".repeat(64));
    const partial = new PartialBlob(blob, 8, "0".repeat(64));
    expect(await partial.write(0, new Uint8Array(4))).toBe(false);
    expect(await partial.gaps()).toEqual([[4, 8]]);
    expect(await partial.write(4, new Uint8Array(4))).toBe(true);
    expect(await partial.promote()).toBe(false);
    expect(readdirSync(join(dir, "blobs"))).toEqual([]);
  });

  it("interval bookkeeping: merged on insert, gaps are the complement", () => {
    let intervals = addInterval([], 10, 20);
    intervals = addInterval(intervals, 30, 40);
    intervals = addInterval(intervals, 20, 30);
    expect(intervals).toEqual([[10, 40]]);
    expect(gapsOf(addInterval(intervals, 50, 60), 70)).toEqual([
      [0, 10],
      [40, 50],
      [60, 70],
    ]);
  });
});

describe("the Hub unreachable", () => {
  it("a revision the cache holds is read from there, with a warning (as huggingface_hub falls back)", async () => {
    freshCache();
    const first = await runCliAsync(["fit", "hf://test/mnist", "--format", "json"], env);
    expect(first.code, first.stderr).toBe(0);
    const closed = await startFakeHub({});
    await closed.close();
    const warnings: string[] = [];
    resetHubSettings();
    configureHub({ endpoint: closed.url, cacheDir: cache, backoffMs: 1, onWarning: (message) => warnings.push(message) });
    try {
      const result = await analyzeFile("hf://test/mnist");
      expect(result.layers).toEqual(models(first.stdout)[0]!.layers);
      expect(warnings).toEqual([expect.stringMatching(/^hf:\/\/test\/mnist: cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused \(after 6 attempts\); using the cached snapshot [0-9a-f]{12}$/)]);
    } finally {
      resetHubSettings();
    }
  });
});

describe("the environment, read as huggingface_hub reads it", () => {
  it("cache folder: HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, $HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub", () => {
    expect(cacheDirFromEnvironment({ HF_HUB_CACHE: "/a", HUGGINGFACE_HUB_CACHE: "/b", HF_HOME: "/c" })).toBe("/a");
    expect(cacheDirFromEnvironment({ HUGGINGFACE_HUB_CACHE: "/b", HF_HOME: "/c" })).toBe("/b");
    expect(cacheDirFromEnvironment({ HF_HOME: "/c", XDG_CACHE_HOME: "/x" })).toBe("/c/hub");
    expect(cacheDirFromEnvironment({ XDG_CACHE_HOME: "/x" })).toBe("/x/huggingface/hub");
    expect(cacheDirFromEnvironment({})).toBe(join(homedir(), ".cache", "huggingface", "hub"));
    expect(cacheDirFromEnvironment({ HF_HOME: "~/hf" })).toBe(join(homedir(), "hf", "hub"));
    expect(cacheDirFromEnvironment({ HF_HUB_CACHE: "$SCRATCH/hub", SCRATCH: "/scratch" })).toBe("/scratch/hub");
    expect(hfHome({})).toBe(join(homedir(), ".cache", "huggingface"));
  });

  it("token: HF_TOKEN, HUGGING_FACE_HUB_TOKEN, the file HF_TOKEN_PATH, $HF_HOME/token, then the XDG location", () => {
    const dir = mkdtempSync(join(root, "tokens-"));
    const file = (path: string, token: string): string => {
      mkdirSync(join(path, ".."), { recursive: true });
      writeFileSync(path, `${token}\n`);
      return path;
    };
    const explicit = file(join(dir, "explicit"), "hf_path");
    file(join(dir, "home", "token"), "hf_home");
    file(join(dir, "xdg", "huggingface", "token"), "hf_xdg");
    const all = { HF_TOKEN: "hf_env", HUGGING_FACE_HUB_TOKEN: "hf_legacy", HF_TOKEN_PATH: explicit, HF_HOME: join(dir, "home"), XDG_CACHE_HOME: join(dir, "xdg") };
    expect(tokenFromEnvironment(all)).toBe("hf_env");
    expect(tokenFromEnvironment({ ...all, HF_TOKEN: "" })).toBe("hf_legacy");
    expect(tokenFromEnvironment({ ...all, HF_TOKEN: "", HUGGING_FACE_HUB_TOKEN: "" })).toBe("hf_path");
    expect(tokenFromEnvironment({ HF_HOME: join(dir, "home"), XDG_CACHE_HOME: join(dir, "xdg") })).toBe("hf_home");
    expect(tokenFromEnvironment({ XDG_CACHE_HOME: join(dir, "xdg") })).toBe("hf_xdg");
    expect(tokenFromEnvironment({ HF_HOME: join(dir, "nowhere") })).toBeUndefined();
  });
});
