// The packed tarball installs and runs as a user gets it: `npm pack`, then into an empty project and
// globally (a private --prefix) with --ignore-scripts (no build tools, no script of ours runs), then
// `jaynes --version`, `jaynes fit` on a bundled real network (the same numbers as this checkout's
// build), and the strict TypeScript consumer (test/consumer/consumer.ts) compiled against the
// installed declarations and run. Network: the npm registry only (the dependencies). `.ci/run` runs
// it; by hand: `npm run check:install` (several seconds to a minute; npm's cache makes reruns fast).
//
//   node scripts/check-install.mjs [--keep]   → one summary line on stdout; exit 1 on a failure
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runConsumer } from "./consumer.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MODEL = join(ROOT, "fixtures/mnist-mlp-epoch10.safetensors");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const keep = process.argv.includes("--keep");
const work = mkdtempSync(join(tmpdir(), "jaynes-install-"));

function fail(message) {
  process.stderr.write(`check-install: ${message}\n`);
  if (!keep) rmSync(work, { recursive: true, force: true });
  process.exit(1);
}

/** Run a command; fail with its output unless it exits 0. Returns stdout and the seconds it took. */
function run(command, args, options = {}) {
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) fail(`${command} ${args.join(" ")} exited ${result.status}:\n${result.stdout}${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr, seconds };
}

const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;

// 1. Pack (prepack builds dist/ and strips `prepare` from the packed manifest).
const pack = run(NPM, ["pack", "--json", "--pack-destination", work], { cwd: ROOT });
const packed = JSON.parse(pack.stdout)[0];
const tarball = join(work, packed.filename);
const manifest = JSON.parse(run("tar", ["-xzOf", tarball, "package/package.json"]).stdout);
if (manifest.scripts?.prepare !== undefined) fail("the packed package.json still has a prepare script");
if (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts?.prepare === undefined) fail("package.json lost its prepare script (postpack did not restore it)");

// 2. Into an empty project, no scripts.
const project = join(work, "project");
mkdirSync(project);
writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
const install = run(NPM, ["install", "--ignore-scripts", "--no-audit", "--no-fund", tarball], { cwd: project });
if (/allow-?scripts/i.test(install.stderr)) fail(`npm warned about install scripts:\n${install.stderr}`);
const bin = join(project, "node_modules/.bin/jaynes");
const reported = run(bin, ["--version"]).stdout.trim();
if (reported !== version) fail(`jaynes --version printed ${JSON.stringify(reported)}, not ${version}`);
const installedFit = JSON.parse(run(bin, ["fit", MODEL, "--format", "json"], { cwd: project }).stdout);
const localFit = JSON.parse(run(process.execPath, [join(ROOT, "bin/jaynes.js"), "fit", MODEL, "--format", "json"]).stdout);
if (JSON.stringify(installedFit.models) !== JSON.stringify(localFit.models)) fail("the installed jaynes gives other numbers than this checkout's build");
const fitted = installedFit.models[0].layers.length;

// 3. The strict TypeScript consumer against the installed declarations.
const consumer = runConsumer(project, MODEL);
if (!consumer.ok) fail(`the strict TypeScript consumer failed at ${consumer.stage}:\n${consumer.output}`);

// 4. Globally, into a private prefix.
const prefix = join(work, "global");
const global = run(NPM, ["install", "--global", "--prefix", prefix, "--ignore-scripts", "--no-audit", "--no-fund", tarball]);
const globalBin = join(prefix, process.platform === "win32" ? "jaynes.cmd" : "bin/jaynes");
const globalVersion = run(globalBin, ["--version"]).stdout.trim();
if (globalVersion !== version) fail(`the global jaynes --version printed ${JSON.stringify(globalVersion)}`);
run(globalBin, ["fit", MODEL, "--format", "csv"]);

const kb = (bytes) => `${(bytes / 1024).toFixed(0)} kB`;
process.stdout.write(
  `check-install: ${packed.filename} ${kb(statSync(tarball).size)} (unpacked ${kb(packed.unpackedSize)}, ${packed.entryCount} files); ` +
    `pack ${pack.seconds.toFixed(1)} s, project install ${install.seconds.toFixed(1)} s, global install ${global.seconds.toFixed(1)} s; ` +
    `jaynes ${reported} (node ${process.version}): fit ${fitted} layers, same numbers as the checkout; strict TypeScript consumer ok\n`,
);
if (keep) process.stdout.write(`kept: ${work}\n`);
else rmSync(work, { recursive: true, force: true });
