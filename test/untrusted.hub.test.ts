/**
 * Regression tests for issue 15 on the Hub (a local stand-in, test/helpers/hubServer.ts): an HDF5
 * file served from the Hub cannot read the local machine's files; replies are capped after
 * decompression; a server that drips bytes is cut off by the overall per-request deadline.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeFile } from "../src/index.js";
import { configureHub, resetHubSettings } from "../src/io/hub/index.js";
import { MAX_REPLY_BYTES } from "../src/io/hub/http.js";
import { REAL_MODEL } from "./fixtures/make.js";
import { runCliAsync } from "./helpers/cli.js";
import { type FakeHub, startFakeHub } from "./helpers/hubServer.js";

const H5_UNSAFE = new URL("../fixtures/h5-unsafe/", import.meta.url).pathname;
let hub: FakeHub;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "jaynes-untrusted-hub-"));
  const repo = join(root, "repo");
  mkdirSync(repo);
  copyFileSync(join(H5_UNSAFE, "external-storage.h5"), join(repo, "external-storage.h5"));
  copyFileSync(REAL_MODEL, join(repo, "model.safetensors"));
  hub = await startFakeHub({ "test/untrusted": { revisions: { main: repo } } });
});

afterAll(async () => {
  await hub?.close();
  resetHubSettings();
  rmSync(root, { recursive: true, force: true });
});

describe("untrusted files on the Hub", () => {
  it("an hf:// HDF5 file with external storage cannot read the local /etc/passwd (unsafe-path)", async () => {
    const home = join(root, "home");
    mkdirSync(home, { recursive: true });
    const run = await runCliAsync(["fit", "hf://test/untrusted/external-storage.h5", "--format", "json"], { HF_ENDPOINT: hub.url, HF_HOME: home, HF_TOKEN: "", HF_TOKEN_PATH: "" });
    expect(run.code).toBe(2);
    const failures = (JSON.parse(run.stdout) as { failures: { code: string; error: string }[] }).failures;
    expect(failures[0]).toMatchObject({ code: "unsafe-path" });
    expect(failures[0]!.error).toContain("/etc/passwd");
  });

  describe("transport limits (in process)", () => {
    // A long answer timeout, so that the size caps (not the timeout) stop the large replies.
    beforeAll(() => {
      resetHubSettings();
      configureHub({ endpoint: hub.url, backoffMs: 1, timeoutMs: 30_000, cacheDir: join(root, "cache") });
    });

    const revision = (request: { path: string }): boolean => request.path.startsWith("/api/models/test/untrusted/revision/");

    it("a model-info reply larger than the cap is refused, not read into memory", async () => {
      const chunk = new Uint8Array(1024 * 1024).fill(0x20);
      hub.faults.push({
        when: revision,
        times: 1,
        reply: {
          headers: { "Content-Type": "application/json" },
          body: async function* () {
            yield new TextEncoder().encode('{"sha": "');
            for (let sent = 0; sent <= MAX_REPLY_BYTES + chunk.length; sent += chunk.length) yield chunk;
            yield new TextEncoder().encode('"}');
          },
        },
      });
      const failure = await analyzeFile("hf://test/untrusted/model.safetensors").then(() => undefined, (error: unknown) => error as Error & { code: string });
      expect(failure).toMatchObject({ name: "InputError", code: "limit" });
      expect(failure!.message).toContain(`larger than ${MAX_REPLY_BYTES} bytes`);
    });

    it("a small gzip reply that inflates past the cap is stopped at the cap", async () => {
      const bomb = gzipSync(Buffer.concat([Buffer.from('{"sha": "'), Buffer.alloc(MAX_REPLY_BYTES + 1024 * 1024, 0x20), Buffer.from('"}')]));
      expect(bomb.length).toBeLessThan(1024 * 1024);
      hub.faults.push({
        when: revision,
        times: 1,
        reply: {
          headers: { "Content-Type": "application/json", "Content-Encoding": "gzip" },
          body: async function* () {
            yield bomb;
          },
        },
      });
      const failure = await analyzeFile("hf://test/untrusted/model.safetensors").then(() => undefined, (error: unknown) => error as Error & { code: string });
      expect(failure).toMatchObject({ name: "InputError", code: "limit" });
      expect(failure!.message).toContain("once decompressed");
    });

    it("a server dripping a byte at a time is cut off by the overall deadline of the request", async () => {
      configureHub({ endpoint: hub.url, backoffMs: 1, timeoutMs: 400, cacheDir: join(root, "cache-drip") });
      hub.faults.push({ when: (request) => request.path.includes("/resolve/") && request.range !== undefined, times: 1000, dripMs: 20 });
      const started = Date.now();
      const failure = await analyzeFile("hf://test/untrusted/model.safetensors").then(() => undefined, (error: unknown) => error as Error & { code: string });
      hub.faults.length = 0;
      expect(failure).toMatchObject({ name: "InputError" });
      expect(failure!.message).toMatch(/slower than|download failed/);
      // 16 KiB at 64 KiB/s + the 0.4 s answer timeout ≈ 0.65 s per request, a few attempts at most.
      expect(Date.now() - started).toBeLessThan(30_000);
    });
  });
});
