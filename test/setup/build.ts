/**
 * The tests exercise the sources as they are now. Three things run compiled code from dist/: worker
 * threads (parallel/pool.ts starts dist/parallel/worker.js), the WebAssembly kernels
 * (dist/stats/kernels.wasm) and every spawned CLI (bin/jaynes.js). So before any test runs, the
 * global setup compares the stamp `npm run build` leaves in dist/ with a content hash of the build's
 * inputs (scripts/sourceHash.mjs) and, when they differ, builds once — or fails the run loudly when
 * the build fails. A test can therefore never pass on a stale build.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, buildHash, builtHash } from "../../scripts/sourceHash.mjs";

export function ensureFreshBuild(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  const wanted = buildHash();
  const built = builtHash();
  if (built === wanted) return;
  log(built === undefined ? "test setup: dist/ has no build stamp; building once" : "test setup: dist/ was built from other sources than src/ now; building once");
  const started = Date.now();
  const run = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { cwd: ROOT, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`test setup: npm run build failed (exit ${run.status}); the tests would run stale code:\n${run.stdout}${run.stderr}`);
  if (builtHash() !== buildHash()) throw new Error("test setup: the sources changed while building; run the tests again");
  log(`test setup: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
