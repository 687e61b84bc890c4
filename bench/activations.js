// The `activations` case of `npm run bench`: `jaynes activations` against onnxruntime-node alone on
// the same generated model (an MLP with 118 MB of weights, bench/generate-activations.js) and the same
// 10,000 inputs, batch 64, in fresh processes, interleaved, median of `repeat` runs each. Reported:
// wall time, samples/s, the ratio to the runtime alone (target ≤ 1.3×), peak RSS against the runtime
// alone's (target: at most 256 MB more), and the phases of the jaynes run from its JSON.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const here = new URL(".", import.meta.url).pathname;
const node = process.execPath;

function child(argv) {
  const result = spawnSync(node, [`${here}activations-child.js`, ...argv], { encoding: "utf8", maxBuffer: 1 << 28 });
  const last = result.stderr.trim().split("\n").pop();
  if (result.status !== 0) throw new Error(`activations-child ${argv.join(" ")} failed (${result.status}): ${result.stderr.slice(-2000)}`);
  return JSON.parse(last);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs the case; returns the Markdown lines for BENCHMARKS.md. */
export function activationsBenchmark({ repeat = 3, jobs, batch = 64 } = {}) {
  const model = `${here}out/mlp-118mb.onnx`;
  const inputs = `${here}out/mlp-inputs.npy`;
  if (!existsSync(model) || !existsSync(inputs)) spawnSync(node, [`${here}generate-activations.js`, "--out", `${here}out`], { stdio: "inherit" });
  const threads = String(jobs ?? 2);
  const json = `${here}out/activations.json`;
  const configurations = {
    runtime: () => child(["ort", model, inputs, String(batch), threads]),
    spill: () => child(["jaynes", model, "--input", inputs, "--batch", String(batch), "--jobs", threads, "--format", "json", "-o", json, "--no-progress", "--second-pass", "spill"]),
    rerun: () => child(["jaynes", model, "--input", inputs, "--batch", String(batch), "--jobs", threads, "--format", "json", "-o", json, "--no-progress", "--second-pass", "rerun"]),
  };
  const samples = { runtime: [], spill: [], rerun: [] };
  const phases = { spill: [], rerun: [] };
  configurations.runtime(); // warm the page cache
  for (let i = 0; i < repeat; i++) {
    for (const [name, run] of Object.entries(configurations)) {
      const measured = run();
      if (measured.code !== 0) throw new Error(`${name} exited ${measured.code}`);
      samples[name].push(measured);
      if (name !== "runtime") phases[name].push(JSON.parse(readFileSync(json, "utf8")).models[0].run);
    }
  }
  rmSync(json, { force: true });
  const count = 10_000;
  const wall = (name) => median(samples[name].map((s) => s.wallSeconds));
  const rss = (name) => Math.max(...samples[name].map((s) => s.maxRssBytes)) / 1e6;
  const base = wall("runtime");
  const baseRss = rss("runtime");
  const mark = (ok) => (ok ? "✓" : "✗");
  const phase = (name, key) => median(phases[name].map((p) => p[key]));
  const rows = [
    `| run | wall | samples/s | ratio to the runtime alone (≤ 1.3×) | peak RSS (≤ runtime + 256 MB) |`,
    `|---|---|---|---|---|`,
    `| onnxruntime-node alone (model output only) | ${base.toFixed(2)} s | ${(count / base).toFixed(0)} | 1 | ${baseRss.toFixed(0)} MB |`,
    ...["spill", "rerun"].map((name) => {
      const ratio = wall(name) / base;
      const extra = rss(name) - baseRss;
      return `| \`jaynes activations --second-pass ${name}\` | ${wall(name).toFixed(2)} s | ${(count / wall(name)).toFixed(0)} | ${ratio.toFixed(2)}× ${mark(ratio <= 1.3)} | ${rss(name).toFixed(0)} MB (+${extra.toFixed(0)}) ${mark(extra <= 256)} |`;
    }),
  ];
  const phaseRows = [
    `| phases (median) | runs | in the runtime | setup (rewrite, sessions) | binning and fits after the runs | spill |`,
    `|---|---|---|---|---|---|`,
    ...["spill", "rerun"].map((name) => `| ${name} | ${phase(name, "runs")} | ${phase(name, "run_seconds").toFixed(2)} s | ${phase(name, "prepare_seconds").toFixed(2)} s | ${phase(name, "analysis_seconds").toFixed(2)} s | ${(phase(name, "spill_bytes") / 1e6).toFixed(0)} MB |`),
  ];
  return [...rows, "", ...phaseRows];
}
