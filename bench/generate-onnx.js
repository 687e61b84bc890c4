#!/usr/bin/env node
// Writes a Llama-shaped ONNX model of about the requested size (FLOAT initializers in raw_data,
// protobuf written by hand, streamed to disk), for the memory benchmark of the streaming reader.
// Never committed: outputs go to bench/out/ (git-ignored) or a path you give.
//
//   npm run build && node bench/generate-onnx.js --gib 1.5 --out bench/out/llama-1.5g.onnx
//   /usr/bin/time -v node bin/jaynes.js fit bench/out/llama-1.5g.onnx --no-progress > /dev/null
//
// Shapes follow Llama-2-7B (hidden 4096, MLP 11008); tensors are added until the size is reached
// (a protobuf message must stay below 2 GiB). Values are N(0, 0.02²) drawn once into a 4 Mi-element
// pool and copied with a random rotation per write.
import { parseArgs } from "node:util";
import { bytesField, encodeTag, encodeVarint } from "../dist/formats/protobuf/wireWriter.js";
import { gaussianPool, sequentialFile } from "./streams.js";

const { values: args } = parseArgs({ options: { gib: { type: "string", default: "1.5" }, out: { type: "string" } } });
const target = Number(args.gib) * 1024 ** 3;
if (!(target > 0 && target < 2 * 1024 ** 3 - 1024 ** 2)) throw new Error("--gib must be in (0, 2): a protobuf message is limited to 2 GiB");
const out = args.out ?? `bench/out/llama-${args.gib}g.onnx`;

const hidden = 4096;
const mlp = 11008;
const tensors = [];
let bytes = 0;
const add = (name, shape) => {
  const size = shape[0] * shape[1] * 4;
  tensors.push({ name, shape, size });
  bytes += size;
};
for (let layer = 0; bytes + hidden * hidden * 4 <= target; layer++) {
  for (const [name, shape] of [
    ["attn.q_proj", [hidden, hidden]],
    ["attn.k_proj", [hidden, hidden]],
    ["attn.v_proj", [hidden, hidden]],
    ["attn.o_proj", [hidden, hidden]],
    ["mlp.gate_proj", [mlp, hidden]],
    ["mlp.up_proj", [mlp, hidden]],
    ["mlp.down_proj", [hidden, mlp]],
  ]) {
    if (bytes + shape[0] * shape[1] * 4 <= target) add(`layers.${layer}.${name}.weight`, shape);
  }
}
const rows = Math.floor((target - bytes) / (hidden * 4));
if (rows > 0) add("lm_head.weight", [rows, hidden]);

// --- protobuf wire format (field numbers from onnx/onnx.proto; encoders of the build) ---
const varint = encodeVarint;
const tag = encodeTag;
const lengthDelimited = bytesField;

/** TensorProto without its raw_data payload (written separately, streamed): everything before it. */
function tensorHead(tensor) {
  const head = Buffer.concat([
    lengthDelimited(1, Buffer.concat(tensor.shape.map(varint))), // dims (packed)
    tag(2, 0),
    varint(1), // data_type FLOAT
    lengthDelimited(8, Buffer.from(tensor.name)), // name
    tag(9, 2),
    varint(tensor.size), // raw_data length; the bytes follow
  ]);
  return head;
}
const heads = tensors.map(tensorHead);
const messageSize = (i) => heads[i].length + tensors[i].size;
const graphName = lengthDelimited(2, Buffer.from("llama"));
const graphSize = graphName.length + tensors.reduce((sum, _, i) => sum + tag(5, 2).length + varint(messageSize(i)).length + messageSize(i), 0);

const file = sequentialFile(out);
const write = (bytes) => file.write(bytes);
write(Buffer.concat([tag(1, 0), varint(9), lengthDelimited(2, Buffer.from("jaynes bench/generate-onnx.js")), tag(7, 2), varint(graphSize), graphName]));

const { values: poolValues, random } = gaussianPool(4 * 1024 * 1024);
const pool = new Uint8Array(poolValues.buffer);
const doubled = new Uint8Array(pool.length * 2);
doubled.set(pool, 0);
doubled.set(pool, pool.length);

tensors.forEach((tensor, i) => {
  write(Buffer.concat([tag(5, 2), varint(messageSize(i)), heads[i]]));
  let remaining = tensor.size;
  while (remaining > 0) {
    const start = Math.floor(random() * poolValues.length) * 4;
    const n = Math.min(remaining, pool.length);
    write(doubled.subarray(start, start + n));
    remaining -= n;
  }
});
write(lengthDelimited(8, Buffer.concat([tag(2, 0), varint(19)]))); // opset_import ai.onnx 19
file.close();
process.stderr.write(`wrote ${out}: ${tensors.length} FLOAT tensors, ${(file.position / 1024 ** 3).toFixed(2)} GiB\n`);
