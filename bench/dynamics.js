#!/usr/bin/env node
// `node bench/dynamics.js`: the cost of `jaynes dynamics` with its evidence (bootstrap, surrogate
// nulls, goodness of fit) against another build (e.g. the previous release) or against point
// estimates only, on the same series, in fresh processes, interleaved (A B A B …) so that a machine
// shared with other work loads both alike. Reports the median wall and CPU time of each and the ratio.
//
//   node bench/dynamics.js                                   # a generated series (bench/out/), evidence on vs off
//   node bench/dynamics.js --series DIR --baseline OTHER/bin/jaynes.js --repeat 5
//
// The generated series is 128 safetensors checkpoints of one 32 × 784 layer (the shape of the first
// layer of the MNIST MLP in the README's example): random walks whose step scales spread over three
// decades, with Student-t (ν = 2) steps (z / √E, E standard exponential = χ²₂/2).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    series: { type: "string" },
    baseline: { type: "string" },
    repeat: { type: "string", default: "5" },
    extra: { type: "string", default: "" },
  },
});
const here = new URL(".", import.meta.url).pathname;
const jaynes = join(here, "../bin/jaynes.js");

/** A safetensors file of one F32 tensor with `step` metadata. */
function safetensors(name, shape, values, step) {
  const header = JSON.stringify({ __metadata__: { step: String(step) }, [name]: { dtype: "F32", shape, data_offsets: [0, values.byteLength] } });
  const pad = (8 - ((8 + Buffer.byteLength(header)) % 8)) % 8;
  const text = Buffer.from(header + " ".repeat(pad));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([length, text, Buffer.from(values.buffer)]);
}

function generate(dir) {
  mkdirSync(dir, { recursive: true });
  let state = 12345;
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const n = 32 * 784;
  const scale = Float64Array.from({ length: n }, () => 1e-3 * 10 ** (-3 * uniform()));
  const w = Float64Array.from({ length: n }, () => 0.05 * normal());
  for (let t = 0; t < 128; t++) {
    if (t > 0) for (let i = 0; i < n; i++) w[i] += (scale[i] * normal()) / Math.sqrt(-Math.log(uniform()));
    writeFileSync(join(dir, `step_${String(25 * t).padStart(6, "0")}.safetensors`), safetensors("0.weight", [32, 784], Float32Array.from(w), 25 * t));
  }
}

const series = args.series ?? join(here, "out/dynamics-series");
if (!args.series && !existsSync(join(series, "step_003175.safetensors"))) generate(series);

const extra = args.extra ? args.extra.split(" ") : [];
const runs = args.baseline
  ? [
      { label: "baseline", argv: [args.baseline, "dynamics", series, ...extra] },
      { label: "this build", argv: [jaynes, "dynamics", series, ...extra] },
    ]
  : [
      { label: "point estimates only", argv: [jaynes, "dynamics", series, "--bootstrap", "0", "--surrogates", "0", "--gof", "0", ...extra] },
      { label: "with evidence", argv: [jaynes, "dynamics", series, ...extra] },
    ];

function timed(argv) {
  const start = process.hrtime.bigint();
  const child = spawnSync("/usr/bin/time", ["-f", "%U %S", process.execPath, ...argv], { encoding: "utf8", maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (child.status !== 0) throw new Error(`${argv.join(" ")} failed: ${child.stderr.slice(-2000)}`);
  const [user, sys] = child.stderr.trim().split("\n").pop().split(" ").map(Number);
  return { wall, cpu: user + sys };
}

const times = runs.map(() => []);
for (let r = 0; r < Number(args.repeat); r++) runs.forEach((run, i) => times[i].push(timed(run.argv)));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = runs.map((run, i) => ({ label: run.label, wall: median(times[i].map((t) => t.wall)), cpu: median(times[i].map((t) => t.cpu)) }));
console.log(`series: ${series}; ${args.repeat} interleaved runs each, medians`);
for (const row of rows) console.log(`  ${row.label.padEnd(22)} wall ${row.wall.toFixed(2)} s   cpu ${row.cpu.toFixed(2)} s`);
console.log(`  ratio                  wall ${(rows[1].wall / rows[0].wall).toFixed(2)}×  cpu ${(rows[1].cpu / rows[0].cpu).toFixed(2)}×`);
for (const [i, run] of runs.entries()) console.log(`  ${run.label} runs (wall s): ${times[i].map((t) => t.wall.toFixed(2)).join(" ")}`);
