/**
 * Our own quantisers for the ggml block formats (fixtures only): simple min/max scales per group
 * (not ggml's error-minimising search), packed in ggml's block layouts (ggml-common.h). Each returns
 * the blocks and the values they stand for, computed in float32 from the chosen codes and scales the
 * way ggml's dequantize_row_* forms them, so a decoder can be checked value for value.
 */
import { float16FromBits } from "../../src/decode/floatBits.js";
import { toFloat16 } from "./floatEncode.js";

export type QuantType = "Q4_0" | "Q4_1" | "Q5_0" | "Q5_1" | "Q8_0" | "Q2_K" | "Q3_K" | "Q4_K" | "Q5_K" | "Q6_K";

export const GGML_TYPE_ID: Record<QuantType, number> = { Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q2_K: 10, Q3_K: 11, Q4_K: 12, Q5_K: 13, Q6_K: 14 };

const fr = Math.fround;
/** Codes are integers: `+ 0` turns the -0 of Math.round(-0.3) into 0, as an integer code is. */
const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v)) + 0;

/** A binary16 scale: its bits (to store) and its value (to compute with). */
function half(value: number): { bits: number; value: number } {
  const bits = toFloat16(value);
  return { bits, value: float16FromBits(bits) };
}

function putHalf(out: Uint8Array, at: number, bits: number): void {
  out[at] = bits & 0xff;
  out[at + 1] = bits >> 8;
}

/** The value of largest magnitude, with its sign. */
function signedMax(x: ArrayLike<number>, from: number, count: number): number {
  let best = 0;
  for (let i = from; i < from + count; i++) if (Math.abs(x[i]!) > Math.abs(best)) best = x[i]!;
  return best;
}

function range(x: ArrayLike<number>, from: number, count: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = from; i < from + count; i++) {
    lo = Math.min(lo, x[i]!);
    hi = Math.max(hi, x[i]!);
  }
  return [lo, hi];
}

type BlockQuantiser = (x: Float32Array, out: Uint8Array, values: Float32Array) => void;

/** Q4_0 / Q5_0: symmetric, the largest magnitude maps to the lowest code. */
function symmetric(bits: 4 | 5): BlockQuantiser {
  const zero = 1 << (bits - 1);
  return (x, out, values) => {
    const d = half(signedMax(x, 0, 32) / -zero);
    putHalf(out, 0, d.bits);
    const q = Array.from(x, (v) => (d.value ? clamp(Math.round(v / d.value) + zero, 0, 2 * zero - 1) : zero));
    q.forEach((code, j) => (values[j] = fr((code - zero) * d.value)));
    packNibbles(out, bits === 4 ? 2 : 6, q, bits === 5 ? 2 : undefined);
  };
}

/** Q4_1 / Q5_1: scale and min. */
function affine(bits: 4 | 5): BlockQuantiser {
  const top = (1 << bits) - 1;
  return (x, out, values) => {
    const [lo, hi] = range(x, 0, 32);
    const d = half((hi - lo) / top);
    const m = half(lo);
    putHalf(out, 0, d.bits);
    putHalf(out, 2, m.bits);
    const q = Array.from(x, (v) => (d.value ? clamp(Math.round((v - m.value) / d.value), 0, top) : 0));
    q.forEach((code, j) => (values[j] = fr(fr(code * d.value) + m.value)));
    packNibbles(out, bits === 4 ? 4 : 8, q, bits === 5 ? 4 : undefined);
  };
}

/** Low nibbles of values j and j + 16 in byte j; 5th bits (if any) as bit j of a u32 at `highAt`. */
function packNibbles(out: Uint8Array, at: number, q: number[], highAt?: number): void {
  let high = 0;
  for (let j = 0; j < 16; j++) out[at + j] = (q[j]! & 0xf) | ((q[j + 16]! & 0xf) << 4);
  for (let j = 0; j < 32; j++) if (q[j]! & 0x10) high |= 1 << j;
  if (highAt !== undefined) new DataView(out.buffer, out.byteOffset).setUint32(highAt, high >>> 0, true);
}

const q8_0: BlockQuantiser = (x, out, values) => {
  const d = half(signedMax(x, 0, 32) / 127);
  const dv = Math.abs(d.value);
  putHalf(out, 0, toFloat16(dv));
  for (let j = 0; j < 32; j++) {
    const q = dv ? clamp(Math.round(x[j]! / dv), -128, 127) : 0;
    out[2 + j] = q & 0xff;
    values[j] = fr(q * dv);
  }
};

/** 2-bit fields: value k of a 256-block sits in byte (k >> 7)·32 + (k & 31) at shift 2·((k & 127) >> 5). */
function packCrumbs(out: Uint8Array, at: number, q: ArrayLike<number>): void {
  for (let k = 0; k < 256; k++) out[at + (k >> 7) * 32 + (k & 31)]! |= (q[k]! & 3) << (2 * ((k & 127) >> 5));
}

const q2_K: BlockQuantiser = (x, out, values) => {
  const scales: number[] = [];
  const mins: number[] = [];
  for (let g = 0; g < 16; g++) {
    const [lo, hi] = range(x, 16 * g, 16);
    scales.push((hi - Math.min(0, lo)) / 3);
    mins.push(-Math.min(0, lo));
  }
  const d = half(Math.max(...scales) / 15);
  const dmin = half(Math.max(...mins) / 15);
  putHalf(out, 80, d.bits);
  putHalf(out, 82, dmin.bits);
  const q = new Uint8Array(256);
  for (let g = 0; g < 16; g++) {
    const sc = d.value ? clamp(Math.round(scales[g]! / d.value), 0, 15) : 0;
    const m = dmin.value ? clamp(Math.round(mins[g]! / dmin.value), 0, 15) : 0;
    out[g] = sc | (m << 4);
    const dl = fr(d.value * sc);
    const ml = fr(dmin.value * m);
    for (let l = 0; l < 16; l++) {
      const k = 16 * g + l;
      q[k] = dl ? clamp(Math.round((x[k]! + ml) / dl), 0, 3) : 0;
      values[k] = fr(fr(dl * q[k]!) - ml);
    }
  }
  packCrumbs(out, 16, q);
};

const q3_K: BlockQuantiser = (x, out, values) => {
  const scales = Array.from({ length: 16 }, (_, g) => signedMax(x, 16 * g, 16) / -4);
  const top = signedMax(scales, 0, 16);
  const iscale = top ? -32 / top : 0;
  const d = half(iscale ? 1 / iscale : 0);
  putHalf(out, 108, d.bits);
  const q = new Uint8Array(256);
  for (let g = 0; g < 16; g++) {
    const l = clamp(Math.round(iscale * scales[g]!), -32, 31) + 32;
    if (g < 8) out[96 + g]! |= l & 0xf;
    else out[96 + g - 8]! |= (l & 0xf) << 4;
    out[104 + (g % 4)]! |= (l >> 4) << (2 * (g >> 2));
    const dl = fr(d.value * (l - 32));
    for (let i = 0; i < 16; i++) {
      const k = 16 * g + i;
      const code = dl ? clamp(Math.round(x[k]! / dl), -4, 3) : 0;
      values[k] = fr(dl * code);
      q[k] = code + 4;
      if (q[k]! > 3) out[k % 32]! |= 1 << (k >> 5);
    }
  }
  packCrumbs(out, 32, q);
};

/** Q4_K / Q5_K: 8 groups of 32, 6-bit scales and mins packed as get_scale_min_k4 reads them. */
function kAffine(bits: 4 | 5): BlockQuantiser {
  const top = (1 << bits) - 1;
  return (x, out, values) => {
    const scales: number[] = [];
    const mins: number[] = [];
    for (let g = 0; g < 8; g++) {
      const [lo, hi] = range(x, 32 * g, 32);
      scales.push((hi - Math.min(0, lo)) / top);
      mins.push(-Math.min(0, lo));
    }
    const d = half(Math.max(...scales) / 63);
    const dmin = half(Math.max(...mins) / 63);
    putHalf(out, 0, d.bits);
    putHalf(out, 2, dmin.bits);
    const q = new Uint8Array(256);
    for (let g = 0; g < 8; g++) {
      const ls = d.value ? clamp(Math.round(scales[g]! / d.value), 0, 63) : 0;
      const lm = dmin.value ? clamp(Math.round(mins[g]! / dmin.value), 0, 63) : 0;
      if (g < 4) {
        out[4 + g]! |= ls;
        out[4 + g + 4]! |= lm;
      } else {
        out[4 + g + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
        out[4 + g - 4]! |= (ls >> 4) << 6;
        out[4 + g]! |= (lm >> 4) << 6;
      }
      const dl = fr(d.value * ls);
      const ml = fr(dmin.value * lm);
      for (let l = 0; l < 32; l++) {
        const k = 32 * g + l;
        q[k] = dl ? clamp(Math.round((x[k]! + ml) / dl), 0, top) : 0;
        values[k] = fr(fr(dl * q[k]!) - ml);
      }
    }
    const ql = bits === 4 ? 16 : 48;
    for (let p = 0; p < 4; p++) {
      for (let l = 0; l < 32; l++) {
        const a = q[64 * p + l]!;
        const b = q[64 * p + 32 + l]!;
        out[ql + 32 * p + l] = (a & 0xf) | ((b & 0xf) << 4);
        if (bits === 5) out[16 + l]! |= ((a >> 4) << (2 * p)) | ((b >> 4) << (2 * p + 1));
      }
    }
  };
}

const q6_K: BlockQuantiser = (x, out, values) => {
  const scales = Array.from({ length: 16 }, (_, g) => signedMax(x, 16 * g, 16) / -32);
  const top = signedMax(scales, 0, 16);
  const iscale = top ? -128 / top : 0;
  const d = half(iscale ? 1 / iscale : 0);
  putHalf(out, 208, d.bits);
  const L = new Uint8Array(256);
  for (let g = 0; g < 16; g++) {
    const sc = Math.min(127, Math.round(iscale * scales[g]!));
    out[192 + g] = sc & 0xff;
    const dl = fr(d.value * sc);
    for (let i = 0; i < 16; i++) {
      const k = 16 * g + i;
      const code = dl ? clamp(Math.round(x[k]! / dl), -32, 31) : 0;
      values[k] = fr(dl * code);
      L[k] = code + 32;
    }
  }
  for (let n = 0; n < 2; n++) {
    for (let l = 0; l < 32; l++) {
      const [a, b, c, e] = [L[128 * n + l]!, L[128 * n + l + 32]!, L[128 * n + l + 64]!, L[128 * n + l + 96]!];
      out[64 * n + l] = (a & 0xf) | ((c & 0xf) << 4);
      out[64 * n + l + 32] = (b & 0xf) | ((e & 0xf) << 4);
      out[128 + 32 * n + l] = (a >> 4) | ((b >> 4) << 2) | ((c >> 4) << 4) | ((e >> 4) << 6);
    }
  }
};

const QUANTISERS: Record<QuantType, { elements: number; bytes: number; quantise: BlockQuantiser }> = {
  Q4_0: { elements: 32, bytes: 18, quantise: symmetric(4) },
  Q4_1: { elements: 32, bytes: 20, quantise: affine(4) },
  Q5_0: { elements: 32, bytes: 22, quantise: symmetric(5) },
  Q5_1: { elements: 32, bytes: 24, quantise: affine(5) },
  Q8_0: { elements: 32, bytes: 34, quantise: q8_0 },
  Q2_K: { elements: 256, bytes: 84, quantise: q2_K },
  Q3_K: { elements: 256, bytes: 110, quantise: q3_K },
  Q4_K: { elements: 256, bytes: 144, quantise: kAffine(4) },
  Q5_K: { elements: 256, bytes: 176, quantise: kAffine(5) },
  Q6_K: { elements: 256, bytes: 210, quantise: q6_K },
};

/** Quantise `x` (a whole number of blocks) to `type`: the blocks, and the float32 values they decode to. */
export function quantise(type: QuantType, x: Float32Array): { bytes: Uint8Array; values: Float32Array } {
  const { elements, bytes, quantise: one } = QUANTISERS[type];
  if (x.length % elements !== 0) throw new RangeError(`${x.length} values are not whole ${type} blocks of ${elements}`);
  const blocks = x.length / elements;
  const out = new Uint8Array(blocks * bytes);
  const values = new Float32Array(x.length);
  for (let i = 0; i < blocks; i++) one(x.subarray(i * elements, (i + 1) * elements), out.subarray(i * bytes, (i + 1) * bytes), values.subarray(i * elements, (i + 1) * elements));
  return { bytes: out, values };
}
