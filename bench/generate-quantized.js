#!/usr/bin/env node
// Writes a Llama-shaped checkpoint in a checkpoint quantisation scheme, with the same parameter count
// as `generate.js --dtype BF16 --gib N`, for the quantised-vs-BF16 benchmark. Never committed: outputs
// go to bench/out/ (git-ignored). The folder holds model.safetensors and config.json.
//
//   node bench/generate-quantized.js --scheme fp8 --gib 2 --out bench/out/llama-fp8-2g
//
// Schemes: fp8 (DeepSeek-V3 layout: F8_E4M3 + F32 weight_scale_inv per 128×128 block), gptq (4-bit,
// group 128, F16 scales, qzeros), nvfp4 (compressed-tensors: U8 E2M1 pairs, E4M3 scale per 16, F32
// global scale), mxfp4 (gpt-oss: *_blocks + E8M0 *_scales per 32). The embedding and the norms stay
// BF16, as in real quantised checkpoints. Codes are drawn from a pool quantised once from N(0, 1)
// values and copied with a random rotation per tensor, like generate.js, so gigabytes take seconds.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gaussianPool, llamaTensors, sequentialFile } from "./streams.js";

const { values: args } = parseArgs({ options: { scheme: { type: "string", default: "fp8" }, gib: { type: "string", default: "2" }, out: { type: "string" } } });
const scheme = args.scheme;
const out = args.out ?? `bench/out/llama-${scheme}-${args.gib}g`;
const tensors = llamaTensors(Number(args.gib) * 1024 ** 3, 2);
const { values, random } = gaussianPool(4 * 1024 * 1024);
const POOL = values.length;

/** E4M3 code of x (round to nearest, saturating), by bisection over the sorted positive levels. */
const e4m3Levels = Array.from({ length: 127 }, (_, code) => {
  const e = code >>> 3;
  const m = code & 7;
  return e === 0 ? (m / 8) * 2 ** -6 : (1 + m / 8) * 2 ** (e - 7);
});
function e4m3(x) {
  const a = Math.min(448, Math.abs(x));
  let lo = 0;
  let hi = 126;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (e4m3Levels[mid] <= a) lo = mid;
    else hi = mid;
  }
  const code = a - e4m3Levels[lo] <= e4m3Levels[hi] - a ? lo : hi;
  return (x < 0 ? 0x80 : 0) | code;
}
const E2M1 = [0, 0.5, 1, 1.5, 2, 3, 4, 6];
function e2m1(x) {
  const a = Math.min(6, Math.abs(x));
  let best = 0;
  for (let m = 1; m < 8; m++) if (Math.abs(E2M1[m] - a) < Math.abs(E2M1[best] - a)) best = m;
  return (x < 0 ? 8 : 0) | best;
}

/** A byte pool (doubled, so any rotation of `n` ≤ POOL bytes is contiguous). */
function pool(make) {
  const bytes = new Uint8Array(2 * POOL);
  for (let i = 0; i < POOL; i++) bytes[i] = bytes[i + POOL] = make(i);
  return bytes;
}
const g = (i) => values[i] / 0.02; // N(0, 1)
const pools = {
  fp8: pool((i) => e4m3(g(i) * 100)), // a 128×128 block's values span about ±4.5σ → ±448
  nibbles: pool((i) => e2m1(g(2 * i) * 1.4) | (e2m1(g((2 * i + 1) % POOL) * 1.4) << 4)),
  int4: pool((i) => (Math.max(0, Math.min(15, Math.round(g(2 * i) * 2.5 + 8))) | (Math.max(0, Math.min(15, Math.round(g((2 * i + 1) % POOL) * 2.5 + 8))) << 4))),
  bf16: pool((i) => {
    const x = new Uint32Array(new Float32Array([values[i >> 1]]).buffer)[0];
    return i & 1 ? x >>> 24 : (x >>> 16) & 0xff;
  }),
};
/** Scales: lognormal around `centre`, as float32 / float16 / E4M3 / E8M0 bytes. */
const f32Bytes = (n, centre) => new Uint8Array(Float32Array.from({ length: n }, () => centre * Math.exp(0.3 * g(Math.floor(random() * POOL)))).buffer);
const f16Bits = (x) => {
  const e = Math.floor(Math.log2(x));
  return ((e + 15) << 10) | Math.round((x / 2 ** e - 1) * 1024);
};
const f16Bytes = (n, centre) => new Uint8Array(Uint16Array.from({ length: n }, () => f16Bits(centre * Math.exp(0.3 * g(Math.floor(random() * POOL))))).buffer);
const e4m3Bytes = (n) => Uint8Array.from({ length: n }, () => e4m3(200 * Math.exp(0.3 * g(Math.floor(random() * POOL)))));
const e8m0Bytes = (n) => Uint8Array.from({ length: n }, () => 127 - 8 + Math.round(g(Math.floor(random() * POOL))));

/** The stored tensors of one Llama tensor: name, dtype, shape, byte length, and a writer of its bytes. */
function stored({ name, shape }) {
  const n = shape.reduce((a, b) => a * b, 1);
  const quantised = shape.length === 2 && !name.includes("embed_tokens");
  const fromPool = (bytes, p) => (write) => {
    for (let remaining = bytes; remaining > 0; ) {
      const length = Math.min(remaining, POOL);
      const start = 4 * Math.floor((random() * POOL) / 4); // whole BF16 values and int32 words
      write(p.subarray(start, start + length));
      remaining -= length;
    }
  };
  const bytesOf = (make) => (write) => write(make());
  if (!quantised) return [{ name, dtype: "BF16", shape, bytes: 2 * n, write: fromPool(2 * n, pools.bf16) }];
  const [rows, cols] = shape;
  const prefix = name.replace(/\.weight$/, "");
  switch (scheme) {
    case "fp8": {
      const blocks = [Math.ceil(rows / 128), Math.ceil(cols / 128)];
      return [
        { name, dtype: "F8_E4M3", shape, bytes: n, write: fromPool(n, pools.fp8) },
        { name: `${name}_scale_inv`, dtype: "F32", shape: blocks, bytes: 4 * blocks[0] * blocks[1], write: bytesOf(() => f32Bytes(blocks[0] * blocks[1], 5e-5)) },
      ];
    }
    case "nvfp4":
      return [
        { name: `${prefix}.weight_packed`, dtype: "U8", shape: [rows, cols / 2], bytes: n / 2, write: fromPool(n / 2, pools.nibbles) },
        { name: `${prefix}.weight_scale`, dtype: "F8_E4M3", shape: [rows, cols / 16], bytes: n / 16, write: bytesOf(() => e4m3Bytes(n / 16)) },
        { name: `${prefix}.weight_global_scale`, dtype: "F32", shape: [1], bytes: 4, write: bytesOf(() => new Uint8Array(Float32Array.of(30000).buffer)) },
      ];
    case "mxfp4":
      return [
        { name: `${prefix}.weight_blocks`, dtype: "U8", shape: [rows, cols / 32, 16], bytes: n / 2, write: fromPool(n / 2, pools.nibbles) },
        { name: `${prefix}.weight_scales`, dtype: "U8", shape: [rows, cols / 32], bytes: n / 32, write: bytesOf(() => e8m0Bytes(n / 32)) },
      ];
    case "gptq": {
      // nn.Linear [out, in] → qweight [in/8, out], groups of 128 inputs.
      const [out, inF] = shape;
      const groups = Math.ceil(inF / 128);
      return [
        { name: `${prefix}.qweight`, dtype: "I32", shape: [inF / 8, out], bytes: n / 2, write: fromPool(n / 2, pools.int4) },
        { name: `${prefix}.qzeros`, dtype: "I32", shape: [groups, out / 8], bytes: (groups * out) / 2, write: bytesOf(() => new Uint8Array((groups * out) / 2).fill(0x77)) },
        { name: `${prefix}.scales`, dtype: "F16", shape: [groups, out], bytes: 2 * groups * out, write: bytesOf(() => f16Bytes(groups * out, 0.008)) },
      ];
    }
    default:
      throw new Error(`--scheme must be fp8, gptq, nvfp4 or mxfp4, not ${scheme}`);
  }
}

const config = {
  fp8: { quant_method: "fp8", fmt: "e4m3", activation_scheme: "dynamic", weight_block_size: [128, 128] },
  gptq: { quant_method: "gptq", bits: 4, group_size: 128, desc_act: false, sym: true, checkpoint_format: "gptq" },
  nvfp4: { quant_method: "compressed-tensors", format: "nvfp4-pack-quantized" },
  mxfp4: { quant_method: "mxfp4" },
}[scheme];

const entries = tensors.flatMap(stored);
const header = {};
let offset = 0;
for (const t of entries) {
  header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes] };
  offset += t.bytes;
}
header.__metadata__ = { generator: "jaynes bench/generate-quantized.js", note: `synthetic ${scheme} codes` };
let text = JSON.stringify(header);
text += " ".repeat((8 - (text.length % 8)) % 8);
const prefixBytes = Buffer.alloc(8);
prefixBytes.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
const file = sequentialFile(join(out, "model.safetensors"));
file.write(prefixBytes);
file.write(Buffer.from(text));
for (const t of entries) {
  const before = file.position;
  t.write((bytes) => file.write(bytes));
  if (file.position - before !== t.bytes) throw new Error(`${t.name}: wrote ${file.position - before} bytes, declared ${t.bytes}`);
}
file.close();
writeFileSync(join(out, "config.json"), JSON.stringify({ architectures: ["LlamaForCausalLM"], quantization_config: config }, null, 2));
process.stderr.write(`wrote ${out}: ${entries.length} tensors, ${(file.position / 1024 ** 3).toFixed(2)} GiB, ${scheme}\n`);
