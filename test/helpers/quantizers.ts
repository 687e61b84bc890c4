/**
 * Reference quantisers for the checkpoint quantisation fixtures, each written from its library's
 * own quantiser (the arithmetic in float32 where the library computes in float32) and laying the
 * result out exactly as that library serialises it, plus an independent dequantiser per scheme (the
 * library's dequantisation formula, written here without any code from src/). Nothing here imports
 * the decoders under test.
 *
 * - FP8 block (DeepSeek-V3 / transformers FineGrainedFP8): s = amax(128×128 block)/448, q = e4m3(w/s),
 *   `weight_scale_inv` = s (F32); w' = q·s.
 * - FP8 per-tensor (ModelOpt/AutoFP8 `weight_scale` []) and per-channel (compressed-tensors
 *   float-quantized / fbgemm `weight_scale` [out, 1]), E4M3 or E5M2.
 * - MXFP4 (gpt-oss, triton `downcast_to_mxfp`): scale = 2^⌈log2(amax/6)⌉ (E8M0 byte), q = e2m1(w/scale)
 *   round-to-nearest-even, saturating; low nibble first; `_blocks` [..., G, 16], `_scales` [..., G].
 * - NVFP4 ModelOpt: g = amax/(6·448), s = e4m3(amax16/(6·g)), q = e2m1(w/(s·g)); NVFP4
 *   compressed-tensors: G = 448·6/amax, s = e4m3(G·amax16/6), q = e2m1(w/(s/G)).
 * - GPTQ (AutoGPTQ Quantizer + QuantLinear.pack, asymmetric, act-order g_idx, checkpoint_format
 *   gptq): scale = (max − min)/15, zero = round(−min/scale), q = clamp(round(w/s16) + zero, 0, 15),
 *   qzeros store zero − 1. (Codes by rounding to nearest, without GPTQ's Hessian updates: the layout
 *   and the dequantisation do not depend on how the codes were chosen.)
 * - AWQ (AutoAWQ pseudo_quantize_tensor + WQLinear_GEMM.from_linear): the same min/max arithmetic,
 *   packed along outputs in the order [0, 2, 4, 6, 1, 3, 5, 7].
 * - compressed-tensors pack-quantized (W4A16): symmetric s = amax/7.5 (BF16), q = clamp(round(w/s), −8, 7),
 *   stored q + 8 packed along inputs; asymmetric with zero points packed along outputs.
 * - compressed-tensors int-quantized (W8A8): s = amax_row/127.5 (BF16), q = clamp(round(w/s), −128, 127).
 * - bitsandbytes LLM.int8: SCB = amax_row, q = round(w·(127/SCB)); `weight_format` U8 0 (row).
 * - bitsandbytes NF4/FP4 (`quantize_4bit`, default backend): absmax per 64, scaled = clamp(w·(1/absmax)),
 *   code = bucketize(scaled, midpoints), high nibble first; double quantisation: offset = mean(absmax),
 *   `quantize_blockwise(absmax − offset, blocksize=256)` with the dynamic map.
 */
import { bytesOf, type TensorSpec } from "./safetensorsWriter.js";
import { e4m3Table, toBfloat16, toFloat16 } from "./floatEncode.js";

const fr = Math.fround;

export interface QuantizedFixture {
  /** Checkpoint tensors in the library's layout. */
  tensors: TensorSpec[];
  /** The logical tensor name jaynes reports and its dequantised values (row-major, logical shape). */
  name: string;
  shape: number[];
  dequantized: Float32Array;
  /** config.json `quantization_config`, when the library writes one. */
  config?: Record<string, unknown>;
}

// ---------- element formats ----------

function e5m2Table(): number[] {
  const table: number[] = [];
  for (let code = 0; code < 256; code++) {
    const sign = code & 0x80 ? -1 : 1;
    const e = (code >>> 2) & 0x1f;
    const m = code & 3;
    if (e === 31) table.push(m === 0 ? sign * Infinity : NaN);
    else if (e === 0) table.push(sign * (m / 4) * 2 ** -14);
    else table.push(sign * (1 + m / 4) * 2 ** (e - 15));
  }
  return table;
}

export const E4M3 = e4m3Table();
export const E5M2 = e5m2Table();

/** Nearest code of a float table, ties to the even code, saturating at the largest finite value. */
function nearestCode(value: number, table: readonly number[]): number {
  let best = 0;
  let bestError = Infinity;
  for (let code = 0; code < table.length; code++) {
    const v = table[code]!;
    if (!Number.isFinite(v)) continue;
    if (Object.is(v, -0) && value >= 0) continue;
    const error = Math.abs(v - value);
    if (error < bestError || (error === bestError && (code & 1) === 0 && (best & 1) === 1)) {
      best = code;
      bestError = error;
    }
  }
  return best;
}

export const E2M1 = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6];

/** E2M1 code of x: round to nearest, ties to even, saturating at ±6; the sign bit follows x. */
function e2m1Code(x: number): number {
  const a = Math.abs(x);
  let magnitude = 0;
  let bestError = Infinity;
  for (let m = 0; m < 8; m++) {
    const error = Math.abs(E2M1[m]! - a);
    if (error < bestError || (error === bestError && (m & 1) === 0)) {
      magnitude = m;
      bestError = error;
    }
  }
  return (x < 0 || Object.is(x, -0) ? 8 : 0) | magnitude;
}

const f16Value = (bits: number): number => {
  const e = (bits >>> 10) & 0x1f;
  const m = bits & 0x3ff;
  const s = bits & 0x8000 ? -1 : 1;
  return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
};
const bf16Value = (bits: number): number => new Float32Array(new Uint32Array([bits << 16]).buffer)[0]!;

// ---------- helpers ----------

const u16 = (values: number[] | Uint16Array): Uint8Array => bytesOf(Uint16Array.from(values));
const f32Bytes = (values: ArrayLike<number>): Uint8Array => bytesOf(Float32Array.from(values));
const i32Bytes = (values: ArrayLike<number>): Uint8Array => bytesOf(Int32Array.from(values));
const u8 = (values: ArrayLike<number>): Uint8Array => Uint8Array.from(values);
const absMax = (values: ArrayLike<number>, from: number, to: number, stride = 1): number => {
  let m = 0;
  for (let i = from; i < to; i += stride) m = Math.max(m, Math.abs(values[i]!));
  return m;
};
/** Round half to even, as torch.round. */
const roundEven = (x: number): number => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

// ---------- FP8 ----------

export function fp8Block(name: string, w: Float32Array, rows: number, cols: number, block = 128): QuantizedFixture {
  const br = Math.ceil(rows / block);
  const bc = Math.ceil(cols / block);
  const scales = new Float32Array(br * bc);
  const codes = new Uint8Array(rows * cols);
  const out = new Float32Array(rows * cols);
  for (let a = 0; a < br; a++) {
    for (let b = 0; b < bc; b++) {
      let amax = 0;
      for (let r = a * block; r < Math.min(rows, (a + 1) * block); r++) for (let c = b * block; c < Math.min(cols, (b + 1) * block); c++) amax = Math.max(amax, Math.abs(w[r * cols + c]!));
      const s = fr(amax / 448);
      scales[a * bc + b] = s;
      for (let r = a * block; r < Math.min(rows, (a + 1) * block); r++) {
        for (let c = b * block; c < Math.min(cols, (b + 1) * block); c++) {
          const q = nearestCode(Math.max(-448, Math.min(448, fr(w[r * cols + c]! / s))), E4M3);
          codes[r * cols + c] = q;
          out[r * cols + c] = E4M3[q]! * s;
        }
      }
    }
  }
  return {
    name,
    shape: [rows, cols],
    dequantized: out,
    tensors: [
      { name, dtype: "F8_E4M3", shape: [rows, cols], data: codes },
      { name: `${name}_scale_inv`, dtype: "F32", shape: [br, bc], data: bytesOf(scales) },
    ],
    config: { quant_method: "fp8", fmt: "e4m3", activation_scheme: "dynamic", weight_block_size: [block, block] },
  };
}

/** FP8 with one scale (`perRow` false) or a scale per row ([rows, 1]); E4M3 (max 448) or E5M2 (max 57344). */
export function fp8Scaled(name: string, w: Float32Array, rows: number, cols: number, perRow: boolean, format: "F8_E4M3" | "F8_E5M2"): QuantizedFixture {
  const table = format === "F8_E4M3" ? E4M3 : E5M2;
  const max = format === "F8_E4M3" ? 448 : 57344;
  const scales = new Float32Array(perRow ? rows : 1);
  for (let r = 0; r < scales.length; r++) scales[r] = fr(absMax(w, perRow ? r * cols : 0, perRow ? (r + 1) * cols : rows * cols) / max);
  const codes = new Uint8Array(rows * cols);
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) {
    const s = scales[perRow ? Math.floor(i / cols) : 0]!;
    codes[i] = nearestCode(Math.max(-max, Math.min(max, fr(w[i]! / s))), table);
    out[i] = table[codes[i]!]! * s;
  }
  const prefix = name.replace(/\.weight$/, "");
  return {
    name,
    shape: [rows, cols],
    dequantized: out,
    tensors: [
      { name, dtype: format, shape: [rows, cols], data: codes },
      { name: `${name}_scale`, dtype: "F32", shape: perRow ? [rows, 1] : [], data: bytesOf(scales) },
      { name: `${prefix}.input_scale`, dtype: "F32", shape: [], data: f32Bytes([0.5]) },
    ],
    config: perRow
      ? { quant_method: "compressed-tensors", format: "float-quantized", config_groups: { group_0: { targets: ["Linear"], weights: { num_bits: 8, type: "float", strategy: "channel", symmetric: true } } } }
      : { quant_method: "fp8", activation_scheme: "static" },
  };
}

// ---------- MXFP4, NVFP4 ----------

/** gpt-oss experts: w is [experts, rows, cols], blocks of 32 along cols. */
export function mxfp4(prefix: string, w: Float32Array, experts: number, rows: number, cols: number): QuantizedFixture {
  const groups = cols / 32;
  const blocks = new Uint8Array(experts * rows * groups * 16);
  const scales = new Uint8Array(experts * rows * groups);
  const out = new Float32Array(w.length);
  const bits = new Uint32Array(1);
  const float = new Float32Array(bits.buffer);
  for (let b = 0; b < experts * rows * groups; b++) {
    const amax = absMax(w, b * 32, b * 32 + 32);
    float[0] = fr(amax / 6);
    const exponentBits = ((bits[0]! + 0x007fffff) & 0x7f800000) >>> 23; // ⌈log2⌉ as in triton's downcast
    const byte = amax === 0 ? 0 : exponentBits;
    scales[b] = byte;
    const scale = 2 ** (byte - 127);
    for (let k = 0; k < 32; k += 2) {
      const lo = e2m1Code(Math.max(-6, Math.min(6, w[b * 32 + k]! / scale)));
      const hi = e2m1Code(Math.max(-6, Math.min(6, w[b * 32 + k + 1]! / scale)));
      blocks[b * 16 + k / 2] = lo | (hi << 4);
      out[b * 32 + k] = E2M1[lo]! * scale;
      out[b * 32 + k + 1] = E2M1[hi]! * scale;
    }
  }
  return {
    name: prefix,
    shape: [experts, rows, cols],
    dequantized: out,
    tensors: [
      { name: `${prefix}_blocks`, dtype: "U8", shape: [experts, rows, groups, 16], data: blocks },
      { name: `${prefix}_scales`, dtype: "U8", shape: [experts, rows, groups], data: scales },
    ],
    config: { quant_method: "mxfp4", modules_to_not_convert: ["model.layers.*.self_attn", "model.embed_tokens", "lm_head"] },
  };
}

export function nvfp4(prefix: string, w: Float32Array, rows: number, cols: number, flavour: "modelopt" | "ct"): QuantizedFixture {
  const amax = absMax(w, 0, w.length);
  const packed = new Uint8Array((rows * cols) / 2);
  const scales = new Uint8Array((rows * cols) / 16);
  const out = new Float32Array(w.length);
  const global = flavour === "modelopt" ? fr(amax / fr(6 * 448)) : fr(fr(448 * 6) / amax);
  for (let b = 0; b < scales.length; b++) {
    const blockMax = absMax(w, b * 16, b * 16 + 16);
    let s = flavour === "modelopt" ? fr(blockMax / fr(6 * global)) : fr(global * fr(blockMax / 6));
    if (s === 0) s = flavour === "modelopt" ? 1 : 2 ** -9;
    const code = nearestCode(Math.min(448, s), E4M3);
    scales[b] = code;
    const effective = flavour === "modelopt" ? fr(E4M3[code]! * global) : fr(E4M3[code]! / global);
    for (let k = 0; k < 16; k += 2) {
      const lo = e2m1Code(Math.max(-6, Math.min(6, fr(w[b * 16 + k]! / effective))));
      const hi = e2m1Code(Math.max(-6, Math.min(6, fr(w[b * 16 + k + 1]! / effective))));
      packed[b * 8 + k / 2] = lo | (hi << 4);
      out[b * 16 + k] = E2M1[lo]! * effective;
      out[b * 16 + k + 1] = E2M1[hi]! * effective;
    }
  }
  const weight = `${prefix}.weight`;
  return {
    name: weight,
    shape: [rows, cols],
    dequantized: out,
    tensors:
      flavour === "modelopt"
        ? [
            { name: weight, dtype: "U8", shape: [rows, cols / 2], data: packed },
            { name: `${prefix}.weight_scale`, dtype: "F8_E4M3", shape: [rows, cols / 16], data: scales },
            { name: `${prefix}.weight_scale_2`, dtype: "F32", shape: [], data: f32Bytes([global]) },
            { name: `${prefix}.input_scale`, dtype: "F32", shape: [], data: f32Bytes([0.25]) },
          ]
        : [
            { name: `${prefix}.weight_packed`, dtype: "U8", shape: [rows, cols / 2], data: packed },
            { name: `${prefix}.weight_scale`, dtype: "F8_E4M3", shape: [rows, cols / 16], data: scales },
            { name: `${prefix}.weight_global_scale`, dtype: "F32", shape: [1], data: f32Bytes([global]) },
            { name: `${prefix}.input_global_scale`, dtype: "F32", shape: [1], data: f32Bytes([4]) },
          ],
    config:
      flavour === "modelopt"
        ? { quant_method: "modelopt", quant_algo: "NVFP4", group_size: 16 }
        : { quant_method: "compressed-tensors", format: "nvfp4-pack-quantized", config_groups: { group_0: { targets: ["Linear"], weights: { num_bits: 4, type: "float", strategy: "tensor_group", group_size: 16 } } } },
  };
}

// ---------- GPTQ, AWQ, compressed-tensors pack-quantized ----------

interface GroupParams {
  scale16: number; // F16 (or BF16) pattern
  scale: number; // its value
  zero: number;
}

/** Asymmetric 4-bit min/max parameters of the values (AutoGPTQ's Quantizer.find_params / AutoAWQ). */
function minMaxParams(values: number[], toBits: (v: number) => number, fromBits: (b: number) => number): GroupParams {
  const xmin = Math.min(0, ...values);
  const xmax = Math.max(0, ...values);
  let scale = fr((xmax - xmin) / 15);
  if (scale === 0) scale = 1;
  const zero = Math.max(0, Math.min(15, roundEven(-xmin / scale)));
  const scale16 = toBits(scale);
  return { scale16, scale: fromBits(scale16), zero };
}

/** GPTQ: w [out, in] (nn.Linear), groups of `groupSize` inputs through a g_idx from `perm` (act-order). */
export function gptq(prefix: string, w: Float32Array, out: number, inF: number, groupSize: number, perm: number[]): QuantizedFixture {
  const groups = Math.ceil(inF / groupSize);
  const gIdx = new Int32Array(inF);
  perm.forEach((input, position) => (gIdx[input] = Math.floor(position / groupSize)));
  const params: GroupParams[] = [];
  for (let g = 0; g < groups; g++) {
    for (let j = 0; j < out; j++) {
      const values: number[] = [];
      for (let i = 0; i < inF; i++) if (gIdx[i] === g) values.push(w[j * inF + i]!);
      params[g * out + j] = minMaxParams(values, toFloat16, f16Value);
    }
  }
  const qweight = new Uint32Array((inF / 8) * out);
  const deq = new Float32Array(out * inF);
  for (let i = 0; i < inF; i++) {
    for (let j = 0; j < out; j++) {
      const p = params[gIdx[i]! * out + j]!;
      const q = Math.max(0, Math.min(15, roundEven(w[j * inF + i]! / p.scale) + p.zero));
      qweight[Math.floor(i / 8) * out + j]! |= q << (4 * (i % 8));
      deq[j * inF + i] = p.scale * (q - p.zero);
    }
  }
  const qzeros = new Uint32Array(groups * (out / 8));
  const scales = new Uint16Array(groups * out);
  for (let g = 0; g < groups; g++) {
    for (let j = 0; j < out; j++) {
      const p = params[g * out + j]!;
      scales[g * out + j] = p.scale16;
      qzeros[g * (out / 8) + Math.floor(j / 8)]! |= ((p.zero - 1) & 15) << (4 * (j % 8));
    }
  }
  return {
    name: `${prefix}.weight`,
    shape: [out, inF],
    dequantized: deq,
    tensors: [
      { name: `${prefix}.qweight`, dtype: "I32", shape: [inF / 8, out], data: bytesOf(qweight) },
      { name: `${prefix}.qzeros`, dtype: "I32", shape: [groups, out / 8], data: bytesOf(qzeros) },
      { name: `${prefix}.scales`, dtype: "F16", shape: [groups, out], data: bytesOf(scales) },
      { name: `${prefix}.g_idx`, dtype: "I32", shape: [inF], data: bytesOf(gIdx) },
    ],
    config: { quant_method: "gptq", bits: 4, group_size: groupSize, desc_act: true, sym: false, checkpoint_format: "gptq" },
  };
}

const AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7];

export function awq(prefix: string, w: Float32Array, out: number, inF: number, groupSize: number): QuantizedFixture {
  const groups = inF / groupSize;
  const params: GroupParams[] = [];
  for (let g = 0; g < groups; g++) {
    for (let j = 0; j < out; j++) {
      const values = Array.from({ length: groupSize }, (_, k) => w[j * inF + g * groupSize + k]!);
      params[g * out + j] = minMaxParams(values, toFloat16, f16Value);
    }
  }
  const intweight = new Int32Array(inF * out); // [in, out]
  const deq = new Float32Array(out * inF);
  for (let i = 0; i < inF; i++) {
    for (let j = 0; j < out; j++) {
      const p = params[Math.floor(i / groupSize) * out + j]!;
      const q = Math.max(0, Math.min(15, roundEven(w[j * inF + i]! / p.scale) + p.zero));
      intweight[i * out + j] = q;
      deq[j * inF + i] = (q - p.zero) * p.scale;
    }
  }
  const qweight = new Uint32Array(inF * (out / 8));
  for (let i = 0; i < inF; i++) for (let c = 0; c < out / 8; c++) for (let k = 0; k < 8; k++) qweight[i * (out / 8) + c]! |= intweight[i * out + c * 8 + AWQ_ORDER[k]!]! << (4 * k);
  const qzeros = new Uint32Array(groups * (out / 8));
  const scales = new Uint16Array(groups * out);
  for (let g = 0; g < groups; g++) {
    for (let j = 0; j < out; j++) scales[g * out + j] = params[g * out + j]!.scale16;
    for (let c = 0; c < out / 8; c++) for (let k = 0; k < 8; k++) qzeros[g * (out / 8) + c]! |= params[g * out + c * 8 + AWQ_ORDER[k]!]!.zero << (4 * k);
  }
  return {
    name: `${prefix}.weight`,
    shape: [out, inF],
    dequantized: deq,
    tensors: [
      { name: `${prefix}.qweight`, dtype: "I32", shape: [inF, out / 8], data: bytesOf(qweight) },
      { name: `${prefix}.qzeros`, dtype: "I32", shape: [groups, out / 8], data: bytesOf(qzeros) },
      { name: `${prefix}.scales`, dtype: "F16", shape: [groups, out], data: bytesOf(scales) },
    ],
    config: { quant_method: "awq", bits: 4, group_size: groupSize, zero_point: true, version: "gemm" },
  };
}

/** compressed-tensors pack-quantized 4-bit groups along inputs; symmetric (no zero points) or asymmetric. */
export function ctPack(prefix: string, w: Float32Array, out: number, inF: number, groupSize: number, symmetric: boolean): QuantizedFixture {
  const groups = inF / groupSize;
  const scaleBits = new Uint16Array(out * groups);
  const zeros = new Int32Array(out * groups); // signed zero points in [-8, 7]
  const packed = new Uint32Array(out * (inF / 8));
  const deq = new Float32Array(out * inF);
  for (let o = 0; o < out; o++) {
    for (let g = 0; g < groups; g++) {
      const from = o * inF + g * groupSize;
      let s: number;
      let z = 0;
      if (symmetric) {
        s = fr(absMax(w, from, from + groupSize) / 7.5);
      } else {
        const values = Array.from(w.subarray(from, from + groupSize));
        const lo = Math.min(0, ...values);
        const hi = Math.max(0, ...values);
        s = fr((hi - lo) / 15);
        z = Math.max(-8, Math.min(7, roundEven(-8 - lo / bf16Value(toBfloat16(s)))));
      }
      const bits = toBfloat16(s === 0 ? 2 ** -7 : s);
      scaleBits[o * groups + g] = bits;
      zeros[o * groups + g] = z;
      const scale = bf16Value(bits);
      for (let k = 0; k < groupSize; k++) {
        const i = g * groupSize + k;
        const q = Math.max(-8, Math.min(7, roundEven(w[o * inF + i]! / scale) + z));
        packed[o * (inF / 8) + Math.floor(i / 8)]! |= (q + 8) << (4 * (i % 8));
        deq[o * inF + i] = (q - z) * scale;
      }
    }
  }
  const tensors: TensorSpec[] = [
    { name: `${prefix}.weight_packed`, dtype: "I32", shape: [out, inF / 8], data: bytesOf(packed) },
    { name: `${prefix}.weight_scale`, dtype: "BF16", shape: [out, groups], data: u16(scaleBits) },
    { name: `${prefix}.weight_shape`, dtype: "I64", shape: [2], data: bytesOf(BigInt64Array.from([BigInt(out), BigInt(inF)])) },
  ];
  if (!symmetric) {
    const zp = new Uint32Array((out / 8) * groups);
    for (let o = 0; o < out; o++) for (let g = 0; g < groups; g++) zp[Math.floor(o / 8) * groups + g]! |= (zeros[o * groups + g]! + 8) << (4 * (o % 8));
    tensors.push({ name: `${prefix}.weight_zero_point`, dtype: "I32", shape: [out / 8, groups], data: bytesOf(zp) });
  }
  return {
    name: `${prefix}.weight`,
    shape: [out, inF],
    dequantized: deq,
    tensors,
    config: { quant_method: "compressed-tensors", format: "pack-quantized", config_groups: { group_0: { targets: ["Linear"], weights: { num_bits: 4, type: "int", strategy: "group", group_size: groupSize, symmetric } } } },
  };
}

// ---------- int8 with row scales ----------

export function ctInt8(prefix: string, w: Float32Array, rows: number, cols: number): QuantizedFixture {
  const codes = new Int8Array(rows * cols);
  const scales = new Uint16Array(rows);
  const deq = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    scales[r] = toBfloat16(fr(absMax(w, r * cols, (r + 1) * cols) / 127.5));
    const s = bf16Value(scales[r]!);
    for (let c = 0; c < cols; c++) {
      const q = Math.max(-128, Math.min(127, roundEven(w[r * cols + c]! / s)));
      codes[r * cols + c] = q;
      deq[r * cols + c] = q * s;
    }
  }
  return {
    name: `${prefix}.weight`,
    shape: [rows, cols],
    dequantized: deq,
    tensors: [
      { name: `${prefix}.weight`, dtype: "I8", shape: [rows, cols], data: bytesOf(codes) },
      { name: `${prefix}.weight_scale`, dtype: "BF16", shape: [rows, 1], data: u16(scales) },
    ],
    config: { quant_method: "compressed-tensors", format: "int-quantized", config_groups: { group_0: { targets: ["Linear"], weights: { num_bits: 8, type: "int", strategy: "channel", symmetric: true } } } },
  };
}

export function bnbInt8(prefix: string, w: Float32Array, rows: number, cols: number): QuantizedFixture {
  const codes = new Int8Array(rows * cols);
  const scb = new Float32Array(rows);
  const deq = new Float32Array(rows * cols);
  const inv127 = fr(1 / 127);
  for (let r = 0; r < rows; r++) {
    scb[r] = absMax(w, r * cols, (r + 1) * cols);
    const factor = fr(127 / scb[r]!);
    for (let c = 0; c < cols; c++) {
      const q = roundEven(fr(w[r * cols + c]! * factor));
      codes[r * cols + c] = q;
      deq[r * cols + c] = fr(fr(q * scb[r]!) * inv127);
    }
  }
  return {
    name: `${prefix}.weight`,
    shape: [rows, cols],
    dequantized: deq,
    tensors: [
      { name: `${prefix}.weight`, dtype: "I8", shape: [rows, cols], data: bytesOf(codes) },
      { name: `${prefix}.SCB`, dtype: "F32", shape: [rows], data: bytesOf(scb) },
      { name: `${prefix}.weight_format`, dtype: "U8", shape: [], data: u8([0]) },
    ],
    config: { quant_method: "bitsandbytes", load_in_8bit: true, llm_int8_threshold: 6 },
  };
}

// ---------- bitsandbytes 4-bit ----------

export const NF4 = [
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
  0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
].map(fr);
export const FP4 = [0, 0.0625, 8.0, 12.0, 4.0, 6.0, 2.0, 3.0, -0, -0.0625, -8.0, -12.0, -4.0, -6.0, -2.0, -3.0].map((v) => fr(v / 12));

/** bitsandbytes' create_dynamic_map(signed=True): the 8-bit map of quantize_blockwise. */
export function dynamicMap(): number[] {
  const data: number[] = [];
  const maxExponentBits = 7;
  const nonSignBits = 7;
  const linspace = (a: number, b: number, n: number): number[] => Array.from({ length: n }, (_, i) => fr(a + ((b - a) * i) / (n - 1)));
  for (let i = 0; i < maxExponentBits; i++) {
    const items = 2 ** (i + nonSignBits - maxExponentBits) + 1;
    const boundaries = linspace(0.1, 1, items);
    const means = boundaries.slice(0, -1).map((b, k) => fr((b + boundaries[k + 1]!) / 2));
    const scale = 10 ** (-(maxExponentBits - 1) + i);
    for (const m of means) data.push(fr(scale * m));
    for (const m of means) data.push(fr(-scale * m));
  }
  data.push(0, 1);
  while (data.length < 256) data.push(0);
  return data.sort((a, b) => a - b);
}

/** torch.bucketize(x, bounds) (right=False): the number of bounds < x. */
function bucketize(x: number, bounds: readonly number[]): number {
  let n = 0;
  while (n < bounds.length && bounds[n]! < x) n++;
  return n;
}

export function bnb4bit(prefix: string, w: Float32Array, shape: number[], quantType: "nf4" | "fp4", nested: boolean, blocksize = 64): QuantizedFixture {
  const map = quantType === "nf4" ? NF4 : FP4;
  const order = map.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const sorted = order.map(([v]) => v);
  const bounds = sorted.slice(0, -1).map((v, i) => fr((v + sorted[i + 1]!) / 2));
  const n = w.length;
  const blocks = Math.ceil(n / blocksize);
  const absmax = new Float32Array(blocks);
  const codes = new Uint8Array(n + (n % 2));
  for (let b = 0; b < blocks; b++) {
    absmax[b] = absMax(w, b * blocksize, Math.min(n, (b + 1) * blocksize));
    const inv = fr(1 / Math.max(absmax[b]!, 1e-38));
    for (let e = b * blocksize; e < Math.min(n, (b + 1) * blocksize); e++) codes[e] = order[bucketize(Math.max(-1, Math.min(1, fr(w[e]! * inv))), bounds)]![1];
  }
  const packed = new Uint8Array(codes.length / 2);
  for (let j = 0; j < packed.length; j++) packed[j] = (codes[2 * j]! << 4) | codes[2 * j + 1]!;
  const name = `${prefix}.weight`;
  const state: Record<string, unknown> = { quant_type: quantType, blocksize, dtype: "float32", shape };
  const tensors: TensorSpec[] = [{ name, dtype: "U8", shape: [packed.length, 1], data: packed }];
  let effective = absmax;
  if (nested) {
    const dyn = dynamicMap();
    const dynBounds = dyn.slice(0, -1).map((v, i) => fr((v + dyn[i + 1]!) / 2));
    let sum = 0;
    for (const a of absmax) sum += a;
    const offset = fr(sum / blocks);
    const shifted = absmax.map((a) => fr(a - offset));
    const nestedBlocks = Math.ceil(blocks / 256);
    const nestedAbsmax = new Float32Array(nestedBlocks);
    const q = new Uint8Array(blocks);
    effective = new Float32Array(blocks);
    for (let nb = 0; nb < nestedBlocks; nb++) {
      nestedAbsmax[nb] = absMax(shifted, nb * 256, Math.min(blocks, (nb + 1) * 256));
      const inv = fr(1 / Math.max(nestedAbsmax[nb]!, 1e-38));
      for (let b = nb * 256; b < Math.min(blocks, (nb + 1) * 256); b++) {
        q[b] = bucketize(Math.max(-1, Math.min(1, fr(shifted[b]! * inv))), dynBounds);
        effective[b] = fr(fr(dyn[q[b]!]! * nestedAbsmax[nb]!) + offset);
      }
    }
    Object.assign(state, { nested_blocksize: 256, nested_dtype: "float32", nested_offset: offset });
    tensors.push(
      { name: `${name}.absmax`, dtype: "U8", shape: [blocks], data: q },
      { name: `${name}.nested_absmax`, dtype: "F32", shape: [nestedBlocks], data: bytesOf(nestedAbsmax) },
      { name: `${name}.nested_quant_map`, dtype: "F32", shape: [256], data: f32Bytes(dyn) },
    );
  } else {
    tensors.push({ name: `${name}.absmax`, dtype: "F32", shape: [blocks], data: bytesOf(absmax) });
  }
  tensors.push(
    { name: `${name}.quant_map`, dtype: "F32", shape: [16], data: f32Bytes(map) },
    { name: `${name}.quant_state.bitsandbytes__${quantType}`, dtype: "U8", shape: [0], data: new TextEncoder().encode(JSON.stringify(state)) },
  );
  const stateTensor = tensors[tensors.length - 1]!;
  stateTensor.shape = [stateTensor.data.length];
  const deq = new Float32Array(n);
  for (let e = 0; e < n; e++) deq[e] = map[codes[e]!]! * effective[Math.floor(e / blocksize)]!;
  return {
    name,
    shape,
    dequantized: deq,
    tensors,
    config: { quant_method: "bitsandbytes", load_in_4bit: true, bnb_4bit_quant_type: quantType, bnb_4bit_use_double_quant: nested, bnb_4bit_compute_dtype: "bfloat16" },
  };
}

export { i32Bytes };
