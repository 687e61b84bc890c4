/**
 * The dependency rules of src/ (README "Architecture"), checked by `npm test` (`npm run check:deps`):
 * no import cycles, and imports point down only. Layers, bottom to top:
 *
 *   errors.ts, version.ts → io → decode → stats | formats → runtime → parallel → analysis → report → run → cli
 *
 * (stats and formats are siblings: neither imports the other; runtime/ — models run as a source of
 * tensors — sits on both), with src/index.ts and src/pipeline.ts, the library API (`jaynes`,
 * `jaynes/pipeline`), on top of everything but cli. Type-only imports count: a type is a dependency too. analysis/ writes
 * no files (node:fs, io/atomicWrite.ts): outputs, caches and checkpoints are written by src/run/.
 */
const LAYERS = ["io", "decode", "stats|formats", "runtime", "parallel", "analysis", "report", "run", "cli"];
const folders = (names) => `^src/(${names.join("|")})/`;

/** Layer i may not import any layer above it. */
const upward = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `no-upward-from-${layer.replace("|", "-or-")}`,
  comment: `${layer} may import only layers below it: ${LAYERS.slice(0, index).join(", ") || "errors.ts/version.ts"}`,
  severity: "error",
  from: { path: folders([layer]) },
  to: { path: folders(LAYERS.slice(index + 1)) },
}));

module.exports = {
  forbidden: [
    { name: "no-circular", comment: "import cycles make the load order matter and the layers meaningless", severity: "error", from: {}, to: { circular: true } },
    {
      name: "base-imports-nothing",
      comment: "errors.ts and version.ts are the bottom: they import no module of src/",
      severity: "error",
      from: { path: "^src/(errors|version)\\.ts$" },
      to: { path: "^src/", pathNot: "^src/(errors|version)\\.ts$" },
    },
    ...upward,
    { name: "no-stats-to-formats", comment: "stats and formats are siblings", severity: "error", from: { path: "^src/stats/" }, to: { path: "^src/formats/" } },
    { name: "no-formats-to-stats", comment: "stats and formats are siblings", severity: "error", from: { path: "^src/formats/" }, to: { path: "^src/stats/" } },
    { name: "index-is-the-top", comment: "src/index.ts and src/pipeline.ts (the library API) are imported by nothing in src/", severity: "error", from: { path: "^src/" }, to: { path: "^src/(index|pipeline)\\.ts$" } },
    {
      name: "analysis-writes-no-files",
      comment: "analysis/ computes results; writing files (outputs, caches, checkpoints) is a use case's job (src/run/)",
      severity: "error",
      from: { path: "^src/analysis/" },
      to: { path: "^((node:)?fs(/promises)?|src/io/atomicWrite\\.ts)$" },
    },
    { name: "api-not-cli", comment: "the library API does not import the CLI", severity: "error", from: { path: "^src/(index|pipeline)\\.ts$" }, to: { path: "^src/cli/" } },
  ],
  options: {
    includeOnly: "^(src/|(node:)?fs(/promises)?$)",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
