/**
 * A reference quantiser for the ggml block types the reader decodes (test fixtures only). It is not
 * ggml's quantiser (no importance weighting or scale search: per-block min/max), but it writes the
 * block layouts of ggml-common.h bit for bit, and it computes the values each block stands for from
 * its integer codes and float16 scales with ggml's float32 formulas — independently of the bit
 * packing — so a decoder can be checked for exact equality.
 */
import { float16FromBits } from "../../src/formats/floatBits.js";
import { toFloat16 } from "./floatEncode.js";

export type QuantType = "Q4_0" | "Q4_1" | "Q5_0" | "Q5_1" | "Q8_0" | "Q2_K" | "Q3_K" | "Q4_K" | "Q5_K" | "Q6_K";

export const QUANT_GEOMETRY: Record<QuantType, { id: number; blockSize: number; blockBytes: number }> = {
  Q4_0: { id: 2, blockSize: 32, blockBytes: 18 },
  Q4_1: { id: 3, blockSize: 32, blockBytes: 20 },
  Q5_0: { id: 6, blockSize: 32, blockBytes: 22 },
  Q5_1: { id: 7, blockSize: 32, blockBytes: 24 },
  Q8_0: { id: 8, blockSize: 32, blockBytes: 34 },
  Q2_K: { id: 10, blockSize: 256, blockBytes: 84 },
  Q3_K: { id: 11, blockSize: 256, blockBytes: 110 },
  Q4_K: { id: 12, blockSize: 256, blockBytes: 144 },
  Q5_K: { id: 13, blockSize: 256, blockBytes: 176 },
  Q6_K: { id: 14, blockSize: 256, blockBytes: 210 },
};

const fr = Math.fround;
/** Round to float16 and back: [bits, value]. */
function f16(value: number): [number, number] {
  const bits = toFloat16(value);
  return [bits, float16FromBits(bits)];
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
const setHalf = (b: Uint8Array, at: number, bits: number): void => {
  b[at] = bits & 0xff;
  b[at + 1] = bits >> 8;
};

interface Quantized {
  block: Uint8Array;
  values: Float32Array;
}

function minMax(x: Float32Array): [number, number] {
  let mn = Infinity;
  let mx = -Infinity;
  for (const v of x) {
    mn = Math.min(mn, v);
    mx = Math.max(mx, v);
  }
  return [mn, mx];
}

/** Signed symmetric 32-blocks: Q4_0 (levels −8..7), Q5_0 (−16..15), Q8_0 (−127..127). */
function symmetric(x: Float32Array, type: "Q4_0" | "Q5_0" | "Q8_0"): Quantized {
  const { blockBytes } = QUANT_GEOMETRY[type];
  const block = new Uint8Array(blockBytes);
  const values = new Float32Array(32);
  const levels = type === "Q4_0" ? 8 : type === "Q5_0" ? 16 : 127;
  let amax = 0;
  for (const v of x) amax = Math.max(amax, Math.abs(v));
  const [bits, d] = f16(amax / levels);
  setHalf(block, 0, bits);
  const q = Array.from(x, (v) => (d === 0 ? 0 : clamp(Math.round(v / d), type === "Q8_0" ? -127 : -levels, levels - (type === "Q8_0" ? 0 : 1))));
  q.forEach((qi, i) => (values[i] = qi * d));
  if (type === "Q8_0") q.forEach((qi, i) => (block[2 + i] = qi & 0xff));
  else if (type === "Q4_0") for (let j = 0; j < 16; j++) block[2 + j] = (q[j]! + 8) | ((q[j + 16]! + 8) << 4);
  else {
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      const lo = q[j]! + 16;
      const hi = q[j + 16]! + 16;
      block[6 + j] = (lo & 0x0f) | ((hi & 0x0f) << 4);
      qh |= ((lo >> 4) & 1) << j;
      qh |= ((hi >> 4) & 1) << (j + 16);
    }
    new DataView(block.buffer).setUint32(2, qh >>> 0, true);
  }
  return { block, values };
}

/** Asymmetric 32-blocks: Q4_1 (0..15), Q5_1 (0..31): value = q·d + m. */
function affine(x: Float32Array, type: "Q4_1" | "Q5_1"): Quantized {
  const block = new Uint8Array(QUANT_GEOMETRY[type].blockBytes);
  const values = new Float32Array(32);
  const top = type === "Q4_1" ? 15 : 31;
  const [mn, mx] = minMax(x);
  const [dBits, d] = f16((mx - mn) / top);
  const [mBits, m] = f16(mn);
  setHalf(block, 0, dBits);
  setHalf(block, 2, mBits);
  const q = Array.from(x, (v) => (d === 0 ? 0 : clamp(Math.round((v - m) / d), 0, top)));
  q.forEach((qi, i) => (values[i] = fr(qi * d) + m));
  if (type === "Q4_1") for (let j = 0; j < 16; j++) block[4 + j] = q[j]! | (q[j + 16]! << 4);
  else {
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      block[8 + j] = (q[j]! & 0x0f) | ((q[j + 16]! & 0x0f) << 4);
      qh |= ((q[j]! >> 4) & 1) << j;
      qh |= ((q[j + 16]! >> 4) & 1) << (j + 16);
    }
    new DataView(block.buffer).setUint32(4, qh >>> 0, true);
  }
  return { block, values };
}

/**
 * K-quant super-block of 256 with `groups` groups, each with a scale (and for Q2/Q4/Q5_K a min)
 * quantised against float16 super-scales. Returns codes per value and per-group integer scales.
 */
function kGroups(x: Float32Array, groups: number, levels: number, scaleTop: number, withMin: boolean) {
  const size = 256 / groups;
  const scales: number[] = [];
  const mins: number[] = [];
  for (let g = 0; g < groups; g++) {
    const part = x.subarray(g * size, (g + 1) * size);
    const [mn, mx] = minMax(part);
    if (withMin) {
      const low = Math.min(0, mn);
      scales.push((mx - low) / levels);
      mins.push(-low);
    } else {
      let amax = 0;
      for (const v of part) amax = Math.max(amax, Math.abs(v));
      scales.push(amax / levels);
    }
  }
  const [dBits, d] = f16(Math.max(...scales) / scaleTop);
  const [mBits, dmin] = withMin ? f16(Math.max(...mins) / scaleTop) : [0, 0];
  const sc = scales.map((s) => (d === 0 ? 0 : clamp(Math.round(s / d), 0, scaleTop)));
  const m = withMin ? mins.map((v) => (dmin === 0 ? 0 : clamp(Math.round(v / dmin), 0, scaleTop))) : [];
  return { size, d, dBits, dmin, mBits, sc, m };
}

function kQuant(x: Float32Array, type: "Q2_K" | "Q3_K" | "Q4_K" | "Q5_K" | "Q6_K"): Quantized {
  const block = new Uint8Array(QUANT_GEOMETRY[type].blockBytes);
  const values = new Float32Array(256);
  const q = new Int32Array(256);
  if (type === "Q2_K" || type === "Q4_K" || type === "Q5_K") {
    const groups = type === "Q2_K" ? 16 : 8;
    const top = type === "Q2_K" ? 3 : type === "Q4_K" ? 15 : 31;
    const scaleTop = type === "Q2_K" ? 15 : 63;
    const k = kGroups(x, groups, top, scaleTop, true);
    for (let i = 0; i < 256; i++) {
      const g = Math.floor(i / k.size);
      const dl = fr(k.d * k.sc[g]!);
      const ml = fr(k.dmin * k.m[g]!);
      q[i] = dl === 0 ? 0 : clamp(Math.round((x[i]! + ml) / dl), 0, top);
      values[i] = fr(dl * q[i]!) - ml;
    }
    if (type === "Q2_K") {
      for (let g = 0; g < 16; g++) block[g] = k.sc[g]! | (k.m[g]! << 4);
      for (let i = 0; i < 256; i++) {
        const n = i >> 7;
        const j = (i >> 5) & 3;
        const l = i & 31;
        block[16 + 32 * n + l]! |= q[i]! << (2 * j);
      }
      setHalf(block, 80, k.dBits);
      setHalf(block, 82, k.mBits);
    } else {
      setHalf(block, 0, k.dBits);
      setHalf(block, 2, k.mBits);
      for (let j = 0; j < 4; j++) {
        block[4 + j] = (k.sc[j]! & 63) | ((k.sc[j + 4]! >> 4) << 6);
        block[8 + j] = (k.m[j]! & 63) | ((k.m[j + 4]! >> 4) << 6);
        block[12 + j] = (k.sc[j + 4]! & 0x0f) | ((k.m[j + 4]! & 0x0f) << 4);
      }
      const qs = type === "Q4_K" ? 16 : 48;
      for (let i = 0; i < 256; i++) {
        const c = i >> 6;
        const upper = (i >> 5) & 1;
        const l = i & 31;
        block[qs + 32 * c + l]! |= (q[i]! & 0x0f) << (4 * upper);
        if (type === "Q5_K" && q[i]! & 0x10) block[16 + l]! |= 1 << (2 * c + upper);
      }
    }
  } else if (type === "Q3_K") {
    const k = kGroups(x, 16, 4, 31, false);
    for (let i = 0; i < 256; i++) {
      const dl = fr(k.d * k.sc[i >> 4]!);
      q[i] = dl === 0 ? 0 : clamp(Math.round(x[i]! / dl), -4, 3);
      values[i] = dl * q[i]!;
    }
    for (let i = 0; i < 256; i++) {
      const v = q[i]! + 4;
      const n = i >> 7;
      const j = (i >> 5) & 3;
      const l = i & 31;
      block[32 + 32 * n + l]! |= (v & 3) << (2 * j);
      if (v & 4) block[l]! |= 1 << (4 * n + j);
    }
    for (let g = 0; g < 16; g++) {
      const s = k.sc[g]! + 32;
      if (g < 8) block[96 + g]! |= s & 0x0f;
      else block[96 + g - 8]! |= (s & 0x0f) << 4;
      block[96 + 8 + (g % 4)]! |= (s >> 4) << (2 * Math.floor(g / 4));
    }
    setHalf(block, 108, k.dBits);
  } else {
    const k = kGroups(x, 16, 32, 127, false);
    for (let i = 0; i < 256; i++) {
      const dl = fr(k.d * k.sc[i >> 4]!);
      q[i] = dl === 0 ? 0 : clamp(Math.round(x[i]! / dl), -32, 31);
      values[i] = dl * q[i]!;
    }
    for (let i = 0; i < 256; i++) {
      const v = q[i]! + 32;
      const n = i >> 7;
      const t = (i >> 5) & 3;
      const l = i & 31;
      const ql = 64 * n + l + (t & 1 ? 32 : 0);
      block[ql]! |= (v & 0x0f) << (t >= 2 ? 4 : 0);
      block[128 + 32 * n + l]! |= (v >> 4) << (2 * t);
    }
    for (let g = 0; g < 16; g++) block[192 + g] = k.sc[g]!;
    setHalf(block, 208, k.dBits);
  }
  return { block, values };
}

/** Quantise `x` (length a multiple of the block size): the blocks and the values they decode to. */
export function quantize(x: Float32Array, type: QuantType): { bytes: Uint8Array; values: Float32Array } {
  const { blockSize, blockBytes } = QUANT_GEOMETRY[type];
  if (x.length % blockSize !== 0) throw new RangeError(`${x.length} values are not whole ${type} blocks`);
  const blocks = x.length / blockSize;
  const bytes = new Uint8Array(blocks * blockBytes);
  const values = new Float32Array(x.length);
  for (let b = 0; b < blocks; b++) {
    const part = x.subarray(b * blockSize, (b + 1) * blockSize);
    const one =
      type === "Q4_0" || type === "Q5_0" || type === "Q8_0" ? symmetric(part, type) : type === "Q4_1" || type === "Q5_1" ? affine(part, type) : kQuant(part, type);
    bytes.set(one.block, b * blockBytes);
    values.set(one.values, b * blockSize);
  }
  return { bytes, values };
}
