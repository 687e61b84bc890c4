#!/usr/bin/env node
// The CLI runs the compiled output (built by `npm install`/`npm ci` through the `prepare` script).
let main;
try {
  ({ main } = await import("../dist/cli/main.js"));
} catch (error) {
  if (error && error.code === "ERR_MODULE_NOT_FOUND") {
    process.stderr.write("jaynes: the build output is missing; run `npm install` (or `npm run build`) first\n");
    process.exit(70);
  }
  throw error;
}
process.exitCode = await main(process.argv);
