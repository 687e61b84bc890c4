/**
 * What a person sees (issue 20): tables fitted to the terminal width with distinguishable names and
 * a line naming what was left out; one option vocabulary across commands (--format json everywhere,
 * -f CSV, --json as an alias, -o a file); a selection that matches nothing fails loudly; one error
 * prefix; shell completion. Units of the width-aware table and the name shortener are tested here too.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { progressLine } from "../src/cli/progress.js";
import { distinctShortNames } from "../src/report/shortNames.js";
import { renderTextTable } from "../src/report/textTable.js";
import { displayWidth } from "../src/report/textWidth.js";
import { GENERATED, REAL_MODEL } from "./fixtures/make.js";
import { expectCleanError, runCli } from "./helpers/cli.js";
import { HAVE_SHARED, SHARED_REAL } from "./helpers/oracle.js";
import { gaussian, mulberry32 } from "./helpers/random.js";
import { bytesOf, writeSafetensors } from "./helpers/safetensorsWriter.js";

const widest = (text: string): number => Math.max(...text.split("\n").map(displayWidth));

/** The tensor cells of a fit table (the rows between the rule under the header and the blank line or the notes under the table). */
function tensorCells(stdout: string): string[] {
  const lines = stdout.split("\n");
  const rule = lines.findIndex((line) => line.startsWith("─"));
  const end = lines.findIndex((line, i) => i > rule && (line === "" || line.startsWith("(") || line.startsWith("flags: ")));
  return lines.slice(rule + 1, end).map((line) => line.split(/\s{2,}/)[0]!);
}

describe("width-aware tables (units)", () => {
  it("names that differ only in the middle stay distinct at every width", () => {
    const names = Array.from({ length: 6 }, (_, i) => `model_1/model/conv2d_${20 + i}/Conv2D;model_1/model/batch_normalization_${i}/FusedBatchNormV3`);
    for (const width of [6, 8, 12, 20, 30, 60]) {
      const short = distinctShortNames(names, width);
      expect(new Set(short).size, `width ${width}`).toBe(names.length);
      for (const text of short) expect(displayWidth(text)).toBeLessThanOrEqual(Math.max(width, 6));
    }
    expect(distinctShortNames(["a.weight", "b.weight"], 40)).toEqual(["a.weight", "b.weight"]);
    const pose = Array.from({ length: 12 }, (_, i) => `model_1/model/conv2d_${i + 10}/Conv2D`);
    expect(distinctShortNames(pose, 23)[0]).toBe("…model/conv2d_10/Conv2D");
    expect(distinctShortNames(pose, 17)[0]).toBe("…conv2d_10/Conv2D");
    expect(distinctShortNames(pose, 12)[0]).toBe("…conv2d_10…");
  });

  it("fits the width: names shrink to a floor, then columns are left out by priority and reported", () => {
    const rows = 5;
    const columns = [
      { id: "name", header: "name", align: "left" as const, cells: Array.from({ length: rows }, (_, i) => `blocks.${i}.attention.query_key_value.weight`), shrink: (w: number) => distinctShortNames(Array.from({ length: rows }, (_, i) => `blocks.${i}.attention.query_key_value.weight`), w) },
      { id: "a", header: "aaaaaaaaaa", align: "right" as const, cells: Array(rows).fill("1.0000"), dropOrder: 20 },
      { id: "b", header: "bbbbbbbbbb", align: "right" as const, cells: Array(rows).fill("2.0000"), dropOrder: 10 },
      { id: "c", header: "cccccccccc", align: "right" as const, cells: Array(rows).fill("3.0000") },
    ];
    const whole = renderTextTable(columns, { color: false });
    expect(whole.dropped).toEqual([]);
    expect(whole.text).toContain("blocks.4.attention.query_key_value.weight");
    expect(whole.text.split("\n")).toHaveLength(rows + 2); // header, rule, rows: no separators
    const narrow = renderTextTable(columns, { color: false, width: 40 });
    expect(widest(narrow.text)).toBeLessThanOrEqual(40);
    expect(narrow.dropped).toEqual(["bbbbbbbbbb"]); // lowest priority first
    const narrower = renderTextTable(columns, { color: false, width: 30 });
    expect(widest(narrower.text)).toBeLessThanOrEqual(30);
    expect(narrower.dropped).toEqual(["bbbbbbbbbb", "aaaaaaaaaa"]);
  });

  it("the progress line at 80 columns shortens the path first, keeps the numbers and shows an ETA", () => {
    const path = "/data/checkpoints/a-rather-long-experiment-name/run-7/model-00001-of-00004.safetensors";
    const line = progressLine(path, 500e6, 2e9, 10, 79);
    expect(displayWidth(line)).toBeLessThanOrEqual(79);
    // The path gave way (its end kept), the bar narrowed; the numbers are whole.
    expect(line).toMatch(/^…[^ ]*\.safetensors \[#+ *\]/);
    expect(line).toMatch(/ 25% 500\.0 MB\/2\.00 GB 50\.0 MB\/s ETA 0:30$/);
    expect(progressLine(path, 0, 100, 0, 200)).toContain(path);
  });

  it("measures display width: combining marks take none, CJK two, ANSI none", () => {
    expect(displayWidth("μ ± σ")).toBe(5);
    expect(displayWidth("e\u0301")).toBe(1);
    expect(displayWidth("層")).toBe(2);
    expect(displayWidth("\u001b[33mflag\u001b[39m")).toBe(4);
  });
});

describe("jaynes fit: tables that fit the terminal", () => {
  const dir = mkdtempSync(join(tmpdir(), "jaynes-width-"));
  const deep = join(dir, "deep.safetensors");
  beforeAll(() => {
    // 100 layers whose names differ deep inside: what a transformer looks like.
    const normal = gaussian(mulberry32(20));
    const tensors = Array.from({ length: 100 }, (_, i) => ({
      name: `model.encoder.layers.${Math.floor(i / 4)}.self_attention.${["query", "key", "value", "dense"][i % 4]}_projection.weight`,
      dtype: "F32" as const,
      shape: [100, 100],
      data: bytesOf(Float32Array.from({ length: 10_000 }, () => 0.02 * normal())),
    }));
    writeSafetensors(deep, tensors);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("COLUMNS=80: no line wider than 80 on the bundled model and on a 100-layer model; rows distinct; depth order", () => {
    for (const model of [REAL_MODEL, deep]) {
      const run = runCli(["fit", model], { COLUMNS: "80" });
      expect(run.code).toBe(0);
      expect(widest(run.stdout), model).toBeLessThanOrEqual(80);
      const cells = tensorCells(run.stdout);
      expect(new Set(cells).size).toBe(cells.length);
    }
    const cells = tensorCells(runCli(["fit", deep], { COLUMNS: "80" }).stdout);
    expect(cells).toHaveLength(100);
    // layers.2 before layers.10 (natural order), not layers.10 before layers.2.
    const full = tensorCells(runCli(["fit", deep]).stdout);
    expect(full.indexOf("model.encoder.layers.2.self_attention.query_projection.weight")).toBeLessThan(full.indexOf("model.encoder.layers.10.self_attention.query_projection.weight"));
  });

  it("COLUMNS=200 shows the compact set without leaving anything out; a pipe gets whole names; --wide and --columns choose", () => {
    const wide = runCli(["fit", deep], { COLUMNS: "200" });
    expect(widest(wide.stdout)).toBeLessThanOrEqual(200);
    expect(wide.stdout).not.toContain("left out to fit");
    expect(wide.stdout).toContain("model.encoder.layers.24.self_attention.dense_projection.weight");
    const narrow = runCli(["fit", deep], { COLUMNS: "60" });
    expect(widest(narrow.stdout)).toBeLessThanOrEqual(60);
    expect(narrow.stdout.replace(/\n\s+/g, " ")).toMatch(/\(left out to fit 60 columns: params.*--wide or --columns shows them\)/);
    // Shared components give way first: the block number and the projection stay visible.
    expect(tensorCells(narrow.stdout).some((cell) => cell.startsWith("…12…key_projection"))).toBe(true);
    const piped = runCli(["fit", deep], { COLUMNS: "" });
    expect(tensorCells(piped.stdout)).toContain("model.encoder.layers.0.self_attention.key_projection.weight");
    const chosen = runCli(["fit", REAL_MODEL, "--columns", "tensor,shape,sigma"]);
    expect(chosen.stdout.split("\n")[1]).toMatch(/^tensor\s+shape\s+σ$/);
    expect(runCli(["fit", REAL_MODEL, "--wide"]).stdout.split("\n")[1]).toMatch(/^tensor\s+shape\s+params\s+dtype\s+A\s+μ\s+σ/);
    const bad = runCli(["fit", REAL_MODEL, "--columns", "tensor,nope"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^jaynes: error: .*--columns.*unknown: nope/m);
  });

  it.skipIf(!HAVE_SHARED)("real models at 80 and 200 columns: within the width, no two rows alike", () => {
    for (const name of ["pose_landmark_full.tflite", "faceres-deep.safetensors", "ppocr_v4_rec.onnx"]) {
      for (const columns of [80, 200]) {
        const run = runCli(["fit", `${SHARED_REAL}${name}`], { COLUMNS: String(columns) });
        expect(run.code).toBe(0);
        expect(widest(run.stdout), `${name} at ${columns}`).toBeLessThanOrEqual(columns);
        const cells = tensorCells(run.stdout);
        expect(new Set(cells).size, name).toBe(cells.length);
      }
    }
  });
});

describe("one option vocabulary", () => {
  const out = mkdtempSync(join(tmpdir(), "jaynes-vocabulary-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const series = join(GENERATED, "dynamics", "gaussian");

  it("every command accepts --format json (and --json, and -f JSON)", () => {
    const tree = join(out, "tree");
    mkdirSync(tree);
    writeFileSync(join(tree, "a.safetensors"), readFileSync(REAL_MODEL));
    const runs: Record<string, string[]> = {
      fit: ["fit", REAL_MODEL],
      compare: ["compare", REAL_MODEL, REAL_MODEL],
      dynamics: ["dynamics", series, "--track", "50", "--no-trajectory"],
      scan: ["scan", tree, "--out-dir", join(out, "scan")],
    };
    for (const [command, args] of Object.entries(runs)) {
      for (const format of [["--format", "json"], ["--json"], ["-f", "JSON"]]) {
        const run = runCli([...args, ...format, "-q"]);
        expect(run.code, `${command} ${format.join(" ")}: ${run.stderr}`).toBe(0);
        expect(() => JSON.parse(run.stdout), command).not.toThrow();
      }
    }
    const parts = runCli(["scan", tree, "--shard", "1/1", "--out-dir", join(out, "parts"), "-q"]);
    expect(parts.code).toBe(0);
    const merged = runCli(["merge", join(out, "parts", "part-0001-of-0001.json"), "--out-dir", join(out, "merged"), "--format", "json"]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(() => JSON.parse(merged.stdout)).not.toThrow();
  });

  it("-f CSV is accepted; --json with another --format and two options naming one path are usage errors (exit 1), -o/--html onto a folder and --plot onto a file output errors (exit 73), before any work", () => {
    expect(runCli(["fit", REAL_MODEL, "-f", "CSV"]).stdout).toMatch(/^model,tensor,/);
    const same = join(out, "same.html");
    for (const [args, code] of [
      [["--json", "--format", "csv"], 1],
      [["-o", same, "--html", same], 1],
      [["-o", out], 73],
      [["--html", out], 73],
      [["--plot", REAL_MODEL], 73],
    ] as const) {
      const run = runCli(["fit", REAL_MODEL, ...args]);
      expect(run.code, args.join(" ")).toBe(code);
      expect(run.stdout).toBe("");
      const lines = expectCleanError(run);
      expect(lines[0]).toMatch(/^jaynes: error: /);
    }
    expect(runCli(["fit", REAL_MODEL, "-o", out]).stderr).toContain("(an output folder is --out-dir or --plot)");
    expect(existsSync(same)).toBe(false);
    // commander's own errors carry the same prefix.
    expect(runCli(["fit", REAL_MODEL, "--no-such-option"]).stderr).toMatch(/^jaynes: error: unknown option/);
  });

  it("an --include that matches nothing exits 1 with a hint about * and ** and the nearest names; a CI gate over nothing fails", () => {
    const run = runCli(["fit", REAL_MODEL, "--include", "*conv_pw_13*"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^jaynes: error: --include '\*conv_pw_13\*' selects no tensor in any input/m);
    expect(run.stderr).toMatch(/^jaynes: hint: .*\*\*/m);
    expect(run.stderr).toContain("0.weight");
    const compare = runCli(["compare", REAL_MODEL, REAL_MODEL, "--include", "nothing*"]);
    expect(compare.code).toBe(1);
    const tree = join(out, "gate");
    mkdirSync(tree);
    writeFileSync(join(tree, "a.safetensors"), readFileSync(REAL_MODEL));
    const glob = runCli(["scan", tree, "--glob", "*.xyz", "--out-dir", join(out, "gate-out")]);
    expect(glob.code).toBe(1);
    expect(glob.stderr).toMatch(/--glob '\*\.xyz' selects no model/);
    const gate = runCli(["scan", tree, "--min-params", "100000000", "--fail-under-r2", "0.99", "--out-dir", join(out, "gate-out2")]);
    expect(gate.code).toBe(3);
    expect(gate.stderr + gate.stdout).toMatch(/nothing to check/);
  });

  it("plurals: one layer is a layer", () => {
    const run = runCli(["fit", REAL_MODEL, "--include", "0.weight"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\b1 layer fitted/);
  });

  it("jaynes completion bash|zsh|fish prints a script naming the commands and options", () => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const run = runCli(["completion", shell]);
      expect(run.code, shell).toBe(0);
      for (const word of ["fit", "compare", "scan", "--format", "--out-dir"]) expect(run.stdout, `${shell}: ${word}`).toContain(word.replace(/^--/, ""));
    }
    expect(runCli(["completion", "powershell"]).code).toBe(1);
  });
});
