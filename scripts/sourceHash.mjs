// Content hashes that say when generated things are stale: the build (dist/) against its sources,
// and the test fixtures against the code that generates them. Contents, not mtimes: a checkout or a
// copy changes mtimes without changing anything, and an edit inside the same second can keep them.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Every file below `folder` (relative to the repository), sorted. */
export function filesBelow(folder) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(path);
    }
  };
  walk(folder);
  return out;
}

/** SHA-256 over the names and contents of `files` (relative to the repository), in the given order. */
export function hashFiles(files) {
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(existsSync(join(ROOT, file)) ? readFileSync(join(ROOT, file)) : "(missing)");
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** What `npm run build` turns into dist/: the sources, the compiler settings, the build scripts and the locked tool versions. */
export function buildInputs() {
  return [...filesBelow("src"), "tsconfig.json", "package-lock.json", "scripts/build.mjs", "scripts/sourceHash.mjs"];
}

export const BUILD_STAMP = "dist/.source-hash";

export function buildHash() {
  return hashFiles(buildInputs());
}

/** The stamp of the build in dist/, or undefined when there is none. */
export function builtHash() {
  const path = join(ROOT, BUILD_STAMP);
  return existsSync(path) ? readFileSync(path, "utf8").trim() : undefined;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.[^"']+)["']/g;

/**
 * `entry` and every file it imports by relative path, transitively (relative to the repository,
 * sorted): the code that generated something. A `.js` specifier names the `.ts` file beside it.
 */
export function importClosure(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(ROOT, file), "utf8");
    for (const match of text.matchAll(IMPORT)) {
      let target = relative(ROOT, resolve(ROOT, dirname(file), match[1]));
      if (!existsSync(join(ROOT, target)) && target.endsWith(".js")) target = `${target.slice(0, -3)}.ts`;
      if (existsSync(join(ROOT, target)) && statSync(join(ROOT, target)).isFile()) visit(target);
    }
  };
  visit(entry);
  return [...seen].sort();
}
