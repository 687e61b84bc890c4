#!/usr/bin/env node
// `npm run bench`: end-to-end throughput of `jaynes fit` against the hardware.
//
// For each dtype it generates (once; bench/out/ is git-ignored) a Llama-shaped safetensors file of
// ~2 GiB, warms the page cache, then measures in separate processes: a read-only pass over the file
// (the I/O limit) and `jaynes fit` end to end; it reports elements/s, GB/s, wall-time ratio and peak
// RSS, plus the Levenberg–Marquardt fit time per layer, and writes BENCHMARKS.md.
//
//   npm run bench                 # BF16, F16, F32 at 2 GiB
//   npm run bench -- --gib 6 --dtypes BF16   # the memory-bound check on a larger file
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    gib: { type: "string", default: "2" },
    dtypes: { type: "string", default: "BF16,F16,F32" },
    repeat: { type: "string", default: "3" },
    out: { type: "string", default: "BENCHMARKS.md" },
    jobs: { type: "string" },
    extra: { type: "string", default: "" },
  },
});
const repeat = Number(args.repeat);
const here = new URL(".", import.meta.url).pathname;
const node = process.execPath;

function run(script, argv) {
  const result = spawnSync(node, [here + script, ...argv], { encoding: "utf8", maxBuffer: 1 << 26 });
  const last = result.stderr.trim().split("\n").pop();
  if (result.status !== 0 && script !== "fit-child.js") throw new Error(`${script} failed: ${result.stderr}`);
  return JSON.parse(last);
}

/** Elements of analysed (float) tensors, from the safetensors header. */
function analysedElements(path) {
  const buffer = Buffer.alloc(8);
  const fd = openSync(path, "r");
  readSync(fd, buffer, 0, 8, 0);
  const length = Number(buffer.readBigUInt64LE(0));
  const text = Buffer.alloc(length);
  readSync(fd, text, 0, length, 8);
  closeSync(fd);
  const json = JSON.parse(text.toString("utf8"));
  let elements = 0;
  for (const [name, info] of Object.entries(json)) {
    if (name === "__metadata__") continue;
    const n = info.shape.reduce((a, b) => a * b, 1);
    if (n >= 10000) elements += n;
  }
  return elements;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function ensureFile(dtype, gib) {
  const path = `${here}out/llama-${dtype.toLowerCase()}-${gib}g.safetensors`;
  if (!existsSync(path)) {
    const result = spawnSync(node, [here + "generate.js", "--dtype", dtype, "--gib", String(gib), "--out", path], { stdio: "inherit" });
    if (result.status !== 0) throw new Error("generation failed");
  }
  return path;
}

function lmBenchmark() {
  return import("../dist/index.js").then(({ fitLognormal, binCentres, lognormalCurve }) => {
    const centres = binCentres(100);
    let state = 7;
    const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296);
    const curves = Array.from({ length: 200 }, (_, k) => {
      const mu = -3 + (k % 10) * 0.1;
      const sigma = 0.5 + (k % 7) * 0.05;
      return centres.map((c) => lognormalCurve(c, 0.01, mu, sigma) * (1 + 0.05 * (random() - 0.5)));
    });
    for (const y of curves) fitLognormal(centres, y); // warm up
    const started = performance.now();
    let iterations = 0;
    const rounds = 5;
    for (let r = 0; r < rounds; r++) for (const y of curves) iterations += fitLognormal(centres, y).iterations;
    const ms = (performance.now() - started) / (rounds * curves.length);
    return { msPerFit: ms, iterationsPerFit: iterations / (rounds * curves.length) };
  });
}

const rows = [];
const gib = Number(args.gib);
for (const dtype of args.dtypes.split(",").map((d) => d.trim().toUpperCase())) {
  const path = ensureFile(dtype, gib);
  const bytes = statSync(path).size;
  const elements = analysedElements(path);
  run("read-child.js", [path]); // warm the page cache
  const reads = [];
  const fits = [];
  for (let i = 0; i < repeat; i++) {
    reads.push(run("read-child.js", [path]));
    const fitArgs = [path, "--format", "csv", "-o", "/dev/null", "--no-progress", ...(args.jobs ? ["--jobs", args.jobs] : []), ...args.extra.split(" ").filter(Boolean)];
    const fit = run("fit-child.js", fitArgs);
    if (fit.code !== 0) throw new Error(`jaynes fit exited ${fit.code}`);
    fits.push(fit);
  }
  const read = median(reads.map((r) => r.wallSeconds));
  const fit = median(fits.map((r) => r.wallSeconds));
  rows.push({
    format: "safetensors",
    dtype,
    gib: bytes / 1024 ** 3,
    elements,
    readSeconds: read,
    readGBs: bytes / read / 1e9,
    fitSeconds: fit,
    fitGElements: elements / fit / 1e9,
    fitGBs: bytes / fit / 1e9,
    ratio: fit / read,
    peakRssMB: Math.max(...fits.map((r) => r.maxRssBytes)) / 1e6,
  });
}
const lm = await lmBenchmark();

const targets = (row) => {
  const elementTarget = row.dtype === "F32" ? 0.5 : row.dtype === "F64" ? 0.25 : 1.0;
  return { elements: row.fitGElements >= elementTarget ? "✓" : `✗ (< ${elementTarget})`, ratio: row.ratio <= 3 ? "✓" : "✗ (> 3×)", rss: row.peakRssMB <= 256 ? "✓" : "✗ (> 256 MB)" };
};
const cpu = cpus()[0]?.model ?? "unknown CPU";
const lines = [
  "| format | dtype | file | elements | read-only pass | `jaynes fit` | elements/s | fit / read | peak RSS |",
  "|---|---|---|---|---|---|---|---|---|",
  ...rows.map((r) => {
    const t = targets(r);
    return `| ${r.format} | ${r.dtype} | ${r.gib.toFixed(2)} GiB | ${(r.elements / 1e9).toFixed(3)} G | ${r.readSeconds.toFixed(2)} s (${r.readGBs.toFixed(2)} GB/s) | ${r.fitSeconds.toFixed(2)} s (${r.fitGBs.toFixed(2)} GB/s) | ${r.fitGElements.toFixed(2)} G/s ${t.elements} | ${r.ratio.toFixed(2)}× ${t.ratio} | ${r.peakRssMB.toFixed(0)} MB ${t.rss} |`;
  }),
];
const machine = `${availableParallelism()} cores (${cpu}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
const lmLine = `Levenberg–Marquardt lognormal fit at 100 bins: ${(lm.msPerFit * 1000).toFixed(0)} µs per layer (${lm.iterationsPerFit.toFixed(1)} iterations on average; target ≤ 200 µs ${lm.msPerFit <= 0.2 ? "✓" : "✗"}).`;
process.stdout.write(`\n${machine}\n\n${lines.join("\n")}\n\n${lmLine}\n`);

const report = `# Benchmarks

Measured by \`npm run bench\` (bench/run.js) on ${new Date().toISOString().slice(0, 10)}: ${machine}.
Page cache warm; each figure is the median of ${repeat} runs in fresh processes; peak RSS is the
maximum over runs (the process's own \`maxRSS\`, worker threads included). Elements counts only the
analysed tensors (≥ 10,000 elements); GB/s is the whole file over the wall time.

${lines.join("\n")}

${lmLine}

Targets (issue #9): 16-bit dtypes ≥ 1.0 G elements/s and F32 ≥ 0.5 G elements/s end to end; \`jaynes fit\`
within 3× of the read-only pass; peak RSS ≤ 256 MB whatever the file size; LM ≤ 0.2 ms per layer.
`;
const notes = existsSync(here + "../BENCHMARKS.notes.md") ? `\n${readFileSync(here + "../BENCHMARKS.notes.md", "utf8")}` : "";
if (args.out !== "-") writeFileSync(args.out, report + notes);
