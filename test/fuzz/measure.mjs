// Runs the jaynes CLI (bin/jaynes.js, the compiled build) in this process and, at exit, writes the
// process's peak resident memory (getrusage ru_maxrss, KiB: main thread and worker threads alike) as
// JSON to file descriptor 3, where the fuzz harness reads it. argv: [node, measure.mjs, ...jaynes args].
import { writeSync } from "node:fs";

process.on("exit", () => {
  try {
    writeSync(3, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS }));
  } catch {
    // fd 3 not open: run by hand
  }
});
await import(new URL("../../bin/jaynes.js", import.meta.url).href);
