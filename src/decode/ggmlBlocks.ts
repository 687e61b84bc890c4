/**
 * Dequantisation of ggml's block formats to float32, value for value as ggml's
 * `dequantize_row_<type>` (ggml/src/ggml-quants.c) computes them; block layouts from
 * ggml/src/ggml-common.h. All multi-byte fields are little-endian; `d`, `m`, `dmin` are IEEE binary16.
 *
 * - Q4_0 {d; qs[16]}: x = (nibble − 8)·d; low nibbles are values 0–15, high nibbles 16–31.
 * - Q4_1 {d, m; qs[16]}: x = nibble·d + m.
 * - Q5_0 {d; qh u32; qs[16]}: 5th bit of value j is bit j of qh; x = (q − 16)·d.
 * - Q5_1 {d, m; qh u32; qs[16]}: x = q·d + m.
 * - Q8_0 {d; qs int8[32]}: x = q·d.
 * - Q2_K {scales[16]; qs[64]; d, dmin} (256 values): 16 groups of 16; scale byte = (min4 << 4) | sc4;
 *   x = d·sc·q − dmin·m with q the 2-bit field at shift 2·(k mod 4) of byte l (+16) of the 32-byte half.
 * - Q3_K {hmask[32]; qs[64]; scales[12]; d}: 16 six-bit scales (low 4 bits in bytes 0–7, high 2 bits
 *   in bytes 8–11), x = d·(s − 32)·(q − (high bit set ? 0 : 4)).
 * - Q4_K {d, dmin; scales[12]; qs[128]}: 8 groups of 32 with 6-bit scale and min (get_scale_min_k4);
 *   x = d·sc·q − dmin·m.
 * - Q5_K {d, dmin; scales[12]; qh[32]; qs[128]}: as Q4_K with a 5th bit from qh.
 * - Q6_K {ql[128]; qh[64]; scales int8[16]; d}: x = d·sc·(q − 32), q = 4 low bits | 2 high bits.
 *
 * Products are formed in double precision and stored to float32; ggml forms them in float32. The
 * scale products are exact in float32 (≤ 19 significant bits), and the last operation (a product, or
 * a sum with a min) rounds once to float32 at the store: a double result of float32 operands rounded
 * to float32 is the correctly rounded float32 result (double has more than 2·24 + 2 bits), so the
 * values are bit-identical to ggml's — checked against a literal port of ggml's C on random blocks of
 * every type.
 */
import type { GgmlBlockType } from "../io/encoding.js";
import type { FloatCodec } from "./codec.js";
import { float16FromBits } from "./floatBits.js";

let f16Table: Float32Array | undefined;
/** binary16 → value for all 65,536 patterns (256 KiB, built once). */
function halfTable(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) f16Table[bits] = float16FromBits(bits);
  }
  return f16Table;
}

type BlockDecoder = (b: Uint8Array, at: number, out: Float32Array, o: number, half: Float32Array) => void;

const h = (b: Uint8Array, at: number, half: Float32Array): number => half[b[at]! | (b[at + 1]! << 8)]!;
const u32 = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
const i8 = (byte: number): number => (byte << 24) >> 24;

/** 6-bit scale and min of group j (0–7) from the 12 packed bytes at `s` (ggml's get_scale_min_k4). */
function scaleMinK4(b: Uint8Array, s: number, j: number): [number, number] {
  if (j < 4) return [b[s + j]! & 63, b[s + j + 4]! & 63];
  return [(b[s + j + 4]! & 0xf) | ((b[s + j - 4]! >> 6) << 4), (b[s + j + 4]! >> 4) | ((b[s + j]! >> 6) << 4)];
}

/** Q4_K/Q5_K: scale and min of the two 32-value groups of 64-value pair g, times the block's d and dmin. */
function pairScales(b: Uint8Array, at: number, g: number, d: number, dmin: number): [number, number, number, number] {
  const [sc1, m1] = scaleMinK4(b, at + 4, 2 * g);
  const [sc2, m2] = scaleMinK4(b, at + 4, 2 * g + 1);
  return [d * sc1, dmin * m1, d * sc2, dmin * m2];
}

/** 6-bit scale j (0–15) of a Q3_K block from the 12 packed bytes at `s`. */
function scaleQ3K(b: Uint8Array, s: number, j: number): number {
  const low = j < 8 ? b[s + j]! & 0xf : b[s + j - 8]! >> 4;
  return (low | (((b[s + 8 + (j % 4)]! >> (2 * (j >> 2))) & 3) << 4)) - 32;
}

const q4_0: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at, half);
  for (let j = 0; j < 16; j++) {
    const q = b[at + 2 + j]!;
    out[o + j] = ((q & 0xf) - 8) * d;
    out[o + j + 16] = ((q >> 4) - 8) * d;
  }
};

const q4_1: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at, half);
  const m = h(b, at + 2, half);
  for (let j = 0; j < 16; j++) {
    const q = b[at + 4 + j]!;
    out[o + j] = (q & 0xf) * d + m;
    out[o + j + 16] = (q >> 4) * d + m;
  }
};

/** 5-bit value j (low nibble of byte j, 5th bit j of qh) and value j + 16 (high nibble, bit j + 16). */
const fiveLow = (b: Uint8Array, qs: number, qh: number, j: number): number => (b[qs + j]! & 0xf) | (((qh >>> j) << 4) & 0x10);
const fiveHigh = (b: Uint8Array, qs: number, qh: number, j: number): number => (b[qs + j]! >> 4) | ((qh >>> (j + 12)) & 0x10);

const q5_0: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at, half);
  const qh = u32(b, at + 2);
  for (let j = 0; j < 16; j++) {
    out[o + j] = (fiveLow(b, at + 6, qh, j) - 16) * d;
    out[o + j + 16] = (fiveHigh(b, at + 6, qh, j) - 16) * d;
  }
};

const q5_1: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at, half);
  const m = h(b, at + 2, half);
  const qh = u32(b, at + 4);
  for (let j = 0; j < 16; j++) {
    out[o + j] = fiveLow(b, at + 8, qh, j) * d + m;
    out[o + j + 16] = fiveHigh(b, at + 8, qh, j) * d + m;
  }
};

const q8_0: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at, half);
  for (let j = 0; j < 32; j++) out[o + j] = i8(b[at + 2 + j]!) * d;
};

const q2_K: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at + 80, half);
  const dmin = h(b, at + 82, half);
  let is = 0;
  for (let n = 0; n < 2; n++) {
    const q = at + 16 + 32 * n;
    for (let shift = 0; shift < 8; shift += 2) {
      for (let half16 = 0; half16 < 32; half16 += 16) {
        const sc = b[at + is++]!;
        const dl = d * (sc & 0xf);
        const ml = dmin * (sc >> 4);
        for (let l = 0; l < 16; l++) out[o++] = dl * ((b[q + half16 + l]! >> shift) & 3) - ml;
      }
    }
  }
};

const q3_K: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at + 108, half);
  const hm = at;
  let is = 0;
  let mask = 1;
  for (let n = 0; n < 2; n++) {
    const q = at + 32 + 32 * n;
    for (let shift = 0; shift < 8; shift += 2) {
      for (let half16 = 0; half16 < 32; half16 += 16) {
        const dl = d * scaleQ3K(b, at + 96, is++);
        for (let l = 0; l < 16; l++) out[o++] = dl * (((b[q + half16 + l]! >> shift) & 3) - (b[hm + half16 + l]! & mask ? 0 : 4));
      }
      mask <<= 1;
    }
  }
};

const q4_K: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at, half);
  const dmin = h(b, at + 2, half);
  for (let g = 0; g < 4; g++) {
    const q = at + 16 + 32 * g;
    const [d1, min1, d2, min2] = pairScales(b, at, g, d, dmin);
    for (let l = 0; l < 32; l++) out[o++] = d1 * (b[q + l]! & 0xf) - min1;
    for (let l = 0; l < 32; l++) out[o++] = d2 * (b[q + l]! >> 4) - min2;
  }
};

const q5_K: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at, half);
  const dmin = h(b, at + 2, half);
  const qh = at + 16;
  for (let g = 0; g < 4; g++) {
    const ql = at + 48 + 32 * g;
    const [d1, min1, d2, min2] = pairScales(b, at, g, d, dmin);
    const u1 = 1 << (2 * g);
    const u2 = u1 << 1;
    for (let l = 0; l < 32; l++) out[o++] = d1 * ((b[ql + l]! & 0xf) + (b[qh + l]! & u1 ? 16 : 0)) - min1;
    for (let l = 0; l < 32; l++) out[o++] = d2 * ((b[ql + l]! >> 4) + (b[qh + l]! & u2 ? 16 : 0)) - min2;
  }
};

const q6_K: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at + 208, half);
  for (let n = 0; n < 2; n++) {
    const ql = at + 64 * n;
    const qh = at + 128 + 32 * n;
    const sc = at + 192 + 8 * n;
    const y = o + 128 * n;
    for (let l = 0; l < 32; l++) {
      const is = l >> 4;
      const low0 = b[ql + l]!;
      const low1 = b[ql + l + 32]!;
      const high = b[qh + l]!;
      out[y + l] = d * i8(b[sc + is]!) * (((low0 & 0xf) | ((high & 3) << 4)) - 32);
      out[y + l + 32] = d * i8(b[sc + is + 2]!) * (((low1 & 0xf) | (((high >> 2) & 3) << 4)) - 32);
      out[y + l + 64] = d * i8(b[sc + is + 4]!) * (((low0 >> 4) | (((high >> 4) & 3) << 4)) - 32);
      out[y + l + 96] = d * i8(b[sc + is + 6]!) * (((low1 >> 4) | (((high >> 6) & 3) << 4)) - 32);
    }
  }
};

export const GGML_BLOCKS: Record<GgmlBlockType, { elements: number; bytes: number; decode: BlockDecoder }> = {
  Q4_0: { elements: 32, bytes: 18, decode: q4_0 },
  Q4_1: { elements: 32, bytes: 20, decode: q4_1 },
  Q5_0: { elements: 32, bytes: 22, decode: q5_0 },
  Q5_1: { elements: 32, bytes: 24, decode: q5_1 },
  Q8_0: { elements: 32, bytes: 34, decode: q8_0 },
  Q2_K: { elements: 256, bytes: 84, decode: q2_K },
  Q3_K: { elements: 256, bytes: 110, decode: q3_K },
  Q4_K: { elements: 256, bytes: 144, decode: q4_K },
  Q5_K: { elements: 256, bytes: 176, decode: q5_K },
  Q6_K: { elements: 256, bytes: 210, decode: q6_K },
};

/** A floats codec for one ggml block type: one unit is one block. */
export function ggmlBlockCodec(type: GgmlBlockType): FloatCodec {
  const { elements, bytes, decode } = GGML_BLOCKS[type];
  const half = halfTable();
  let scratch = new Float32Array(0);
  return {
    type: "floats",
    unitBytes: bytes,
    unitElements: elements,
    decode(chunk) {
      const blocks = Math.floor(chunk.length / bytes);
      const n = blocks * elements;
      if (scratch.length < n) scratch = new Float32Array(n);
      for (let i = 0; i < blocks; i++) decode(chunk, i * bytes, scratch, i * elements, half);
      return scratch.subarray(0, n);
    },
  };
}
