// One measured process of the activations benchmark; reports its wall time and peak RSS as the last
// stderr line (JSON), for bench/activations.js.
//   node bench/activations-child.js ort MODEL INPUTS.npy BATCH THREADS   onnxruntime-node alone
//   node bench/activations-child.js jaynes ARGS…                          `jaynes activations ARGS…`
import { closeSync, openSync, readSync } from "node:fs";
import { createRequire } from "node:module";

const [mode, ...rest] = process.argv.slice(2);
const started = performance.now();
let code = 0;
if (mode === "ort") {
  // The same model, the same inputs read batch by batch from the .npy, the model's output only.
  const [model, inputs, batchText, threadsText] = rest;
  const ort = createRequire(import.meta.url)("onnxruntime-node");
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: Number(threadsText), interOpNumThreads: 1, graphOptimizationLevel: "all" });
  const fd = openSync(inputs, "r");
  const head = Buffer.alloc(10);
  readSync(fd, head, 0, 10, 0);
  const headerLength = head.readUInt16LE(8);
  const header = Buffer.alloc(headerLength);
  readSync(fd, header, 0, headerLength, 10);
  const [samples, width] = /\((\d+), (\d+)\)/.exec(header.toString("latin1")).slice(1).map(Number);
  const batch = Number(batchText);
  for (let row = 0; row < samples; row += batch) {
    const count = Math.min(batch, samples - row);
    const values = new Float32Array(count * width);
    readSync(fd, new Uint8Array(values.buffer), 0, values.byteLength, 10 + headerLength + row * width * 4);
    await session.run({ input: new ort.Tensor("float32", values, [count, width]) });
  }
  closeSync(fd);
  await session.release();
} else {
  const { main } = await import("../dist/cli/main.js");
  code = await main(["node", "jaynes", "activations", ...rest]);
}
const wallSeconds = (performance.now() - started) / 1000;
process.stderr.write(`\n${JSON.stringify({ code, wallSeconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
process.exitCode = code;
