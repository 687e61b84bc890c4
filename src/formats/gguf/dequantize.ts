/**
 * Block dequantisation of ggml's quantised types to float32, value for value as ggml does it
 * (ggml-quants.c `dequantize_row_*`; block layouts from ggml-common.h). Every block starts from
 * float16 scales; ggml computes in float32, and each product or difference here is rounded to
 * float32 exactly where ggml's is (a float32 store of a double result of float32 operands is the
 * correctly rounded float32 result), so the values are bit-identical to ggml's.
 *
 * Layouts (little-endian, d/m/dmin are float16):
 * - Q4_0  [d, qs[16]]               32 values: (nibble − 8)·d; low nibbles are values 0–15, high 16–31
 * - Q4_1  [d, m, qs[16]]            nibble·d + m
 * - Q5_0  [d, qh u32, qs[16]]       (nibble | fifth bit from qh) − 16, times d
 * - Q5_1  [d, m, qh u32, qs[16]]    5-bit q·d + m
 * - Q8_0  [d, qs int8[32]]          q·d
 * - Q2_K  [scales[16], qs[64], d, dmin]                 256 values, 16 groups of 16: d·(sc&15)·q − dmin·(sc>>4), q 2-bit
 * - Q3_K  [hmask[32], qs[64], scales[12], d]            d·(s−32)·(q − 4 unless the hmask bit), 6-bit s packed in 12 bytes
 * - Q4_K  [d, dmin, scales[12], qs[128]]                8 groups of 32: d·sc·q − dmin·m, 6-bit sc/m (get_scale_min_k4)
 * - Q5_K  [d, dmin, scales[12], qh[32], qs[128]]        as Q4_K with a fifth bit from qh
 * - Q6_K  [ql[128], qh[64], scales int8[16], d]         16 groups of 16: d·sc·(6-bit q − 32)
 */
import { float16FromBits } from "../floatBits.js";
import type { FloatCodec } from "../encodings.js";
import { type GgmlBlockType, blockGeometry } from "./ggmlTypes.js";

let f16Table: Float32Array | undefined;
/** float16 bit pattern → value, as a 64K-entry table (exact: every float16 is a float32). */
function f16(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) f16Table[bits] = float16FromBits(bits);
  }
  return f16Table;
}

type BlockDecoder = (b: Uint8Array, at: number, out: Float32Array, o: number, half: Float32Array) => void;

const h = (b: Uint8Array, at: number, half: Float32Array): number => half[b[at]! | (b[at + 1]! << 8)]!;
const u32 = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
const fround = Math.fround;

const q4_0: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at, half);
  for (let j = 0; j < 16; j++) {
    const q = b[at + 2 + j]!;
    out[o + j] = ((q & 0x0f) - 8) * d;
    out[o + j + 16] = ((q >> 4) - 8) * d;
  }
};

const q4_1: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at, half);
  const m = h(b, at + 2, half);
  for (let j = 0; j < 16; j++) {
    const q = b[at + 4 + j]!;
    out[o + j] = (q & 0x0f) * d + m;
    out[o + j + 16] = (q >> 4) * d + m;
  }
};

const q5_0: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at, half);
  const qh = u32(b, at + 2);
  for (let j = 0; j < 16; j++) {
    const q = b[at + 6 + j]!;
    const high0 = ((qh >>> j) << 4) & 0x10;
    const high1 = (qh >>> (j + 12)) & 0x10;
    out[o + j] = (((q & 0x0f) | high0) - 16) * d;
    out[o + j + 16] = (((q >> 4) | high1) - 16) * d;
  }
};

const q5_1: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at, half);
  const m = h(b, at + 2, half);
  const qh = u32(b, at + 4);
  for (let j = 0; j < 16; j++) {
    const q = b[at + 8 + j]!;
    const high0 = ((qh >>> j) << 4) & 0x10;
    const high1 = (qh >>> (j + 12)) & 0x10;
    out[o + j] = ((q & 0x0f) | high0) * d + m;
    out[o + j + 16] = ((q >> 4) | high1) * d + m;
  }
};

const q8_0: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at, half);
  for (let j = 0; j < 32; j++) out[o + j] = ((b[at + 2 + j]! << 24) >> 24) * d;
};

const q2_K: BlockDecoder = (b, at, out, o, half) => {
  const scales = at;
  const d = h(b, at + 80, half);
  const dmin = h(b, at + 82, half);
  let y = o;
  let is = 0;
  for (let n = 0; n < 2; n++) {
    const q = at + 16 + 32 * n;
    for (let j = 0; j < 4; j++) {
      const shift = 2 * j;
      for (let half16 = 0; half16 < 2; half16++) {
        const sc = b[scales + is++]!;
        const dl = fround(d * (sc & 0x0f));
        const ml = fround(dmin * (sc >> 4));
        for (let l = 0; l < 16; l++) out[y++] = dl * ((b[q + l + 16 * half16]! >> shift) & 3) - ml;
      }
    }
  }
};

/** Q3_K's 16 six-bit scales from 12 bytes (kmask1/kmask2 unpacking of dequantize_row_q3_K), minus 32. */
function q3Scales(b: Uint8Array, at: number, scales: Int8Array): void {
  for (let k = 0; k < 4; k++) {
    const low = b[at + k]!;
    const mid = b[at + 4 + k]!;
    const high = b[at + 8 + k]!;
    scales[k] = ((low & 0x0f) | (((high >> 0) & 3) << 4)) - 32;
    scales[4 + k] = ((mid & 0x0f) | (((high >> 2) & 3) << 4)) - 32;
    scales[8 + k] = ((low >> 4) | (((high >> 4) & 3) << 4)) - 32;
    scales[12 + k] = ((mid >> 4) | (((high >> 6) & 3) << 4)) - 32;
  }
}

const q3Scratch = new Int8Array(16);
const q3_K: BlockDecoder = (b, at, out, o, half) => {
  const hmask = at;
  const d = h(b, at + 108, half);
  q3Scales(b, at + 96, q3Scratch);
  let y = o;
  let is = 0;
  let m = 1;
  for (let n = 0; n < 2; n++) {
    const q = at + 32 + 32 * n;
    for (let j = 0; j < 4; j++) {
      const shift = 2 * j;
      for (let half16 = 0; half16 < 2; half16++) {
        const dl = fround(d * q3Scratch[is++]!);
        const base = 16 * half16;
        for (let l = 0; l < 16; l++) out[y++] = dl * (((b[q + base + l]! >> shift) & 3) - (b[hmask + base + l]! & m ? 0 : 4));
      }
      m <<= 1;
    }
  }
};

/** get_scale_min_k4: the j-th 6-bit scale of Q4_K/Q5_K's 12 scale bytes (at q). */
function scaleK4(b: Uint8Array, q: number, j: number): number {
  return j < 4 ? b[q + j]! & 63 : (b[q + j + 4]! & 0x0f) | ((b[q + j - 4]! >> 6) << 4);
}

/** get_scale_min_k4: the j-th 6-bit min. */
function minK4(b: Uint8Array, q: number, j: number): number {
  return j < 4 ? b[q + j + 4]! & 63 : (b[q + j + 4]! >> 4) | ((b[q + j]! >> 6) << 4);
}

const q4_K: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at, half);
  const dmin = h(b, at + 2, half);
  let y = o;
  for (let c = 0; c < 4; c++) {
    const q = at + 16 + 32 * c;
    const d1 = fround(d * scaleK4(b, at + 4, 2 * c));
    const min1 = fround(dmin * minK4(b, at + 4, 2 * c));
    const d2 = fround(d * scaleK4(b, at + 4, 2 * c + 1));
    const min2 = fround(dmin * minK4(b, at + 4, 2 * c + 1));
    for (let l = 0; l < 32; l++) out[y++] = d1 * (b[q + l]! & 0x0f) - min1;
    for (let l = 0; l < 32; l++) out[y++] = d2 * (b[q + l]! >> 4) - min2;
  }
};

const q5_K: BlockDecoder = (b, at, out, o, half) => {
  const d = h(b, at, half);
  const dmin = h(b, at + 2, half);
  const qh = at + 16;
  let y = o;
  for (let c = 0; c < 4; c++) {
    const ql = at + 48 + 32 * c;
    const u1 = 1 << (2 * c);
    const u2 = 2 << (2 * c);
    const d1 = fround(d * scaleK4(b, at + 4, 2 * c));
    const min1 = fround(dmin * minK4(b, at + 4, 2 * c));
    const d2 = fround(d * scaleK4(b, at + 4, 2 * c + 1));
    const min2 = fround(dmin * minK4(b, at + 4, 2 * c + 1));
    for (let l = 0; l < 32; l++) out[y++] = d1 * ((b[ql + l]! & 0x0f) + (b[qh + l]! & u1 ? 16 : 0)) - min1;
    for (let l = 0; l < 32; l++) out[y++] = d2 * ((b[ql + l]! >> 4) + (b[qh + l]! & u2 ? 16 : 0)) - min2;
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
      const high = b[qh + l]!;
      const q1 = ((b[ql + l]! & 0x0f) | (((high >> 0) & 3) << 4)) - 32;
      const q2 = ((b[ql + l + 32]! & 0x0f) | (((high >> 2) & 3) << 4)) - 32;
      const q3 = ((b[ql + l]! >> 4) | (((high >> 4) & 3) << 4)) - 32;
      const q4 = ((b[ql + l + 32]! >> 4) | (((high >> 6) & 3) << 4)) - 32;
      out[y + l] = fround(d * ((b[sc + is]! << 24) >> 24)) * q1;
      out[y + l + 32] = fround(d * ((b[sc + is + 2]! << 24) >> 24)) * q2;
      out[y + l + 64] = fround(d * ((b[sc + is + 4]! << 24) >> 24)) * q3;
      out[y + l + 96] = fround(d * ((b[sc + is + 6]! << 24) >> 24)) * q4;
    }
  }
};

const DECODERS: Record<GgmlBlockType, BlockDecoder> = { Q4_0: q4_0, Q4_1: q4_1, Q5_0: q5_0, Q5_1: q5_1, Q8_0: q8_0, Q2_K: q2_K, Q3_K: q3_K, Q4_K: q4_K, Q5_K: q5_K, Q6_K: q6_K };

/** The codec of a block type: whole blocks in, float32 values out (a scratch buffer reused per call). */
export function ggmlCodec(type: GgmlBlockType): FloatCodec {
  const { blockSize, blockBytes } = blockGeometry(type);
  const decode = DECODERS[type];
  const half = f16();
  let scratch = new Float32Array(0);
  return {
    type: "floats",
    unitBytes: blockBytes,
    unitElements: blockSize,
    decode(bytes) {
      const blocks = Math.floor(bytes.length / blockBytes);
      if (scratch.length < blocks * blockSize) scratch = new Float32Array(blocks * blockSize);
      for (let i = 0; i < blocks; i++) decode(bytes, i * blockBytes, scratch, i * blockSize, half);
      return scratch.subarray(0, blocks * blockSize);
    },
  };
}
