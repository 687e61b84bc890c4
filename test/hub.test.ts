/**
 * hf:// models read in place from a local stand-in for the Hub (test/helpers/hubServer.ts, on
 * 127.0.0.1): same numbers as the local files, only selected tensors downloaded, drops resumed,
 * retries, errors, the cache, and the token never printed.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { analyzeFile, type ModelResult } from "../src/index.js";
import { configureHub, hubTraffic, parseHubAddress, formatHubAddress, resetHubSettings, resetHubTraffic } from "../src/io/hub/index.js";
import { hubChild, hubJoinInside, hubParent } from "../src/io/hub/address.js";
import { parseRetryAfter } from "../src/io/hub/http.js";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { expectCleanError, runCliAsync } from "./helpers/cli.js";
import { type FakeHub, startFakeHub } from "./helpers/hubServer.js";
import { mulberry32 } from "./helpers/random.js";

const TOKEN = "hf_jaynesTestSecret0123456789abcdef";
const MODEL_BYTES = 941_024;

let hub: FakeHub;
let cdn: FakeHub;
let root: string;
let env: NodeJS.ProcessEnv;

/** The parts of a result that must not depend on where the bytes came from. */
function numbers(result: ModelResult): unknown {
  const { layers, skipped, summary, metadata, tensors, bytes, format } = result;
  return { layers, skipped, summary, metadata, tensors, bytes, format };
}

function parseJson(stdout: string): { models: ModelResult[]; failures: { model: string; error: string; code: string }[] } {
  return JSON.parse(stdout) as { models: ModelResult[]; failures: { model: string; error: string; code: string }[] };
}

const modelRequests = (): number => hub.requests.filter((request) => request.path.includes("/resolve/")).length;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "jaynes-hub-test-"));
  const main = join(root, "mnist-main");
  const step0 = join(root, "mnist-step0");
  mkdirSync(join(main, "nested"), { recursive: true });
  mkdirSync(step0, { recursive: true });
  copyFileSync(REAL_MODEL, join(main, "model.safetensors"));
  copyFileSync(join(GENERATED, "dtypes", "f16.safetensors"), join(main, "nested", "model.safetensors"));
  writeFileSync(join(main, "config.json"), JSON.stringify({ architectures: ["MLP"], hidden_sizes: [256, 128] }));
  writeFileSync(join(main, "README.md"), "# MNIST MLP\n");
  writeFileSync(join(main, "tokenizer.json"), JSON.stringify({ model: { vocab: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`t${i}`, i])) } }));
  // The same weights in another serialisation: must never be downloaded beside safetensors.
  const random = mulberry32(3);
  writeFileSync(join(main, "pytorch_model.bin"), Uint8Array.from({ length: 200_000 }, () => Math.floor(random() * 256)));
  copyFileSync(join(GENERATED, "dtypes", "bf16.safetensors"), join(step0, "model.safetensors"));
  // The CDN is another origin (another port): the token must not follow the redirect there.
  cdn = await startFakeHub({ "test/private": { revisions: { main } } });
  hub = await startFakeHub({
    "test/mnist": { revisions: { main, step0 } },
    "test/sharded": { revisions: { main: join(GENERATED, "sharded") } },
    "test/private": { revisions: { main }, token: TOKEN, cdn: cdn.url },
  });
  const home = join(root, "hf-home");
  mkdirSync(home);
  // Every Hugging Face variable a developer may have set is overridden: tests never touch their cache.
  env = { HF_ENDPOINT: hub.url, HF_HOME: home, HF_HUB_CACHE: join(home, "hub"), HUGGINGFACE_HUB_CACHE: "", HF_TOKEN: "", HUGGING_FACE_HUB_TOKEN: "", HF_TOKEN_PATH: "", HF_HUB_OFFLINE: "", TRANSFORMERS_OFFLINE: "" };
});

afterAll(async () => {
  await hub?.close();
  await cdn?.close();
  resetHubSettings();
  rmSync(root, { recursive: true, force: true });
});

afterEach(() => {
  hub.reset();
  cdn.reset();
  // Each test starts with an empty Hugging Face cache: these tests are about the network.
  rmSync(join(root, "hf-home", "hub"), { recursive: true, force: true });
});

describe("hf:// addresses", () => {
  it("parse owner/repo, revision (percent-encoded when it holds /) and path", () => {
    expect(parseHubAddress("hf://a/b")).toEqual({ repo: "a/b", path: "" });
    expect(parseHubAddress("hf://a/b@step1000/x/y.safetensors")).toEqual({ repo: "a/b", revision: "step1000", path: "x/y.safetensors" });
    expect(parseHubAddress("hf://a/b@refs%2Fpr%2F1/")).toEqual({ repo: "a/b", revision: "refs/pr/1", path: "" });
    expect(formatHubAddress(parseHubAddress("hf://a/b@refs%2Fpr%2F1//x/./y"))).toBe("hf://a/b@refs/pr/1/x/y");
    for (const bad of ["hf://a", "hf:///b", "hf://a/b@", "hf://a/b c", "hf://a/b/../c"]) expect(() => parseHubAddress(bad)).toThrow();
  });

  it("parse like huggingface_hub: models/ prefix, unencoded special refs, percent-encoded revisions, '@' in file names", () => {
    expect(parseHubAddress("hf://models/a/b@v1/x.safetensors")).toEqual({ repo: "a/b", revision: "v1", path: "x.safetensors" });
    expect(parseHubAddress("hf://a/b@refs/pr/12/sub/m.safetensors")).toEqual({ repo: "a/b", revision: "refs/pr/12", path: "sub/m.safetensors" });
    expect(parseHubAddress("hf://a/b@refs/convert/parquet")).toEqual({ repo: "a/b", revision: "refs/convert/parquet", path: "" });
    expect(parseHubAddress("hf://a/b@release%2F2024/m.gguf")).toEqual({ repo: "a/b", revision: "release/2024", path: "m.gguf" });
    expect(formatHubAddress(parseHubAddress("hf://a/b@release%2F2024/m.gguf"))).toBe("hf://a/b@release%2F2024/m.gguf");
    expect(parseHubAddress("hf://a/b/weights@2x.safetensors")).toEqual({ repo: "a/b", path: "weights@2x.safetensors" });
    expect(() => parseHubAddress("hf://datasets/a/b")).toThrow("hf://datasets/a/b: dataset repositories are not supported: jaynes reads model repositories (hf://owner/repo or hf://models/owner/repo)");
    expect(() => parseHubAddress("hf://spaces/a/b/app.py")).toThrow("Space repositories are not supported");
    expect(() => parseHubAddress("hf://model/a/b")).toThrow("type prefixes are plural: did you mean hf://models/…?");
    expect(() => parseHubAddress("hf://a/b@%zz")).toThrow("not valid percent-encoding");
    expect(() => parseHubAddress("hf://a/b@..%2F..%2Fetc/m.gguf")).toThrow("empty or invalid revision");
  });

  it("folder arithmetic stays inside the repository", () => {
    expect(hubParent("hf://a/b@r/x/y.json")).toBe("hf://a/b@r/x");
    expect(hubParent("hf://a/b/y.json")).toBe("hf://a/b");
    expect(hubChild("hf://a/b/x", "model")).toBe("hf://a/b/x/model");
    expect(hubJoinInside("hf://a/b/x", "s/m.safetensors")).toBe("hf://a/b/x/s/m.safetensors");
    expect(hubJoinInside("hf://a/b/x", "../m.safetensors")).toBeUndefined();
    expect(hubJoinInside("hf://a/b", "/etc/passwd")).toBeUndefined();
  });
});

describe("jaynes fit hf://… (CLI against a local Hub)", () => {
  let local: ModelResult;
  beforeAll(async () => {
    local = await analyzeFile(REAL_MODEL);
  });

  it("a repository, a file in it and the local file give the same numbers; other serialisations are not downloaded", async () => {
    for (const address of ["hf://test/mnist", "hf://test/mnist/model.safetensors", "hf://test/mnist@main/model.safetensors"]) {
      const run = await runCliAsync(["fit", address, "--format", "json"], env);
      expect(run.code, run.stderr).toBe(0);
      const [model] = parseJson(run.stdout).models;
      expect(numbers(model!)).toEqual(numbers(local));
      expect(model!.model).toBe(address.endsWith(".safetensors") ? address : `${address}/model.safetensors`);
    }
    const fetched = hub.requests.filter((request) => request.path.includes("/resolve/")).map((request) => request.path.split("/").pop());
    expect(fetched).not.toContain("pytorch_model.bin");
    expect(fetched).not.toContain("tokenizer.json");
    expect(fetched).not.toContain("config.json"); // a configuration by its name: never opened
    expect(fetched).toContain("README.md"); // content decides whether an unknown file is a model
  });

  it("a sharded model (folder or index) gives the single file's numbers", async () => {
    for (const address of ["hf://test/sharded", "hf://test/sharded/model.safetensors.index.json"]) {
      const run = await runCliAsync(["fit", address, "--format", "json"], env);
      expect(run.code, run.stderr).toBe(0);
      const [model] = parseJson(run.stdout).models;
      expect(model!.model).toBe("hf://test/sharded/model.safetensors.index.json");
      expect(model!.layers).toEqual(local.layers);
      expect(model!.summary).toEqual(local.summary);
    }
  });

  it("revisions are checkpoints: @step0 is another model; a subfolder is addressed by path", async () => {
    const run = await runCliAsync(["fit", "hf://test/mnist@step0", "hf://test/mnist/nested", "--format", "json"], env);
    expect(run.code, run.stderr).toBe(0);
    const [step0, nested] = parseJson(run.stdout).models;
    expect(numbers(step0!)).toEqual(numbers(await analyzeFile(join(GENERATED, "dtypes", "bf16.safetensors"))));
    expect(numbers(nested!)).toEqual(numbers(await analyzeFile(join(GENERATED, "dtypes", "f16.safetensors"))));
    // Every file request names the pinned commit, never the moving branch name.
    expect(hub.requests.filter((request) => request.path.includes("/resolve/")).every((request) => /\/resolve\/[0-9a-f]{40}\//.test(request.path))).toBe(true);
  });

  it("--include downloads only the selected tensor (plus headers): < 10% of the model", async () => {
    const run = await runCliAsync(["fit", "hf://test/mnist/model.safetensors", "--include", "4.weight", "--min-params", "100", "--format", "json"], env);
    expect(run.code, run.stderr).toBe(0);
    const [model] = parseJson(run.stdout).models;
    expect(model!.layers.map((layer) => layer.tensor)).toEqual(["4.weight"]);
    expect(model!.layers[0]).toEqual((await analyzeFile(REAL_MODEL, { include: ["4.weight"], minParams: 100 })).layers[0]);
    expect(hub.servedBytes).toBeLessThan(0.1 * MODEL_BYTES);
  });

  it("a connection dropped mid-tensor is resumed: same numbers, no byte served twice", async () => {
    // 0.weight spans bytes 1464..804280 of the file: drop its first request after 100 kB, twice.
    hub.faults.push({ when: (request) => (request.range?.start ?? 0) > 1000 && request.path.includes("/resolve/"), times: 2, dropAfterBytes: 100_000 });
    const run = await runCliAsync(["fit", "hf://test/mnist/model.safetensors", "--format", "json"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(numbers(parseJson(run.stdout).models[0]!)).toEqual(numbers(local));
    expect(run.stderr).toMatch(/jaynes: Hub: connection closed by the server after 100000 of \d+ bytes; resuming at byte 101464; retrying in/);
    // Resumed requests ask only for what is missing: the file is served once (+ the 16 KiB head block
    // and the 1-byte size probe), not once per attempt.
    expect(hub.servedBytes).toBeLessThan(MODEL_BYTES + 16 * 1024 + 16);
  });

  it("429 with Retry-After is honoured, then the run succeeds", async () => {
    hub.faults.push({ when: (request) => request.path.includes("/resolve/") && (request.range?.start ?? 0) > 1000, times: 1, status: 429, headers: { "Retry-After": "1" } });
    const started = Date.now();
    const run = await runCliAsync(["fit", "hf://test/mnist/model.safetensors", "--format", "json"], env);
    expect(run.code, run.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(run.stderr).toContain("HTTP 429 (rate limited); retrying in 1.0 s");
    expect(numbers(parseJson(run.stdout).models[0]!)).toEqual(numbers(local));
  });

  it("--cache DIR is the Hugging Face cache folder: a rerun downloads no file bytes and gives the same numbers", async () => {
    const cache = join(root, "cache");
    const first = await runCliAsync(["fit", "hf://test/mnist/model.safetensors", "--format", "json", "--cache", cache], env);
    expect(first.code, first.stderr).toBe(0);
    expect(hub.servedBytes).toBeGreaterThan(MODEL_BYTES - 16 * 1024);
    hub.reset();
    const second = await runCliAsync(["fit", "hf://test/mnist/model.safetensors", "--format", "json", "--cache", cache, "--verbose"], env);
    expect(second.code, second.stderr).toBe(0);
    expect(hub.servedBytes).toBe(0);
    expect(modelRequests()).toBe(0); // only the revision's commit and the path's kind were asked
    expect(second.stderr).toMatch(/jaynes: Hub: downloaded 0 B in 2 requests, \d+\.\d KB from the cache/);
    expect(numbers(parseJson(second.stdout).models[0]!)).toEqual(numbers(parseJson(first.stdout).models[0]!));
    rmSync(cache, { recursive: true, force: true });
  });
});

describe("errors: one line naming the hf:// address, exit 2, the token never shown", () => {
  const expectNoToken = (run: { stdout: string; stderr: string }): void => {
    expect(run.stdout).not.toContain(TOKEN);
    expect(run.stderr).not.toContain(TOKEN);
    expect(run.stdout + run.stderr).not.toContain(TOKEN.slice(3, 20));
  };

  it("a private repository works with HF_TOKEN and with --token-file; the token is sent, never printed", async () => {
    const tokenFile = join(root, "token");
    writeFileSync(tokenFile, `${TOKEN}\n`);
    for (const [args, extra] of [
      [["--format", "json"], { HF_TOKEN: TOKEN }],
      [["--format", "json", "--token-file", tokenFile], {}],
      [["--verbose"], { HF_TOKEN: TOKEN }],
    ] as const) {
      const run = await runCliAsync(["fit", "hf://test/private", ...args], { ...env, ...extra });
      expect(run.code, run.stderr).toBe(0);
      expectNoToken(run);
    }
    expect(hub.requests.every((request) => request.authorization === `Bearer ${TOKEN}`)).toBe(true);
    // Weight files were redirected to the CDN, which served the bytes and never saw the token.
    expect(cdn.servedBytes).toBeGreaterThan(MODEL_BYTES);
    expect(cdn.requests.every((request) => request.authorization === undefined)).toBe(true);
  });

  it("without a token: 401 'authentication required'; with a wrong one: 403 'access denied'", async () => {
    const anonymous = await runCliAsync(["fit", "hf://test/private/model.safetensors", "--format", "json"], env);
    expect(anonymous.code).toBe(2);
    const [line] = expectCleanError(anonymous);
    expect(line).toMatch(/^jaynes: error: hf:\/\/test\/private(\/model\.safetensors)?: authentication required \(401\).*HF_TOKEN/);
    expect(parseJson(anonymous.stdout).failures[0]).toMatchObject({ code: "network" });

    const wrong = await runCliAsync(["fit", "hf://test/private", "--format", "json"], { ...env, HF_TOKEN: `${TOKEN}x` });
    expect(wrong.code).toBe(2);
    expect(expectCleanError(wrong)).toHaveLength(1);
    expect(wrong.stderr).toContain("access denied (403)");
    expectNoToken(wrong);
    expect(wrong.stdout).not.toContain(`${TOKEN}x`);
  });

  it("missing file, revision and repository: 404 messages; other inputs are still analysed", async () => {
    const run = await runCliAsync(["fit", "hf://test/mnist/nope.safetensors", "hf://test/mnist@step9/model.safetensors", "hf://test/nothing", "hf://test/mnist/model.safetensors", "--format", "json"], { ...env, HF_TOKEN: TOKEN });
    expect(run.code).toBe(2);
    const lines = expectCleanError(run);
    expect(lines).toEqual([
      'jaynes: error: hf://test/mnist/nope.safetensors: no such file or folder in revision "main"',
      'jaynes: error: hf://test/mnist@step9: revision "step9" not found (404)',
      "jaynes: error: hf://test/nothing: repository not found (404)",
    ]);
    expect(parseJson(run.stdout).models).toHaveLength(1);
    expectNoToken(run);
  });

  it("a bad --hub-url or HF_ENDPOINT is a usage error (exit 1); local runs never read the Hub settings", async () => {
    const usage = await runCliAsync(["fit", "hf://test/mnist", "--hub-url", "ftp://example"], env);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain("must be http:// or https://");
    const broken = { ...env, HF_ENDPOINT: "not a url", HF_TOKEN: "two words" };
    expect((await runCliAsync(["fit", "hf://test/mnist"], broken)).code).toBe(1);
    expect((await runCliAsync(["fit", REAL_MODEL], broken)).code).toBe(0);
  });
});

describe("the library: retries, stalls and the second pass (in process)", () => {
  const libraryCache = (): string => join(root, "library-cache");
  beforeAll(() => {
    resetHubSettings();
    configureHub({ endpoint: hub.url, backoffMs: 1, timeoutMs: 400, token: TOKEN, cacheDir: libraryCache() });
  });
  afterEach(() => {
    rmSync(libraryCache(), { recursive: true, force: true });
    configureHub({ cacheDir: libraryCache() }); // a fresh store: nothing remembered of the removed cache
  });

  it("5xx is retried; a persistent 5xx fails after the configured attempts with one clean message", async () => {
    configureHub({ writeCache: false }); // the second read must go to the network again
    hub.faults.push({ when: (request) => request.path.includes("/resolve/") && (request.range?.start ?? 0) > 1000, times: 2, status: 503 });
    const ok = await analyzeFile("hf://test/mnist/model.safetensors");
    expect(ok.layers).toHaveLength(2);
    hub.reset();
    hub.faults.push({ when: (request) => request.path.includes("/resolve/") && (request.range?.start ?? 0) > 1000, times: 100, status: 500 });
    const failure = await analyzeFile("hf://test/mnist/model.safetensors").then(
      () => undefined,
      (error: unknown) => error as Error & { code: string },
    );
    expect(failure).toMatchObject({ name: "InputError", code: "network" });
    expect(failure!.message).toBe("hf://test/mnist/model.safetensors: the Hub answered HTTP 500 after 6 attempts (the Hub says: injected 500)");
    configureHub({ writeCache: true });
  });

  it("an unreachable Hub: one line after the attempts, no token", async () => {
    const closed = await startFakeHub({});
    await closed.close();
    configureHub({ endpoint: closed.url });
    try {
      const failure = (await analyzeFile("hf://test/mnist").catch((error: unknown) => error)) as Error;
      expect(failure).toMatchObject({ name: "InputError", code: "network" });
      expect(failure!.message).toMatch(/^hf:\/\/test\/mnist: cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused \(after 6 attempts\)$/);
      expect(failure!.message).not.toContain(TOKEN);
    } finally {
      configureHub({ endpoint: hub.url });
    }
  });

  it("a request that never answers is abandoned after the timeout and resumed", async () => {
    hub.faults.push({ when: (request) => request.path.includes("/resolve/") && (request.range?.start ?? 0) > 1000, times: 1, stall: true });
    const result = await analyzeFile("hf://test/mnist/model.safetensors");
    expect(numbers(result)).toEqual(numbers(await analyzeFile(REAL_MODEL)));
  });

  it("a body that stops mid-tensor is abandoned after the timeout and resumed where it stopped", async () => {
    hub.faults.push({ when: (request) => request.path.includes("/resolve/") && (request.range?.start ?? 0) > 1000, times: 1, stallAfterBytes: 50_000 });
    const result = await analyzeFile("hf://test/mnist/model.safetensors");
    expect(numbers(result)).toEqual(numbers(await analyzeFile(REAL_MODEL)));
    const resumed = hub.requests.filter((request) => request.range?.start === 1464 + 50_000);
    expect(resumed).toHaveLength(1);
  });

  it("a 429 asking to wait longer than allowed fails at once, saying how long", async () => {
    hub.faults.push({ when: (request) => request.path.includes("/resolve/") && (request.range?.start ?? 0) > 1000, times: 1, status: 429, headers: { "Retry-After": "3600" } });
    const failure = (await analyzeFile("hf://test/mnist/model.safetensors").catch((error: unknown) => error)) as Error;
    expect(failure!.message).toBe("hf://test/mnist/model.safetensors: rate limited by the Hub (429) after 1 attempt; the Hub asks to wait 3600 s; try again later, or set HF_TOKEN for a higher limit");
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(parseRetryAfter("7")).toBe(7000);
  });

  it("a two-pass F32 tensor is downloaded once: kept in the cache, or (--no-cache) in the spill", async () => {
    const small = { chunkBytes: 64 * 1024 }; // makes 0.weight and 2.weight multi-chunk: two passes
    const { analyzeOpenedModel, openModel } = await import("../src/index.js");
    const expected = numbers(await analyzeOpenedModel(await openModel(REAL_MODEL), {}, small));
    for (const writeCache of [true, false]) {
      configureHub({ writeCache });
      hub.reset();
      resetHubTraffic();
      const remote = await analyzeOpenedModel(await openModel("hf://test/mnist/model.safetensors"), {}, small);
      expect(numbers(remote)).toEqual(expected);
      expect(hub.servedBytes).toBeLessThan(MODEL_BYTES + 16 * 1024 + 16);
      // The server also counts the one byte of the size probe, which the library reads itself.
      expect(hub.servedBytes - hubTraffic.bytes).toBe(1);
    }
    configureHub({ writeCache: true });
  });
});
