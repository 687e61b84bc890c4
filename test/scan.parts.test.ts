/** The parts of `jaynes scan` one by one: discovery, shards, gates, option parsers, the LaTeX table. */
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LayerResult } from "../src/analysis/layerResult.js";
import type { ModelResult } from "../src/analysis/model.js";
import { discoverModels } from "../src/run/scan/discover.js";
import { evaluateGates } from "../src/analysis/scan/gates.js";
import { modelStem, partFileName } from "../src/analysis/scan/outputs.js";
import { parseShard, shardOf } from "../src/analysis/scan/shard.js";
import type { ScanSummary } from "../src/analysis/scan/summary.js";
import { numberOption, rangeOption } from "../src/cli/options.js";
import { LONGTABLE_LINES, escapeLatex, renderScanLatex } from "../src/report/latex.js";
import { commonFolder, renderScanCsv, renderScanMarkdown } from "../src/report/scanSummary.js";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { HAVE_PDFLATEX, expectWellFormedLatex, pdflatexErrors } from "./helpers/latex.js";

describe("discoverModels", () => {
  it("walks the tree, groups multi-file models, skips hidden folders and the output folder, reports suspects", async () => {
    const root = mkdtempSync(join(tmpdir(), "jaynes-discover-"));
    cpSync(join(GENERATED, "sharded"), join(root, "llm"), { recursive: true }); // index + 2 shards: one model
    cpSync(join(GENERATED, "onnx", "external"), join(root, "deep", "er", "onnx"), { recursive: true }); // model.onnx + weights.bin
    cpSync(join(GENERATED, "tfjs", "graph"), join(root, "web"), { recursive: true }); // model.json + 2 .bin, and expected.safetensors
    mkdirSync(join(root, "series"));
    for (const shard of ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]) copyFileSync(join(GENERATED, "sharded", shard), join(root, "series", shard)); // no index
    mkdirSync(join(root, ".git"));
    copyFileSync(REAL_MODEL, join(root, ".git", "hidden.safetensors"));
    mkdirSync(join(root, "out"));
    copyFileSync(REAL_MODEL, join(root, "out", "inside-output.safetensors"));
    writeFileSync(join(root, "notes.txt"), "not a model");
    writeFileSync(join(root, "broken.onnx"), "garbage that names a format");

    const found = await discoverModels([root], { skip: [join(root, "out")] });
    const names = found.targets.map((target) => target.model.slice(root.length + 1));
    expect(names).toEqual([
      "broken.onnx",
      "deep/er/onnx/model.onnx",
      "llm/model.safetensors.index.json",
      "series/model-*-of-00002.safetensors",
      "web/expected.safetensors",
      "web/model.json",
    ]);
    expect(found.targets.find((target) => target.model.endsWith("series/model-*-of-00002.safetensors"))!.paths).toHaveLength(2);
    expect(found.failures).toEqual([]);

    const onnxOnly = await discoverModels([root], { glob: ["**/*.onnx"], skip: [join(root, "out")] });
    expect(onnxOnly.targets.map((target) => target.model.slice(root.length + 1))).toEqual(["broken.onnx", "deep/er/onnx/model.onnx"]);
    const none = await discoverModels([root], { glob: ["*.gguf"] });
    expect(none.targets).toEqual([]);
    expect(none.notes[0]).toMatch(/no model under .* matches --glob/);
  });

  it("a missing root or a folder without models is a failure, not an exception; overlapping roots count a model once", async () => {
    const empty = mkdtempSync(join(tmpdir(), "jaynes-empty-"));
    const found = await discoverModels([join(empty, "missing"), empty, REAL_MODEL, REAL_MODEL]);
    expect(found.targets.map((target) => target.model)).toEqual([REAL_MODEL]);
    expect(found.failures.map((failure) => failure.code).sort()).toEqual(["io", "unknown-format"]);
  });
});

describe("shards", () => {
  it("parses i/n (1-based) and rejects the rest", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    for (const bad of ["0/4", "5/4", "1/0", "a/b", "1", "-1/2", "1/2/3"]) expect(parseShard(bad)).toBeUndefined();
  });

  it("puts every model in exactly one shard, the same one whatever else is scanned", () => {
    const models = Array.from({ length: 400 }, (_, i) => `checkpoints/run${i % 7}/ckpt_${i}.safetensors`);
    const sizes = [0, 0, 0, 0];
    for (const model of models) {
      const shard = shardOf(model, 4);
      expect(shard).toBeGreaterThanOrEqual(1);
      expect(shard).toBeLessThanOrEqual(4);
      expect(shardOf(model, 4)).toBe(shard);
      sizes[shard - 1]!++;
    }
    for (const size of sizes) expect(size).toBeGreaterThan(60); // about 100 each
    // A fixed value: the assignment must not change between versions or machines.
    expect(shardOf("models/a.safetensors", 4)).toBe(shardOf("models/a.safetensors", 4));
    expect(partFileName(3, 12)).toBe("part-0003-of-0012.json");
  });

  it("names per-model outputs uniquely and safely", () => {
    expect(modelStem("a/model.onnx")).not.toBe(modelStem("b/model.onnx"));
    expect(modelStem("a/model.onnx")).toMatch(/^model\.onnx-[0-9a-f]{10}$/);
    expect(modelStem("x/model-*-of-00003.safetensors")).toMatch(/^model-_-of-00003\.safetensors-[0-9a-f]{10}$/);
    expect(modelStem("hf://owner/repo/")).toMatch(/^repo-/);
  });
});

function layer(tensor: string, values: Partial<LayerResult>): LayerResult {
  return { tensor, shape: [100, 100], params: 10_000, dtype: "F32", A: 0.01, mu: -2, sigma: 0.7, r2: 0.97, flags: [], ...values } as LayerResult;
}

function model(name: string, layers: LayerResult[], includeFlagged = false): ModelResult {
  return { model: name, layers, settings: { bins: 100, normalize: "max", min_params: 10_000, include_flagged: includeFlagged, include: [], exclude: [] } } as unknown as ModelResult;
}

describe("gates", () => {
  const models = [
    model("a", [layer("good", {}), layer("low", { r2: 0.8 }), layer("flagged-low", { r2: 0.1, sigma: 9, flags: ["first-bin"] })]),
    model("b", [layer("wide", { sigma: 2.5, mu: -0.5 }), layer("f1", { flags: ["few-levels"] }), layer("f2", { flags: ["peak-outside"] })]),
    model("c", []),
  ];

  it("--fail-under-r2 and the ranges check the layers the summary counts (flagged ones only with --include-flagged)", () => {
    expect(evaluateGates(models, { fail_under_r2: 0.9 })).toEqual([{ gate: "fail-under-r2", model: "a", tensor: "low", value: 0.8, limit: "0.9" }]);
    const included = [model("a", models[0]!.layers, true)];
    expect(evaluateGates(included, { fail_under_r2: 0.9 }).map((v) => v.tensor)).toEqual(["low", "flagged-low"]);
    expect(evaluateGates(models, { sigma_range: { min: 0.5, max: 2 } })).toEqual([{ gate: "sigma-range", model: "b", tensor: "wide", value: 2.5, limit: "0.5:2" }]);
    expect(evaluateGates(models, { mu_range: { min: null, max: -1 } }).map((v) => v.tensor)).toEqual(["wide"]);
    // A number JSON could not hold (null) passes no gate.
    expect(evaluateGates([model("n", [layer("nan", { r2: null as unknown as number })])], { fail_under_r2: 0 })).toHaveLength(1);
  });

  it("--max-flagged-fraction counts flagged fitted layers per model; a model without fitted layers passes", () => {
    const violations = evaluateGates(models, { max_flagged_fraction: 0.5 });
    expect(violations).toEqual([{ gate: "max-flagged-fraction", model: "b", value: 2 / 3, limit: "0.5" }]);
    expect(evaluateGates(models, { max_flagged_fraction: 2 / 3 })).toEqual([]);
  });
});

describe("option parsers", () => {
  it("ranges: MIN:MAX with either side optional, MIN ≤ MAX", () => {
    const parse = rangeOption("--sigma-range");
    expect(parse("0.2:1.5")).toEqual({ min: 0.2, max: 1.5 });
    expect(parse(":1.5")).toEqual({ min: null, max: 1.5 });
    expect(parse("-3:")).toEqual({ min: -3, max: null });
    for (const bad of [":", "2:1", "a:1", "1", "1:2:3", ""]) expect(() => parse(bad)).toThrow(/MIN:MAX/);
  });

  it("numbers: finite, within bounds", () => {
    expect(numberOption("--max-flagged-fraction", 0, 1)("0.25")).toBe(0.25);
    for (const bad of ["", "x", "1.5", "-0.1", "Infinity"]) expect(() => numberOption("--max-flagged-fraction", 0, 1)(bad)).toThrow(/from 0 to 1/);
  });
});

const meanSd = (mean: number | null, sd: number | null) => ({ mean, sd, se: null });

/** The summary fields of METHOD §7.5 the renderers may show (neutral values). */
const EVIDENCE = { coverage: null, r2_above_null: 0, null_gaussian_sigma: null, null_laplace_sigma: null, null_gaussian_mu: null, caution: null, best: [], best_ml: [] };

/** A summary with every case the renderers must handle: special characters, no layers, a failure. */
export const SAMPLE_SUMMARY: ScanSummary = {
  tool: "jaynes",
  version: "0.0.0-test",
  method: { version: "2", document: "docs/METHOD.md" },
  kind: "scan-summary",
  scan: { roots: ["runs/"], glob: [] },
  settings: { bins: 100, normalize: "max", min_params: 10000, include_flagged: false, include: [], exclude: [], bootstrap: 0, seed: 0 },
  models: [
    {
      model: "runs/exp_1 & 50%/model.safetensors",
      format: "safetensors",
      files: ["runs/exp_1 & 50%/model.safetensors"],
      bytes: 1234,
      tensors: 4,
      fitted: 3,
      flagged: 1,
      skipped: 1,
      summary: { ...EVIDENCE, fitted: 3, layers: 2, params: 1234567, A: meanSd(0.0103551, 0.0000953), mu: meanSd(-2.27451, 0.48024), sigma: meanSd(0.77711, 0.10428), r2: meanSd(0.96616, 0.04327) },
      outputs: { csv: "models/model.safetensors-0123456789.csv", json: "models/model.safetensors-0123456789.json" },
    },
    {
      model: "runs/init/ckpt_{0}.safetensors",
      format: "safetensors",
      files: ["runs/init/ckpt_{0}.safetensors"],
      bytes: 99,
      tensors: 2,
      fitted: 2,
      flagged: 2,
      skipped: 0,
      summary: { ...EVIDENCE, fitted: 2, layers: 0, params: 0, A: meanSd(null, null), mu: meanSd(null, null), sigma: meanSd(null, null), r2: meanSd(null, null) },
      outputs: { csv: "models/ckpt_0_.safetensors-abcdef0123.csv", json: "models/ckpt_0_.safetensors-abcdef0123.json" },
    },
    {
      model: "runs/one-layer.onnx",
      format: "onnx",
      files: ["runs/one-layer.onnx"],
      bytes: 50,
      tensors: 1,
      fitted: 1,
      flagged: 0,
      skipped: 0,
      summary: { ...EVIDENCE, fitted: 1, layers: 1, params: 20000, A: meanSd(0.011, null), mu: meanSd(-1.5, null), sigma: meanSd(0.6, null), r2: meanSd(0.99, null) },
      outputs: { csv: "models/one-layer.onnx-1111111111.csv", json: "models/one-layer.onnx-1111111111.json" },
    },
  ],
  failures: [{ model: "runs/cut.safetensors", error: "runs/cut.safetensors: tensor \"w\": data_offsets [0, 400] extend past the data section (100 bytes; file truncated?)", code: "offsets" }],
};

/** The fields of one RFC 4180 line (no line breaks inside fields). */
function csvCells(line: string): string[] {
  return [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].slice(0, -1).map((match) => (match[1]!.startsWith('"') ? match[1]!.slice(1, -1).replace(/""/g, '"') : match[1]!));
}

/** A scan summary of `count` models with long, deep names and wide numbers (what a real scan of many runs gives). */
const longName = (i: number): string => `runs/sweep-learning-rate-${(i % 7) + 1}e-4_weight-decay-0.0${i % 3}/checkpoints/step_${String(1000 * (i + 1)).padStart(7, "0")}/model-00001-of-00002.safetensors`;
/** The length of the real names that overflowed the page (e.g. `mediapipe/pose_landmark_heavy_float32.tflite`). */
const mediumName = (i: number): string => `zoo/mediapipe-${i}/pose_landmark_heavy_float32_${i}.tflite`;

function manyModels(count: number, name: (i: number) => string = longName): ScanSummary {
  const models = Array.from({ length: count }, (_, i) => {
    const model = name(i);
    const entry = SAMPLE_SUMMARY.models[0]!;
    return { ...entry, model, files: [model], summary: { ...entry.summary, layers: 100 + i, params: 1_234_567_890 + i, mu: meanSd(-12.27451 - i / 100, 10.48024), sigma: meanSd(0.77711, 0.10428) } };
  });
  return { ...SAMPLE_SUMMARY, models };
}

describe("summary renderers", () => {
  it("LaTeX: booktabs Table 2, escaped names below their common folder, failures as comments", () => {
    const tex = renderScanLatex(SAMPLE_SUMMARY);
    expectWellFormedLatex(tex, 3);
    expect(pdflatexErrors(tex)).toBeUndefined();
    expect(tex).toContain("\\texttt{exp\\_\\allowbreak{}1 \\& 50\\%/\\allowbreak{}model.\\allowbreak{}safetens\\allowbreak{}ors} & 2 & 1{,}234{,}567 & $0.0104 \\pm 0.0001$ & $-2.275 \\pm 0.480$ & $0.777 \\pm 0.104$ & $0.966 \\pm 0.043$ \\\\");
    expect(tex).toContain("\\texttt{init/\\allowbreak{}ckpt\\_\\allowbreak{}\\{0\\}.\\allowbreak{}safetens\\allowbreak{}ors} & 0 & 0 & --- & --- & --- & --- \\\\");
    expect(tex).toMatchSnapshot();
  });

  it(`LaTeX of a 150-model scan: a longtable that repeats its header and compiles without overfull boxes${HAVE_PDFLATEX ? "" : " (structure only: pdflatex is not installed)"}`, () => {
    const tex = renderScanLatex(manyModels(150));
    expect(tex).toContain("\\begin{longtable}");
    expect(tex).toContain("\\endhead");
    expectWellFormedLatex(tex, 150);
    expect(pdflatexErrors(tex)).toBeUndefined();
  });

  it(`LaTeX at the float's limit (${LONGTABLE_LINES} models with short names) still fits the page${HAVE_PDFLATEX ? "" : " (structure only)"}`, () => {
    const tex = renderScanLatex(manyModels(LONGTABLE_LINES, (i) => `runs/model_${i}.onnx`));
    expect(tex).toContain("\\begin{table}");
    expect(pdflatexErrors(tex)).toBeUndefined();
    expect(renderScanLatex(manyModels(LONGTABLE_LINES + 1, (i) => `runs/model_${i}.onnx`))).toContain("\\begin{longtable}");
  });

  it(`LaTeX of 21 models with very long names: a longtable, since wrapped names would make a float taller than the page${HAVE_PDFLATEX ? "" : " (structure only)"}`, () => {
    const tex = renderScanLatex(manyModels(21));
    expect(tex).toContain("\\begin{longtable}");
    expectWellFormedLatex(tex, 21);
    expect(pdflatexErrors(tex)).toBeUndefined();
  });

  it(`LaTeX of 21 models with long names: a float scaled to the line width only when wider, also in a two-column paper${HAVE_PDFLATEX ? "" : " (structure only: pdflatex is not installed)"}`, () => {
    const tex = renderScanLatex(manyModels(21, mediumName));
    expect(tex).toContain("\\begin{table}");
    expect(tex).toContain("\\resizebox{\\linewidth}{!}");
    expectWellFormedLatex(tex, 21);
    expect(pdflatexErrors(tex)).toBeUndefined();
    expect(pdflatexErrors(tex.replace("\\begin{table}[htbp]", "\\begin{table*}[htbp]").replace("\\end{table}", "\\end{table*}"), "article}\n\\twocolumn{")).toBeUndefined();
  });

  it("escapes every LaTeX special character; names are shown below the folder they share", () => {
    expect(escapeLatex("a\\b{c}$d&e#f^g_h%i~j")).toBe("a\\textbackslash{}b\\{c\\}\\$d\\&e\\#f\\^{}g\\_h\\%i\\~{}j");
    expect(commonFolder(["/data/runs/a/b.onnx", "/data/runs/c.onnx", "/data/runs/a/d.onnx"])).toBe("/data/runs/");
    expect(commonFolder(["/data/runs-1/b.onnx", "/data/runs-2/c.onnx"])).toBe("/data/");
    expect(commonFolder(["a.onnx", "runs/c.onnx"])).toBe("");
    expect(commonFolder(["runs/only.onnx"])).toBe("runs/");
  });

  it("CSV: one row per model or failure, sorted by name, every row as wide as the header", () => {
    const rows = renderScanCsv(SAMPLE_SUMMARY).trim().split("\n").map(csvCells);
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row).toHaveLength(rows[0]!.length);
    expect(rows.slice(1).map((row) => row[0])).toEqual(["runs/cut.safetensors", "runs/exp_1 & 50%/model.safetensors", "runs/init/ckpt_{0}.safetensors", "runs/one-layer.onnx"]);
    expect(rows[1]![1]).toBe("failed");
    expect(rows[1]![rows[0]!.indexOf("error")]).toMatch(/^runs\/cut.safetensors: tensor "w"/);
    expect(rows[4]!.slice(1, 3)).toEqual(["ok", "onnx"]);
  });

  it("Markdown: the table, the failures without repeating the name, the gates", () => {
    const md = renderScanMarkdown({ ...SAMPLE_SUMMARY, gates: { settings: { fail_under_r2: 0.999 }, passed: false, violations: [{ gate: "fail-under-r2", model: "runs/one-layer.onnx", tensor: "w|1", value: 0.99, limit: "0.999" }] } });
    expect(md).toContain("| `runs/exp_1 & 50%/model.safetensors` | safetensors | 2 | 1 of 3 | 1,234,567 |");
    expect(md).toContain("- `runs/cut.safetensors`: tensor \"w\": data_offsets");
    expect(md).toContain("**1 violation:**");
    expect(md).toContain("--fail-under-r2 0.999: runs/one-layer.onnx: tensor \"w\\|1\": R² 0.99");
  });
});
