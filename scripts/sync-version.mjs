// The `version` script (run by `npm version` after it bumps package.json): write the new version into
// src/version.ts, where the code reads it without touching the file system, and stage it for the
// commit npm makes.
import { readFileSync, writeFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const file = new URL("../src/version.ts", import.meta.url);
const text = readFileSync(file, "utf8");
const updated = text.replace(/^export const VERSION = "[^"]*";$/m, `export const VERSION = ${JSON.stringify(pkg.version)};`);
if (updated === text && !text.includes(`export const VERSION = ${JSON.stringify(pkg.version)};`)) {
  process.stderr.write("sync-version: no `export const VERSION = \"…\";` line in src/version.ts\n");
  process.exit(1);
}
writeFileSync(file, updated);
