/** GGUF and Keras files on the Hub (a local stand-in): the GGUF header and the HDF5 copy go through the Hub byte source. */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeFile, type ModelResult } from "../src/index.js";
import { removeTempCopies } from "../src/io/tempFile.js";
import { GENERATED } from "./fixtures/make.js";
import { runCliAsync } from "./helpers/cli.js";
import { type FakeHub, startFakeHub } from "./helpers/hubServer.js";

let hub: FakeHub;
let root: string;
let env: NodeJS.ProcessEnv;
const FILES = [join(GENERATED, "gguf", "mnist-quantized.gguf"), join(GENERATED, "keras", "mnist-deflated.keras"), join(GENERATED, "keras", "mnist-legacy.h5")];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "jaynes-hub-ckpt-"));
  const repo = join(root, "repo");
  mkdirSync(repo);
  for (const file of FILES) copyFileSync(file, join(repo, file.split("/").pop()!));
  hub = await startFakeHub({ "test/ckpt": { revisions: { main: repo } } });
  const home = join(root, "hf-home");
  mkdirSync(home);
  env = { HF_ENDPOINT: hub.url, HF_HOME: home, HF_HUB_CACHE: join(home, "hub"), HUGGINGFACE_HUB_CACHE: "", HF_TOKEN: "", HUGGING_FACE_HUB_TOKEN: "", HF_TOKEN_PATH: "", HF_HUB_OFFLINE: "", TRANSFORMERS_OFFLINE: "" };
});

afterAll(async () => {
  removeTempCopies();
  await hub?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("checkpoint formats on the Hub", () => {
  it.each(FILES.map((file) => [file.split("/").pop()!, file] as const))("%s gives the local numbers", async (name, file) => {
    const local = await analyzeFile(file);
    const run = await runCliAsync(["fit", `hf://test/ckpt/${name}`, "--format", "json"], env);
    expect(run.code, run.stderr).toBe(0);
    const remote = (JSON.parse(run.stdout) as { models: ModelResult[] }).models[0]!;
    expect(remote.format).toBe(local.format);
    expect(remote.layers).toEqual(local.layers);
    expect(remote.skipped).toEqual(local.skipped);
  });
});
