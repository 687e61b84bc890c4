// The package.json that goes into the npm tarball has no `prepare` script.
//
// `prepare` builds dist/ in a clone (`npm ci`) and in a git install (npm runs only `prepare` for git
// dependencies). A tarball or registry install already holds dist/, built by `prepack`, and npm 11
// warns about every dependency with a `prepare` script ("install scripts not yet covered by
// allowScripts"). So `prepack` builds and then removes `prepare` from package.json, keeping the
// original beside it; `postpack` puts the original back — except during `npm publish`, which reads
// package.json again after packing, so there `postpublish` does. A run interrupted in between leaves
// the saved copy, and the next call of this script restores it first.
//
//   node scripts/pack-manifest.mjs strip | restore
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

const MANIFEST = new URL("../package.json", import.meta.url);
const SAVED = new URL("../.package.json.unpacked", import.meta.url);

function restore() {
  if (existsSync(SAVED)) renameSync(SAVED, MANIFEST);
}

const action = process.argv[2];
if (action === "strip") {
  restore();
  const text = readFileSync(MANIFEST, "utf8");
  const manifest = JSON.parse(text);
  if (manifest.scripts?.prepare !== undefined) {
    writeFileSync(SAVED, text);
    delete manifest.scripts.prepare;
    writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  }
} else if (action === "restore") {
  // npm sets npm_command for lifecycle scripts; during publish, postpublish restores.
  if (process.env.npm_lifecycle_event === "postpack" && process.env.npm_command === "publish") process.exit(0);
  restore();
} else {
  process.stderr.write("usage: node scripts/pack-manifest.mjs strip|restore\n");
  process.exit(1);
}
