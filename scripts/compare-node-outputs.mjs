// The same outputs on two Node.js versions: runs the built CLI (dist/) with each node binary on the
// bundled real networks and compares. Figures (SVG) must be byte-identical; JSON and CSV must be
// byte-identical or equal number by number within a relative 1e-12: the power-law alternative's
// fit uses Math.pow/log/exp, whose last digits V8 changes between versions (seen: ≤ 1e-14 relative).
// The binned maximum-likelihood refits (JSON `ml`, CSV `ml_*`) are iterations that stop when the
// log-likelihood gains < 1e-10 nats, so those ulps can move where they stop: within 1e-6 relative
// (seen: 7e-10 for the power law's k, Node 22 vs 24).
// It prints which outputs are byte-identical and which fields differ. `.ci/run` runs it on Node 22
// and 24; the README ("Node.js versions") states the result.
//
//   node scripts/compare-node-outputs.mjs NODE_A NODE_B   → one summary line; exit 1 on a difference
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin/jaynes.js");
const FIX = join(ROOT, "fixtures");
const TOLERANCE = 1e-12;
const ITERATIVE_TOLERANCE = 1e-6;
/** The tolerance of the number at `path` (`.ml.` in JSON; for CSV rows, a column named `ml_…`). */
const toleranceAt = (path, header) => {
  const column = header === undefined ? undefined : header[Number(/\[(\d+)\]$/.exec(path)?.[1])];
  return path.includes(".ml.") || (typeof column === "string" && column.startsWith("ml_")) ? ITERATIVE_TOLERANCE : TOLERANCE;
};
const [nodeA, nodeB] = process.argv.slice(2);
if (nodeA === undefined || nodeB === undefined) {
  process.stderr.write("usage: node scripts/compare-node-outputs.mjs NODE_A NODE_B\n");
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), "jaynes-node-outputs-"));

const OUTPUTS = {
  "fit.json": ["fit", join(FIX, "mnist-mlp-epoch10.safetensors"), "--format", "json"],
  "fit.csv": ["fit", join(FIX, "mnist-mlp-epoch10.safetensors"), join(FIX, "mnist-mlp-epoch00.safetensors"), "--format", "csv"],
  "compare.json": ["compare", join(FIX, "mnist-mlp-epoch00.safetensors"), join(FIX, "mnist-mlp-epoch10.safetensors"), "--format", "json"],
  "dynamics.json": ["dynamics", join(FIX, "mnist-sgd"), "--format", "json"],
};

function outputs(node, label) {
  const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
  const run = (args) => {
    const result = spawnSync(node, [BIN, ...args], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } });
    if (result.status !== 0) throw new Error(`${version}: jaynes ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
    return result.stdout;
  };
  const texts = {};
  for (const [name, args] of Object.entries(OUTPUTS)) texts[name] = run(args);
  const figures = join(work, label);
  run(["fit", join(FIX, "mnist-mlp-epoch10.safetensors"), "--plot", figures]);
  for (const file of readdirSync(figures, { recursive: true }).map(String).filter((name) => name.endsWith(".svg")).sort()) texts[`figures/${file}`] = readFileSync(join(figures, file), "utf8");
  return { version, texts };
}

/** Every number of `a` and `b` at the same place: how many differ, and the largest relative difference. */
function numericDiff(a, b, path, stats) {
  if (typeof a === "number" && typeof b === "number") {
    if (a !== b) {
      stats.differing++;
      const relative = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
      if (!(relative <= stats.largest)) stats.largest = relative;
      const tolerance = toleranceAt(path, stats.header);
      if (!(relative <= tolerance)) stats.beyond.push(`${path}: ${a} vs ${b} (beyond ${tolerance})`);
      stats.fields.add(path.replace(/\[\d+\]/g, "[]"));
    }
    return;
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) numericDiff(a[key], b[key], Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`, stats);
    return;
  }
  if (typeof a === "string" && typeof b === "string" && a !== b && a.trim() !== "" && b.trim() !== "" && !Number.isNaN(Number(a)) && !Number.isNaN(Number(b))) {
    numericDiff(Number(a), Number(b), path, stats);
    return;
  }
  if (a !== b) stats.beyond.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
}

try {
  const a = outputs(nodeA, "a");
  const b = outputs(nodeB, "b");
  const problems = [];
  const identical = [];
  const notes = [];
  for (const name of Object.keys(a.texts)) {
    if (a.texts[name] === b.texts[name]) {
      identical.push(name);
      continue;
    }
    if (name.endsWith(".svg")) {
      problems.push(`${name}: not byte-identical`);
      continue;
    }
    const parse = (text) => (name.endsWith(".json") ? JSON.parse(text) : text.split("\n").map((line) => line.split(",")));
    const parsedA = parse(a.texts[name]);
    const stats = { differing: 0, largest: 0, beyond: [], fields: new Set(), header: name.endsWith(".json") ? undefined : parsedA[0] };
    numericDiff(parsedA, parse(b.texts[name]), "", stats);
    notes.push(`${name}: ${stats.differing} numbers differ (largest relative ${stats.largest.toExponential(1)}${name.endsWith(".json") ? ` in ${[...stats.fields].join(", ")}` : ""})`);
    problems.push(...stats.beyond.slice(0, 5).map((line) => `${name}${line}`));
  }
  if (problems.length > 0) {
    process.stderr.write(`compare-node-outputs: ${a.version} vs ${b.version}:\n${problems.join("\n")}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(`outputs ${a.version} vs ${b.version}: byte-identical: ${identical.filter((name) => !name.endsWith(".svg")).join(", ")}, ${identical.filter((name) => name.endsWith(".svg")).length} SVG figures${notes.length > 0 ? `; within ${TOLERANCE} (ML refits ${ITERATIVE_TOLERANCE}): ${notes.join("; ")}` : ""}\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
