// Runs `jaynes init` in this process and reports its own wall time and peak RSS (worker threads
// included: they share the process) as the last stderr line, for bench/run.js.
import { main } from "../dist/cli/main.js";

const started = performance.now();
const code = await main(["node", "jaynes", "init", ...process.argv.slice(2)]);
const wallSeconds = (performance.now() - started) / 1000;
process.stderr.write(`\n${JSON.stringify({ code, wallSeconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
process.exitCode = code;
