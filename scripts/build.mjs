// `npm run build`: the TypeScript compile, then the stamp that lets the test
// setup (test/setup/build.ts) tell whether dist/ was built from the sources as they are now.
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILD_STAMP, ROOT, buildHash } from "./sourceHash.mjs";


const hash = buildHash(); // before compiling: an edit during the build leaves the stamp stale, not wrong
// A clean dist/: files of modules that moved or were removed must not linger (bin/jaynes.js runs dist/).
rmSync(join(ROOT, "dist"), { recursive: true, force: true });
// The WebAssembly kernels are committed assembled (src/stats/kernelsModule.ts; `npm run build:wasm`).
const steps = [[join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.json")]];
for (const args of steps) {
  const run = spawnSync(process.execPath, args, { stdio: "inherit", cwd: ROOT });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
writeFileSync(join(ROOT, BUILD_STAMP), `${hash}\n`);
