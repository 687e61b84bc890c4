#!/usr/bin/env node
// `npm run bench`: end-to-end throughput of `jaynes fit` against the hardware.
//
// For each case it generates (once; bench/out/ is git-ignored, never committed) a Llama-shaped model,
// warms the page cache, then measures in fresh processes: a read-only pass over the same file with
// the same positioned reads (the I/O limit) and `jaynes fit` end to end. It reports elements/s, GB/s,
// the fit/read ratio and peak RSS, plus the Levenberg–Marquardt time per layer, and writes
// BENCHMARKS.md with the machine.
//
//   npm run bench                                   # safetensors BF16, F16, F32 (2 GiB), ONNX F32 (1.5 GiB), and
//                                                   # FP8-block and GPTQ-int4 checkpoints of the BF16 case's parameter count,
//                                                   # activations
//   npm run bench -- --cases bf16,fp8,gptq,nvfp4,mxfp4  # quantised schemes against BF16 (same parameters)
//   npm run bench -- --cases activations            # `jaynes activations` against onnxruntime-node alone (bench/activations.js)
//   npm run bench -- --cases bf16 --gib 6           # the memory bound on a larger file
//   npm run bench -- --out -                        # print only
//   npm run bench -- --init none                    # skip `jaynes init` (its draw takes a minute per 2 GiB)
//
// `jaynes init` is measured on the first generated safetensors case (BF16 by default): a
// checkpoint drawn from the model's own fits, written to bench/out/, its wall time, drawn elements/s,
// output GB/s and peak RSS (the memory bound: 256 MB).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { activationsBenchmark } from "./activations.js";

const { values: args } = parseArgs({
  options: {
    cases: { type: "string", default: "bf16,f16,f32,onnx-f32,fp8,gptq,activations" },
    gib: { type: "string", default: "2" },
    repeat: { type: "string", default: "3" },
    out: { type: "string", default: "BENCHMARKS.md" },
    jobs: { type: "string" },
    init: { type: "string", default: "bf16" },
    "init-repeat": { type: "string", default: "1" },
  },
});
const repeat = Number(args.repeat);
const here = new URL(".", import.meta.url).pathname;
const node = process.execPath;

/** Every case: how to make its file, and its element target (issue #9). */
const CASES = {
  bf16: { format: "safetensors", dtype: "BF16", target: 1.0, make: (gib, out) => ["generate.js", "--dtype", "BF16", "--gib", gib, "--out", out] },
  f16: { format: "safetensors", dtype: "F16", target: 1.0, make: (gib, out) => ["generate.js", "--dtype", "F16", "--gib", gib, "--out", out] },
  f32: { format: "safetensors", dtype: "F32", target: 0.5, make: (gib, out) => ["generate.js", "--dtype", "F32", "--gib", gib, "--out", out] },
  // A protobuf message is limited to 2 GiB, so the ONNX case is 1.5 GiB whatever --gib says.
  "onnx-f32": { format: "onnx", dtype: "F32", target: 0.5, gib: "1.5", make: (gib, out) => ["generate-onnx.js", "--gib", gib, "--out", out] },
  // Quantised checkpoints with the parameter count of the BF16 case (--gib is the BF16 size): the
  // target is time ≤ 2× the BF16 case's (issue #17), elements/s ≥ half of BF16's 1 G/s.
  fp8: { format: "safetensors", dtype: "FP8 (128×128 blocks)", target: 0.5, quantized: true, make: (gib, out) => ["generate-quantized.js", "--scheme", "fp8", "--gib", gib, "--out", out] },
  gptq: { format: "safetensors", dtype: "GPTQ int4 (g128)", target: 0.5, quantized: true, make: (gib, out) => ["generate-quantized.js", "--scheme", "gptq", "--gib", gib, "--out", out] },
  nvfp4: { format: "safetensors", dtype: "NVFP4", target: 0.5, quantized: true, make: (gib, out) => ["generate-quantized.js", "--scheme", "nvfp4", "--gib", gib, "--out", out] },
  mxfp4: { format: "safetensors", dtype: "MXFP4", target: 0.5, quantized: true, make: (gib, out) => ["generate-quantized.js", "--scheme", "mxfp4", "--gib", gib, "--out", out] },
};

function runNode(script, argv) {
  const result = spawnSync(node, [here + script, ...argv], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`${script} ${argv.join(" ")} failed (${result.status}): ${result.stderr.slice(-2000)}`);
  return result;
}

/** The last stderr line of a child that reports itself as JSON (read-child.js, fit-child.js). */
function report(script, argv) {
  return JSON.parse(runNode(script, argv).stderr.trim().split("\n").pop());
}

/** Elements that `jaynes fit` analyses in the file (fitted layers), from its JSON output. */
function analysedElements(path) {
  const result = spawnSync(node, [here + "../bin/jaynes.js", "fit", path, "--format", "json", "--no-progress"], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`jaynes fit ${path} failed: ${result.stderr}`);
  const json = JSON.parse(result.stdout);
  return json.models.reduce((sum, model) => sum + model.layers.reduce((n, layer) => n + layer.params, 0), 0);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const rows = [];
const requested = args.cases.split(",").map((c) => c.trim().toLowerCase());
let activationRows;
if (requested.includes("activations")) {
  // Needs the optional runtime; without it the case is reported as not run.
  let runtime = true;
  try {
    await import("onnxruntime-node");
  } catch {
    runtime = false;
  }
  activationRows = runtime ? activationsBenchmark({ repeat, ...(args.jobs ? { jobs: Number(args.jobs) } : {}) }) : ["(not run: onnxruntime-node is not installed)"];
  process.stderr.write(`activations:\n${activationRows.join("\n")}\n`);
}
for (const name of requested.filter((case_) => case_ !== "activations")) {
  const spec = CASES[name];
  if (!spec) throw new Error(`unknown case ${name}; known: ${Object.keys(CASES).join(", ")}`);
  const gib = spec.gib ?? args.gib;
  // A quantised case is a folder (model.safetensors + config.json), generated as a whole.
  const target = spec.quantized ? `${here}out/llama-${name}-${gib}g` : `${here}out/llama-${name}-${gib}g.${spec.format === "onnx" ? "onnx" : "safetensors"}`;
  const path = spec.quantized ? `${target}/model.safetensors` : target;
  if (!existsSync(path)) spawnSync(node, [here + spec.make(gib, target)[0], ...spec.make(gib, target).slice(1)], { stdio: "inherit" });
  const bytes = statSync(path).size;
  const elements = analysedElements(path); // also warms the page cache
  report("read-child.js", [path]);
  const reads = [];
  const fits = [];
  for (let i = 0; i < repeat; i++) {
    reads.push(report("read-child.js", [path]));
    // Written to a file: `-o /dev/null` run as root would have the atomic rename replace the device.
    const fit = report("fit-child.js", [path, "--format", "csv", "-o", `${here}out/fit-output.csv`, "--no-progress", ...(args.jobs ? ["--jobs", args.jobs] : [])]);
    if (fit.code !== 0) throw new Error(`jaynes fit exited ${fit.code}`);
    fits.push(fit);
  }
  const read = median(reads.map((r) => r.wallSeconds));
  const fit = median(fits.map((r) => r.wallSeconds));
  rows.push({ name, ...spec, bytes, elements, read, fit, peakRssMB: Math.max(...fits.map((r) => r.maxRssBytes)) / 1e6 });
  process.stderr.write(`${name}: fit ${fit.toFixed(2)} s, read ${read.toFixed(2)} s\n`);
}

/** `jaynes init --like FILE`: wall time, drawn elements, output bytes and peak RSS (median of runs). */
function initBenchmark(name) {
  const spec = CASES[name];
  if (!spec || spec.format !== "safetensors") throw new Error(`--init needs a safetensors case (${Object.keys(CASES).filter((c) => CASES[c].format === "safetensors").join(", ")})`);
  const path = `${here}out/llama-${name}-${args.gib}g.safetensors`;
  if (!existsSync(path)) spawnSync(node, [here + spec.make(args.gib, path)[0], ...spec.make(args.gib, path).slice(1)], { stdio: "inherit" });
  const output = `${here}out/init-${name}-${args.gib}g.safetensors`;
  const runs = [];
  for (let i = 0; i < Number(args["init-repeat"]); i++) {
    const run = report("init-child.js", ["--like", path, "-o", output, "--quiet", "--no-progress", ...(args.jobs ? ["--jobs", args.jobs] : [])]);
    if (run.code !== 0) throw new Error(`jaynes init exited ${run.code}`);
    runs.push(run);
  }
  const dry = spawnSync(node, [here + "../bin/jaynes.js", "init", "--like", path, "--from", fitJson(path), "--dry-run", "--format", "json"], { encoding: "utf8", maxBuffer: 1 << 28 });
  const drawn = JSON.parse(dry.stdout).tensors.filter((t) => t.action === "draw").reduce((sum, t) => sum + t.params, 0);
  const wall = median(runs.map((r) => r.wallSeconds));
  return { name, dtype: spec.dtype, bytes: statSync(path).size, output: statSync(output).size, drawn, wall, peakRssMB: Math.max(...runs.map((r) => r.maxRssBytes)) / 1e6 };
}

/** The fit of a file as JSON (for the dry run that counts the drawn elements). */
function fitJson(path) {
  const json = `${path}.fit.json`;
  if (!existsSync(json)) spawnSync(node, [here + "../bin/jaynes.js", "fit", path, "--format", "json", "-o", json, "--no-progress"], { stdio: "inherit" });
  return json;
}

const init = args.init === "none" ? undefined : initBenchmark(args.init);
if (init) process.stderr.write(`init ${init.name}: ${init.wall.toFixed(1)} s, ${(init.peakRssMB).toFixed(0)} MB\n`);
const initTable = init
  ? [
      "| `jaynes init --like` | file | drawn elements | wall time | drawn elements/s | output GB/s | peak RSS (≤ 256 MB) |",
      "|---|---|---|---|---|---|---|",
      `| safetensors ${init.dtype}, own fits | ${(init.bytes / 1024 ** 3).toFixed(2)} GiB | ${(init.drawn / 1e9).toFixed(3)} G | ${init.wall.toFixed(1)} s | ${(init.drawn / init.wall / 1e6).toFixed(1)} M/s | ${(init.output / init.wall / 1e9).toFixed(3)} GB/s | ${init.peakRssMB.toFixed(0)} MB ${init.peakRssMB <= 256 ? "✓" : "✗"} |`,
    ]
  : [];

async function lmBenchmark() {
  const { fitLognormal, binCentres, lognormalCurve } = await import("../dist/index.js");
  const centres = binCentres(100);
  let state = 7;
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296;
  const curves = Array.from({ length: 200 }, (_, k) => {
    const mu = -3 + (k % 10) * 0.1;
    const sigma = 0.5 + (k % 7) * 0.05;
    return centres.map((c) => lognormalCurve(c, 0.01, mu, sigma) * (1 + 0.05 * (random() - 0.5)));
  });
  for (const y of curves) fitLognormal(centres, y); // warm up the JIT
  const rounds = 5;
  let iterations = 0;
  const started = performance.now();
  for (let r = 0; r < rounds; r++) for (const y of curves) iterations += fitLognormal(centres, y).iterations;
  const ms = (performance.now() - started) / (rounds * curves.length);
  return { msPerFit: ms, iterationsPerFit: iterations / (rounds * curves.length) };
}
const lm = await lmBenchmark();

/** The kernels alone (bench/kernels.js): per-thread rates on one thread and on two at once. */
const kernelRows = runNode("kernels.js", [])
  .stdout.trim()
  .split("\n")
  .map((line) => JSON.parse(line));
const kernelTable = [
  "| kernel (in memory, no I/O) | 1 thread | 2 threads, each | 2 threads, total |",
  "|---|---|---|---|",
  ...kernelRows.map((k) => `| \`${k.kernel}\` | ${k.oneThread.toFixed(2)} G/s | ${k.twoThreadsEach.map((v) => v.toFixed(2)).join(", ")} G/s | ${k.twoThreadsTotal.toFixed(2)} G/s (${(k.twoThreadsTotal / k.oneThread).toFixed(2)}×) |`),
];

const mark = (ok) => (ok ? "✓" : "✗");
const bf16 = rows.find((r) => r.name === "bf16");
const table = [
  "| case | file | analysed elements | read-only pass | `jaynes fit` (GB/s of stored bytes) | elements/s (target) | fit / read (≤ 3×) | time vs BF16, same parameters (quantised: ≤ 2×) | peak RSS (≤ 256 MB) |",
  "|---|---|---|---|---|---|---|---|---|",
  ...rows.map((r) => {
    const rate = r.elements / r.fit / 1e9;
    const ratio = r.fit / r.read;
    const versus = bf16 && r.quantized ? `${(r.fit / bf16.fit).toFixed(2)}× ${mark(r.fit / bf16.fit <= 2)}` : "";
    return `| ${r.format} ${r.dtype} | ${(r.bytes / 1024 ** 3).toFixed(2)} GiB | ${(r.elements / 1e9).toFixed(3)} G | ${r.read.toFixed(2)} s, ${(r.bytes / r.read / 1e9).toFixed(2)} GB/s | ${r.fit.toFixed(2)} s, ${(r.bytes / r.fit / 1e9).toFixed(2)} GB/s | ${rate.toFixed(2)} G/s (≥ ${r.target}) ${mark(rate >= r.target)} | ${ratio.toFixed(2)}× ${mark(ratio <= 3)} | ${versus} | ${r.peakRssMB.toFixed(0)} MB ${mark(r.peakRssMB <= 256)} |`;
  }),
];
const machine = `${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown CPU"}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
const lmLine = `Levenberg–Marquardt lognormal fit at 100 bins: ${(lm.msPerFit * 1000).toFixed(0)} µs per layer (${lm.iterationsPerFit.toFixed(1)} iterations on average; target ≤ 200 µs ${mark(lm.msPerFit <= 0.2)}).`;
const activationText = activationRows ? `\n\`jaynes activations\` against onnxruntime-node alone (bench/activations.js: an MLP 1024-4096-4096-2048 with 118 MB of
weights, 10,000 inputs, batch 64, the same threads; the runtime alone returns the model's output, jaynes every
layer's; median of ${repeat} interleaved runs in fresh processes):\n\n${activationRows.join("\n")}\n` : "";
process.stdout.write(`\n${machine}\n\n${table.join("\n")}\n\n${lmLine}\n\n${kernelTable.join("\n")}\n${init ? `\n${initTable.join("\n")}\n` : ""}${activationText}`);

if (args.out !== "-") {
  const notesPath = `${here}NOTES.md`;
  const notes = existsSync(notesPath) ? `\n${readFileSync(notesPath, "utf8")}` : "";
  writeFileSync(
    args.out,
    `# Benchmarks

Measured by \`npm run bench\` (bench/run.js) on ${new Date().toISOString().slice(0, 10)}: ${machine}.
Page cache warm; each time is the median of ${repeat} runs in fresh processes; peak RSS is the
largest \`maxRSS\` of the \`jaynes fit\` process over the runs (worker threads included). "Analysed
elements" counts the fitted layers; GB/s is the whole file over the wall time. Files are generated
by bench/generate.js and bench/generate-onnx.js (Llama-2-7B shapes, N(0, 0.02²) values); the
quantised cases by bench/generate-quantized.js with the BF16 case's parameter count (embedding and
norms in BF16, as real quantised checkpoints keep them).

${table.join("\n")}

${lmLine}

The hot loops alone (bench/kernels.js: WebAssembly kernels on one 8 MiB chunk already in memory,
elements per second per thread), on one thread and on two threads at once:

${kernelTable.join("\n")}
${
  init
    ? `
\`jaynes init\` (bench/init-child.js, median of ${args["init-repeat"]} run(s)): a checkpoint of the same
architecture drawn from the model's own fits (the fit pass included) and written to bench/out/;
drawn elements/s counts the drawn layers' elements over the whole wall time.

${initTable.join("\n")}
`
    : ""
}${activationText}${notes}`,
  );
}
