/**
 * `jaynes scan` and `jaynes merge` end to end on a temporary tree of real models (safetensors,
 * ONNX, TFLite, a TF.js model.json + .bin) and one truncated file: failure isolation, the summary
 * files, the cache, the gates, shard/merge equality and resuming after a kill.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ScanPart, ScanSummary } from "../src/analysis/scan/summary.js";
import { BIN, expectCleanError, runCli } from "./helpers/cli.js";
import { expectWellFormedLatex, pdflatexErrors } from "./helpers/latex.js";
import { breakableName } from "../src/report/latex.js";
import { HAVE_SHARED, SHARED_REAL } from "./helpers/oracle.js";

if (!HAVE_SHARED) console.warn(`scan tests skipped: ${SHARED_REAL} is absent`);

const MODELS = ["faceres-deep.safetensors", "hand_landmark_lite.tflite", "mnist/ckpt_epoch00.safetensors", "mnist/ckpt_epoch10.safetensors", "silero_vad_legacy.onnx", "web/blazepose-full.json"];
const BROKEN = "broken/truncated.safetensors";
const SUMMARIES = ["summary.csv", "summary.json", "summary.md", "summary.tex"];

let work = "";
let tree = "";

beforeAll(() => {
  if (!HAVE_SHARED) return;
  work = mkdtempSync(join(tmpdir(), "jaynes-scan-"));
  tree = join(work, "tree");
  const copies: [string, string][] = [
    ["faceres-deep.safetensors", "faceres-deep.safetensors"],
    ["hand_landmark_lite.tflite", "hand_landmark_lite.tflite"],
    ["silero_vad_legacy.onnx", "silero_vad_legacy.onnx"],
    ["mnist-mlp/ckpt_epoch00.safetensors", "mnist/ckpt_epoch00.safetensors"],
    ["mnist-mlp/ckpt_epoch10.safetensors", "mnist/ckpt_epoch10.safetensors"],
    ["blazepose-full.json", "web/blazepose-full.json"],
    ["blazepose-full.bin", "web/blazepose-full.bin"],
  ];
  for (const [from, to] of copies) {
    mkdirSync(join(tree, to, ".."), { recursive: true });
    copyFileSync(join(SHARED_REAL, from), join(tree, to));
  }
  // A safetensors file cut off in its data section: the header is fine, the tensors are not there.
  mkdirSync(join(tree, "broken"));
  writeFileSync(join(tree, BROKEN), readFileSync(join(SHARED_REAL, "faceres-deep.safetensors")).subarray(0, 1_000_000));
  writeFileSync(join(tree, "README.txt"), "not a model\n");
});

const read = (path: string): string => readFileSync(path, "utf8");
const summaryOf = (out: string): ScanSummary => JSON.parse(read(join(out, "summary.json"))) as ScanSummary;
const scan = (out: string, ...args: string[]) => runCli(["scan", tree, "--out", out, ...args]);
/** Every file below a folder, relative to it. */
function filesBelow(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)))
    .sort();
}

describe.skipIf(!HAVE_SHARED)("jaynes scan", () => {
  let full = "";
  const fullSummaries = new Map<string, string>();

  it("analyses every model, names the truncated file, exits 2, writes the summaries and per-model tables", () => {
    full = join(work, "full");
    const run = scan(full, "--jobs", "2");
    expect(run.code).toBe(2);
    const errors = expectCleanError(run);
    expect(errors.some((line) => line.startsWith("jaynes: error: ") && line.includes(BROKEN) && line.includes("truncated"))).toBe(true);
    expect(run.stderr).toContain("6 analysed, 0 from cache, 1 failed");

    const summary = summaryOf(full);
    expect(summary.models.map((model) => relative(tree, model.model))).toEqual(MODELS);
    expect(summary.failures.map((failure) => relative(tree, failure.model))).toEqual([BROKEN]);
    expect(summary.models.find((model) => model.model.endsWith("blazepose-full.json"))!.files).toHaveLength(2);
    for (const model of summary.models) {
      expect(model.fitted).toBeGreaterThan(0);
      for (const file of [model.outputs.csv, model.outputs.json]) expect(existsSync(join(full, file)), file).toBe(true);
    }
    for (const name of SUMMARIES) fullSummaries.set(name, read(join(full, name)));
    expect(fullSummaries.get("summary.csv")!.trim().split("\n")).toHaveLength(1 + MODELS.length + 1);
    expect(fullSummaries.get("summary.md")).toContain("### Failed inputs");
    expectWellFormedLatex(fullSummaries.get("summary.tex")!, MODELS.length);
    expect(pdflatexErrors(fullSummaries.get("summary.tex")!)).toBeUndefined();
    expect(fullSummaries.get("summary.tex")).toContain(breakableName("web/blazepose-full.json"));
    // stdout: the summary table, names below the scanned folder.
    for (const model of MODELS) expect(run.stdout.split("\n").some((line) => line.startsWith(`${model} `))).toBe(true);
    expect(run.stdout).toContain(`failed: ${join(tree, BROKEN)}`);

    // A model's JSON table is exactly what `jaynes fit --format json` prints for it.
    const faceres = summary.models.find((model) => model.model.endsWith("faceres-deep.safetensors"))!;
    expect(read(join(full, faceres.outputs.json))).toBe(runCli(["fit", faceres.model, "--format", "json"]).stdout);
  });

  it("a rerun takes unchanged models from the cache and writes the same summaries; a touched file is analysed again", () => {
    const again = scan(full);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("0 analysed, 6 from cache, 1 failed");
    for (const name of SUMMARIES) expect(read(join(full, name)), name).toBe(fullSummaries.get(name));

    const touched = join(tree, "mnist/ckpt_epoch10.safetensors");
    utimesSync(touched, new Date(), new Date(Date.now() + 5_000));
    expect(scan(full, "--jobs", "1").stderr).toContain("1 analysed, 5 from cache, 1 failed");
    // Other settings are another key.
    expect(scan(full, "--glob", "mnist/ckpt_epoch00*", "--bins", "50").stderr).toContain("1 analysed, 0 from cache, 0 failed");
    expect(scan(full, "--glob", "mnist/**", "--force").stderr).toContain("2 analysed, 0 from cache, 0 failed");
  });

  it("gates: a violation exits 3 and is listed; --json prints summary.json; the Markdown goes to GITHUB_STEP_SUMMARY", () => {
    const stepSummary = join(work, "step-summary.md");
    const run = scan(full, "--glob", "mnist/**", "--glob", "*.onnx", "--fail-under-r2", "0.95", "--max-flagged-fraction", "0.5", "--json", "--jobs", "1");
    expect(run.code).toBe(3);
    const errors = expectCleanError(run);
    expect(errors).toContain(`jaynes: gate --max-flagged-fraction 0.5: ${join(tree, "mnist/ckpt_epoch00.safetensors")}: flagged fraction 1`);
    expect(errors.some((line) => /^jaynes: gate --fail-under-r2 0\.95: .*ckpt_epoch10\.safetensors: tensor "0\.weight": R² 0\.94/.test(line))).toBe(true);
    expect(errors.at(-1)).toMatch(/^jaynes: error: \d+ CI gate violations? in 2 models$/);
    expect(run.stdout).toBe(read(join(full, "summary.json")));
    const summary = JSON.parse(run.stdout) as ScanSummary;
    expect(summary.gates?.passed).toBe(false);
    expect(summary.gates?.violations.map((v) => v.gate)).toContain("max-flagged-fraction");

    const passing = runCli(["scan", tree, "--out", full, "--glob", "**/*.onnx", "--fail-under-r2", "0.5", "--sigma-range", "0.1:3", "--mu-range", "-5:0"], { GITHUB_STEP_SUMMARY: stepSummary });
    expect(passing.code).toBe(0);
    expect(read(stepSummary)).toContain("All gates passed.");
    // A failed input outranks a failed gate: the scan is incomplete.
    const both = scan(full, "--fail-under-r2", "0.999", "--jobs", "1");
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/CI gate violations in \d+ models \(exit code 2: failed inputs come first\)/);
  });

  it("--shard i/n splits the models; merging the parts gives the unsharded summary byte for byte", () => {
    const parts: string[] = [];
    const seen: string[] = [];
    for (const index of [1, 2, 3]) {
      const out = join(work, `shard${index}`);
      const run = scan(out, "--shard", `${index}/3`, "--jobs", "1");
      expect([0, 2]).toContain(run.code);
      const part = join(out, `part-000${index}-of-0003.json`);
      parts.push(part);
      const content = JSON.parse(read(part)) as ScanPart;
      expect(content.shard).toEqual({ index, count: 3 });
      seen.push(...content.models.map((model) => relative(tree, model.model)), ...content.failures.map((failure) => relative(tree, failure.model)));
      expect(existsSync(join(out, "summary.json"))).toBe(false);
    }
    expect(seen.sort()).toEqual([...MODELS, BROKEN].sort());

    const merged = join(work, "merged");
    const run = runCli(["merge", ...parts.reverse(), "--out", merged]);
    expect(run.code).toBe(2); // the truncated file is still a failed input
    for (const name of SUMMARIES) expect(read(join(merged, name)), name).toBe(fullSummaries.get(name));
    const fullTables = filesBelow(join(full, "models"));
    expect(filesBelow(join(merged, "models"))).toEqual(fullTables);
    for (const file of fullTables) expect(read(join(merged, "models", file)), file).toBe(read(join(full, "models", file)));

    const missing = runCli(["merge", parts[0]!, parts[1]!, "--out", join(work, "incomplete")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/shard \d of 3 missing/);
    const twice = runCli(["merge", parts[0]!, parts[0]!, parts[1]!, parts[2]!, "--out", join(work, "incomplete")]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/was already given/);
    expect(existsSync(join(work, "incomplete", "summary.json"))).toBe(false);
  });

  it("a killed scan leaves no half-written file and resumes where it stopped", async () => {
    const out = join(work, "interrupted");
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      const code = await killAfterNextCacheRecord(["scan", tree, "--out", out, "--jobs", "1"], join(out, "cache"), signal);
      expect(code).not.toBe(0);
      expect(existsSync(join(out, "summary.json"))).toBe(false);
      const files = filesBelow(out);
      // SIGTERM removes its temporaries on the way out; SIGKILL cannot, but they never carry a final name.
      if (signal === "SIGTERM") expect(files.filter((file) => file.includes("jaynes-tmp"))).toEqual([]);
      for (const file of files.filter((name) => !name.includes("jaynes-tmp"))) {
        const text = read(join(out, file));
        if (file.endsWith(".json")) expect(() => JSON.parse(text), file).not.toThrow();
        else expect(text.endsWith("\n"), file).toBe(true);
      }
    }
    const done = readdirSync(join(out, "cache")).length;
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done).toBeLessThan(MODELS.length);
    const resumed = scan(out, "--jobs", "2");
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain(`${MODELS.length - done} analysed, ${done} from cache, 1 failed`);
    for (const name of SUMMARIES) expect(read(join(out, name)), name).toBe(fullSummaries.get(name));
  });
});

/** Run the CLI and send `signal` as soon as one more cache record has appeared; the exit code. */
function killAfterNextCacheRecord(args: string[], cache: string, signal: NodeJS.Signals): Promise<number> {
  const before = existsSync(cache) ? readdirSync(cache).length : 0;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } });
    const timer = setInterval(() => {
      const records = existsSync(cache) ? readdirSync(cache).filter((name) => !name.includes("jaynes-tmp")).length : 0;
      if (records > before) {
        clearInterval(timer);
        child.kill(signal);
      }
    }, 5);
    child.on("error", reject);
    child.on("exit", (code, received) => {
      clearInterval(timer);
      resolve(code ?? (received ? 128 : -1));
    });
  });
}
