// A library user's project: test/consumer/consumer.ts type-checked under the strictest settings
// against the jaynes installed (or linked) in `project`/node_modules, then run on a model. Used by
// test/consumer.test.ts (jaynes linked to this checkout) and scripts/check-install.mjs (the packed
// tarball installed).
import { spawnSync } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2023"],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    noUnusedLocals: true,
    // The package's own declarations are checked too, under these settings.
    skipLibCheck: false,
    types: ["node"],
    typeRoots: [join(ROOT, "node_modules/@types")],
    outDir: "out",
  },
  files: ["consumer.ts"],
};

/** Write the consumer into `project` (which has jaynes in node_modules), compile it, run it on `model`. */
export function runConsumer(project, model, node = process.execPath) {
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
  copyFileSync(join(ROOT, "test/consumer/consumer.ts"), join(project, "consumer.ts"));
  const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", project], { encoding: "utf8" });
  if (tsc.status !== 0) return { ok: false, stage: "tsc", output: `${tsc.stdout}${tsc.stderr}` };
  const run = spawnSync(node, [join(project, "out/consumer.js"), model], { encoding: "utf8", cwd: project });
  if (run.status !== 0) return { ok: false, stage: "run", output: `${run.stdout}${run.stderr}` };
  return { ok: true, result: JSON.parse(run.stdout) };
}
