#!/usr/bin/env node
// Writes the model and inputs of the `activations` benchmark (never committed: bench/out/ is
// git-ignored): an MLP 1024 → 4096 → 4096 → 2048 as ONNX (Gemm with transB = 1, Relu between;
// 29.4 M FLOAT weights = 118 MB in raw_data initializers, N(0, 1/fan_in)) with a dynamic batch dim,
// and 10,000 inputs N(0, 1) as a float32 .npy [10000, 1024].
//
//   npm run build && node bench/generate-activations.js --out bench/out
import { parseArgs } from "node:util";
import { bytesField, encodeTag, encodeVarint, stringField } from "../dist/formats/protobuf/wireWriter.js";
import { gaussianPool, sequentialFile } from "./streams.js";

const { values: args } = parseArgs({ options: { out: { type: "string", default: "bench/out" }, samples: { type: "string", default: "10000" } } });
const widths = [1024, 4096, 4096, 2048];
const samples = Number(args.samples);

// Protobuf encoders of the build (src/formats/protobuf/wireWriter.ts).
const intField = (field, value) => Buffer.concat([encodeTag(field, 0), encodeVarint(value)]);

// N(0, 1) pool, scaled per layer; rotated copies give every weight a value without 29 M draws.
const pool = gaussianPool(1 << 22);
const unit = pool.values.map((v) => v / 0.02);
const filled = (count, scale, seed) => {
  const out = new Float32Array(count);
  const at = (Math.floor(pool.random() * unit.length) ^ seed) % unit.length;
  for (let i = 0; i < count; i++) out[i] = unit[(at + i) % unit.length] * scale;
  return Buffer.from(out.buffer);
};

const nodes = [];
const initializers = [];
let input = "input";
for (let layer = 0; layer + 1 < widths.length; layer++) {
  const [fanIn, fanOut] = [widths[layer], widths[layer + 1]];
  const weight = `fc${layer}.weight`;
  const bias = `fc${layer}.bias`;
  initializers.push(bytesField(5, Buffer.concat([intField(1, fanOut), intField(1, fanIn), intField(2, 1), stringField(8, weight), bytesField(9, filled(fanIn * fanOut, 1 / Math.sqrt(fanIn), layer))])));
  initializers.push(bytesField(5, Buffer.concat([intField(1, fanOut), intField(2, 1), stringField(8, bias), bytesField(9, filled(fanOut, 0.1, layer + 17))])));
  const gemm = `/fc${layer}/Gemm_output_0`;
  const last = layer + 2 === widths.length;
  const attribute = Buffer.concat([stringField(1, "transB"), intField(3, 1), intField(20, 2)]);
  nodes.push(bytesField(1, Buffer.concat([stringField(1, input), stringField(1, weight), stringField(1, bias), stringField(2, last ? "output" : gemm), stringField(3, `/fc${layer}/Gemm`), stringField(4, "Gemm"), bytesField(5, attribute)])));
  if (last) break;
  const relu = `/act${layer}/Relu_output_0`;
  nodes.push(bytesField(1, Buffer.concat([stringField(1, gemm), stringField(2, relu), stringField(3, `/act${layer}/Relu`), stringField(4, "Relu")])));
  input = relu;
}
const valueInfo = (field, name, width) => {
  const dims = Buffer.concat([bytesField(1, stringField(2, "batch")), bytesField(1, intField(1, width))]);
  const tensorType = Buffer.concat([intField(1, 1), bytesField(2, dims)]);
  return bytesField(field, Buffer.concat([stringField(1, name), bytesField(2, bytesField(1, tensorType))]));
};
const graph = Buffer.concat([...nodes, stringField(2, "mlp"), ...initializers, valueInfo(11, "input", widths[0]), valueInfo(12, "output", widths.at(-1))]);
const model = Buffer.concat([intField(1, 8), stringField(2, "jaynes bench/generate-activations.js"), bytesField(7, graph), bytesField(8, Buffer.concat([stringField(1, ""), intField(2, 17)]))]);
const modelFile = sequentialFile(`${args.out}/mlp-118mb.onnx`);
modelFile.write(model);
modelFile.close();

// .npy v1 header, then the rows.
const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${samples}, ${widths[0]}), }`;
const padded = header + " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\n";
const inputs = sequentialFile(`${args.out}/mlp-inputs.npy`);
const preamble = Buffer.alloc(10);
preamble.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
preamble.writeUInt16LE(padded.length, 8);
inputs.write(Buffer.concat([preamble, Buffer.from(padded, "latin1")]));
for (let row = 0; row < samples; row += 1000) inputs.write(filled(Math.min(1000, samples - row) * widths[0], 1, row));
inputs.close();
process.stderr.write(`wrote ${args.out}/mlp-118mb.onnx (${(model.length / 1e6).toFixed(1)} MB) and ${args.out}/mlp-inputs.npy (${samples} × ${widths[0]})\n`);
