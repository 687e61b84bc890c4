// Assemble src/stats/kernels.wat into dist/stats/kernels.wasm with wabt (a build-time dependency).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import wabtInit from "wabt";

const source = new URL("../src/stats/kernels.wat", import.meta.url);
const target = new URL("../dist/stats/kernels.wasm", import.meta.url);
const wabt = await wabtInit();
let module;
try {
  module = wabt.parseWat("kernels.wat", readFileSync(source, "utf8"), { saturating_float_to_int: true });
  module.validate();
} catch (error) {
  process.stderr.write(`build-wasm: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
const { buffer } = module.toBinary({});
mkdirSync(new URL(".", target), { recursive: true });
writeFileSync(target, buffer);
module.destroy();
