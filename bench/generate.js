#!/usr/bin/env node
// Writes a Llama-shaped safetensors checkpoint of about the requested size, for benchmarks.
// Never committed: outputs go to bench/out/ (git-ignored) or a path you give.
//
//   node bench/generate.js --dtype BF16 --gib 2 --out bench/out/llama-bf16.safetensors
//
// Shapes follow Llama-2-7B (hidden 4096, MLP 11008, vocab 32000); layers are added until the size is
// reached. Values are N(0, 0.02²) drawn once into a 4 Mi-element pool and copied with a random
// rotation per tensor, so generating gigabytes takes seconds and the data is not trivially periodic.
import { parseArgs } from "node:util";
import { gaussianPool, llamaTensors, sequentialFile } from "./streams.js";

const { values: args } = parseArgs({
  options: { dtype: { type: "string", default: "BF16" }, gib: { type: "string", default: "2" }, out: { type: "string" } },
});
const dtype = args.dtype.toUpperCase();
const size = { F32: 4, F16: 2, BF16: 2 }[dtype];
if (!size) throw new Error(`--dtype must be F32, F16 or BF16`);
const target = Number(args.gib) * 1024 ** 3;
const out = args.out ?? `bench/out/llama-${dtype.toLowerCase()}-${args.gib}g.safetensors`;

function encode(values, dtype) {
  if (dtype === "F32") return new Uint8Array(values.buffer);
  const bits = new Uint32Array(values.buffer);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = bits[i];
    if (dtype === "BF16") out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
    else {
      // binary16, round to nearest even; values here are far from the subnormal/overflow range.
      const sign = (x >>> 16) & 0x8000, exp = ((x >>> 23) & 0xff) - 112, mant = x & 0x7fffff;
      if (exp <= 0) out[i] = sign;
      else {
        let h = sign | (exp << 10) | (mant >>> 13);
        const rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
        out[i] = h;
      }
    }
  }
  return new Uint8Array(out.buffer);
}

const tensors = llamaTensors(target, size);
const header = {};
let offset = 0;
for (const t of tensors) {
  const n = t.shape.reduce((a, b) => a * b, 1) * size;
  header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + n] };
  offset += n;
}
header.__metadata__ = { generator: "jaynes bench/generate.js", note: "synthetic N(0, 0.02^2) values" };
let text = JSON.stringify(header);
text += " ".repeat((8 - (text.length % 8)) % 8);
const prefix = Buffer.alloc(8);
prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
const file = sequentialFile(out);
const write = (bytes) => file.write(bytes);
write(prefix);
write(Buffer.from(text));
const { values, random } = gaussianPool(4 * 1024 * 1024);
const encodedPool = encode(values, dtype);
const doubled = new Uint8Array(encodedPool.length * 2);
doubled.set(encodedPool, 0);
doubled.set(encodedPool, encodedPool.length);
for (const t of tensors) {
  let remaining = t.shape.reduce((a, b) => a * b, 1) * size;
  while (remaining > 0) {
    const start = Math.floor(random() * (encodedPool.length / size)) * size;
    const n = Math.min(remaining, encodedPool.length);
    write(doubled.subarray(start, start + n));
    remaining -= n;
  }
}
file.close();
process.stderr.write(`wrote ${out}: ${tensors.length} tensors, ${(file.position / 1024 ** 3).toFixed(2)} GiB, ${dtype}\n`);
