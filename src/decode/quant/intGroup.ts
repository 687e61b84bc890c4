/**
 * b-bit integer codes packed into int32 words (low bits first) with a scale and a zero point per group
 * of input features: GPTQ, AWQ and compressed-tensors pack-quantized. w = fl32((u − z) · s), u the
 * unsigned code, z the unsigned zero point, s the group's scale — exact in double, rounded once.
 *
 * - GPTQ (AutoGPTQ `QuantLinear.pack`): qweight [in·b/32, out], word (r, j) holds inputs r·32/b + k
 *   at bits b·k; qzeros [groups, out·b/32] packed the same way along `out`; scales [groups, out];
 *   group of input i = g_idx[i] (act-order) or ⌊i/group_size⌋; checkpoint_format "gptq" stores z − 1
 *   (the decoder adds 1 back), "gptq_v2" stores z.
 * - AWQ (AutoAWQ `WQLinear_GEMM`): qweight [in, out·b/32], word (i, c) holds outputs c·8 + order[k] at
 *   bits 4k with order [0, 2, 4, 6, 1, 3, 5, 7]; qzeros likewise; scales [groups, out].
 * - compressed-tensors pack-quantized: weight_packed [out, ⌈in·b/32⌉] packed along `in`, stored
 *   u = q + 2^(b−1); weight_zero_point [⌈out·b/32⌉, groups] packed along `out` (asymmetric), else
 *   z = 2^(b−1); weight_scale [out, groups]; optional weight_g_idx [in].
 *
 * Keys (16-bit scales, b ≤ 4): scalePattern·32 + (u − z + 16): the value depends on the key alone, and
 * there are 2^21 keys whatever the layer's size.
 */
import type { SourcePool } from "../../io/byteSource.js";
import { type EncodingOf, type QuantDecoder, type QuantLayout } from "./decoder.js";
import { readSideBits16, readSideBytes, readSideValues, scale16Decoder, sideValueReader } from "./side.js";

type Encoding = EncodingOf<"int-group">;

const AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7];
/** Position k inside a word of output offset j % 8 (inverse of AWQ_ORDER). */
const AWQ_POSITION = [0, 4, 1, 5, 2, 6, 3, 7];

function countable(encoding: Encoding): boolean {
  return (encoding.scale.dtype === "F16" || encoding.scale.dtype === "BF16") && encoding.bits <= 4;
}

export function intGroupLayout(encoding: Encoding): QuantLayout {
  return { unitBytes: 4, unitElements: 32 / encoding.bits, keySpace: countable(encoding) ? 65536 * 32 : undefined };
}

/** A Uint32Array over whole words of `bytes` (copied when unaligned). */
function words(bytes: Uint8Array): Uint32Array {
  const n = bytes.length >>> 2;
  if (bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, n);
  return new Uint32Array(bytes.slice(0, n * 4).buffer);
}

export async function prepareIntGroup(encoding: Encoding, pool: SourcePool, startByte: number, endByte: number): Promise<QuantDecoder> {
  const { variant, bits, inFeatures, outFeatures, groupSize, groups, zeroOffset } = encoding;
  const perWord = 32 / bits;
  const mask = (1 << bits) - 1;
  const w0 = startByte >>> 2;
  const w1 = endByte >>> 2;
  const gIdx = encoding.gIdx ? await readSideValues(pool, encoding.gIdx) : undefined;
  const groupOf = (input: number): number => (gIdx ? gIdx[input]! : Math.floor(input / groupSize));

  // Parameter rows this range needs: groups (GPTQ, AWQ: params [groups, out]) or outputs (CT: params [out, groups]).
  let p0: number;
  let p1: number;
  const wordsPerRow = variant === "gptq" ? outFeatures : variant === "awq" ? outFeatures / perWord : Math.ceil(inFeatures / perWord);
  const rowFirst = Math.floor(w0 / wordsPerRow);
  const rowLast = Math.floor((w1 - 1) / wordsPerRow);
  if (variant === "ct-pack") {
    p0 = rowFirst;
    p1 = rowLast + 1;
  } else {
    const i0 = variant === "gptq" ? rowFirst * perWord : rowFirst;
    const i1 = variant === "gptq" ? Math.min(inFeatures, (rowLast + 1) * perWord) : rowLast + 1;
    p0 = groups;
    p1 = 0;
    for (let i = i0; i < i1; i++) {
      const g = groupOf(i);
      if (g < p0) p0 = g;
      if (g + 1 > p1) p1 = g + 1;
    }
  }
  const paramCols = variant === "ct-pack" ? groups : outFeatures;
  const params = (p1 - p0) * paramCols;
  const scaleValues = await readSideValues(pool, encoding.scale, p0 * paramCols, p1 * paramCols);
  const zeros = new Int32Array(params);
  await fillZeros(encoding, pool, p0, p1, zeros);
  for (let p = 0; p < params; p++) zeros[p]! += zeroOffset;

  const keyed = countable(encoding);
  const decodeScale = scale16Decoder(encoding.scale.dtype);
  let bases: Int32Array | undefined;
  const segments: number[] = [];
  if (keyed) {
    const scaleBits = await readSideBits16(pool, encoding.scale, p0 * paramCols, p1 * paramCols);
    bases = new Int32Array(params);
    const used = new Uint8Array(65536);
    for (let p = 0; p < params; p++) {
      bases[p] = scaleBits[p]! * 32 + 16 - zeros[p]!;
      used[scaleBits[p]!] = 1;
    }
    for (let bits16 = 0; bits16 < 65536; bits16++) if (used[bits16]) segments.push(bits16 * 32);
  }
  const segments16 = Uint32Array.from(segments);

  /**
   * Visit every code of the words as (parameter index, code), in storage order. `emit` receives the
   * parameter index into scaleValues/zeros/bases (relative to p0) and the unsigned code.
   */
  const visit = (bytes: Uint8Array, firstUnit: number, emit: (param: number, code: number) => void): void => {
    const view = words(bytes);
    for (let n = 0; n < view.length; n++) {
      const w = firstUnit + n;
      const row = Math.floor(w / wordsPerRow);
      const col = w - row * wordsPerRow;
      const word = view[n]!;
      if (variant === "gptq") {
        for (let k = 0; k < perWord; k++) {
          const input = row * perWord + k;
          if (input >= inFeatures) break;
          emit((groupOf(input) - p0) * outFeatures + col, (word >>> (bits * k)) & mask);
        }
      } else if (variant === "awq") {
        const base = (groupOf(row) - p0) * outFeatures + col * perWord;
        for (let k = 0; k < perWord; k++) emit(base + AWQ_ORDER[k]!, (word >>> (bits * k)) & mask);
      } else {
        const base = (row - p0) * groups;
        for (let k = 0; k < perWord; k++) {
          const input = col * perWord + k;
          if (input >= inFeatures) break;
          emit(base + groupOf(input), (word >>> (bits * k)) & mask);
        }
      }
    }
  };

  return {
    unitBytes: 4,
    unitElements: perWord,
    keyStart: 0,
    keyEnd: keyed ? 65536 * 32 : 0,
    keySegments: { starts: segments16, length: 32 },
    value: (key) => Math.fround(((key & 31) - 16) * decodeScale(key >>> 5)),
    ...(bases
      ? {
          count(bytes: Uint8Array, firstUnit: number, table: Uint32Array) {
            const b = bases!;
            if (!gIdx && (variant === "awq" || groupSize % perWord === 0)) {
              countByGroup(words(bytes), firstUnit, table, b, { variant, perWord, bits, outFeatures, groupSize, groups, wordsPerRow, p0 });
              return;
            }
            visit(bytes, firstUnit, (param, code) => {
              table[b[param]! + code]!++;
            });
          },
        }
      : {}),
    decode(bytes, firstUnit, out) {
      let n = 0;
      visit(bytes, firstUnit, (param, code) => {
        out[n++] = (code - zeros[param]!) * scaleValues[param]!;
      });
      return n;
    },
  };
}

interface GroupLoop {
  variant: Encoding["variant"];
  perWord: number;
  bits: number;
  outFeatures: number;
  groupSize: number;
  groups: number;
  wordsPerRow: number;
  p0: number;
}

/**
 * Key counting without g_idx, where every word's codes share one group: codes are first counted per
 * (parameter, code) in a small local table — all outputs of the current group (GPTQ, AWQ: out × 2^b)
 * or all groups of the current output row (compressed-tensors: groups × 2^b), a few hundred KiB that
 * stay in cache — and folded into the key table when the group or row changes. Counting straight
 * into the 2^21-key table would miss the cache on almost every word.
 */
function countByGroup(view: Uint32Array, firstUnit: number, table: Uint32Array, bases: Int32Array, loop: GroupLoop): void {
  const { variant, perWord, bits, outFeatures, groupSize, groups, wordsPerRow, p0 } = loop;
  const levels = 1 << bits;
  const mask = levels - 1;
  const params = variant === "ct-pack" ? groups : outFeatures;
  const local = new Uint32Array(params * levels);
  let current = -1;
  const fold = (): void => {
    if (current < 0) return;
    const first = current * params;
    for (let p = 0; p < params; p++) {
      const base = bases[first + p]!;
      for (let c = 0; c < levels; c++) {
        const n = local[p * levels + c]!;
        if (n !== 0) {
          table[base + c]! += n;
          local[p * levels + c] = 0;
        }
      }
    }
  };
  let n = 0;
  while (n < view.length) {
    const w = firstUnit + n;
    const row = Math.floor(w / wordsPerRow);
    const col = w - row * wordsPerRow;
    const end = Math.min(view.length, n + (wordsPerRow - col));
    // The parameter row (relative to p0) this word-row belongs to: its group, or (CT) its output.
    const owner = variant === "gptq" ? Math.floor((row * perWord) / groupSize) - p0 : variant === "awq" ? Math.floor(row / groupSize) - p0 : row - p0;
    if (owner !== current) {
      fold();
      current = owner;
    }
    if (bits === 4 && variant !== "awq") {
      // Unrolled: eight 4-bit codes per word (GPTQ: one output's eight inputs; CT: eight inputs of a row).
      for (let i = n, c = col; i < end; i++, c++) {
        const word = view[i]!;
        const at = variant === "gptq" ? c * 16 : Math.floor((c * 8) / groupSize) * 16;
        local[at + (word & 15)]!++;
        local[at + ((word >>> 4) & 15)]!++;
        local[at + ((word >>> 8) & 15)]!++;
        local[at + ((word >>> 12) & 15)]!++;
        local[at + ((word >>> 16) & 15)]!++;
        local[at + ((word >>> 20) & 15)]!++;
        local[at + ((word >>> 24) & 15)]!++;
        local[at + (word >>> 28)]!++;
      }
    } else if (bits === 4) {
      // AWQ: code k of word c is output 8c + order[k].
      for (let i = n, c = col; i < end; i++, c++) {
        const word = view[i]!;
        const at = c * 128;
        local[at + (word & 15)]!++;
        local[at + 32 + ((word >>> 4) & 15)]!++;
        local[at + 64 + ((word >>> 8) & 15)]!++;
        local[at + 96 + ((word >>> 12) & 15)]!++;
        local[at + 16 + ((word >>> 16) & 15)]!++;
        local[at + 48 + ((word >>> 20) & 15)]!++;
        local[at + 80 + ((word >>> 24) & 15)]!++;
        local[at + 112 + (word >>> 28)]!++;
      }
    } else if (variant === "gptq") {
      for (let i = n, j = col; i < end; i++, j++) {
        const word = view[i]!;
        const at = j * levels;
        for (let k = 0; k < perWord; k++) local[at + ((word >>> (bits * k)) & mask)]!++;
      }
    } else if (variant === "awq") {
      for (let i = n, c = col; i < end; i++, c++) {
        const word = view[i]!;
        const at = c * perWord * levels;
        for (let k = 0; k < perWord; k++) local[at + AWQ_ORDER[k]! * levels + ((word >>> (bits * k)) & mask)]!++;
      }
    } else {
      for (let i = n, c = col; i < end; i++, c++) {
        const word = view[i]!;
        const at = Math.floor((c * perWord) / groupSize) * levels;
        for (let k = 0; k < perWord; k++) local[at + ((word >>> (bits * k)) & mask)]!++;
      }
    }
    n = end;
  }
  fold();
}

/** Unsigned zero points (before `zeroOffset`) of parameter rows [p0, p1), row-major like the scales. */
async function fillZeros(encoding: Encoding, pool: SourcePool, p0: number, p1: number, out: Int32Array): Promise<void> {
  const { variant, bits, outFeatures, groups } = encoding;
  const perWord = 32 / bits;
  const mask = (1 << bits) - 1;
  const zero = encoding.zero;
  if (!zero) {
    out.fill(1 << (bits - 1));
    return;
  }
  if (variant === "ct-pack") {
    if (zero.shape[0] === outFeatures) {
      // Unpacked, signed zero points [out, groups].
      const values = await readSideValues(pool, zero, p0 * groups, p1 * groups);
      for (let p = 0; p < out.length; p++) out[p] = values[p]! + (1 << (bits - 1));
      return;
    }
    const r0 = Math.floor(p0 / perWord);
    const r1 = Math.floor((p1 - 1) / perWord) + 1;
    const bytes = await readSideBytes(pool, zero, r0 * groups, r1 * groups);
    const value = sideValueReader(zero.dtype, bytes);
    for (let o = p0; o < p1; o++) {
      for (let g = 0; g < groups; g++) {
        const word = value((Math.floor(o / perWord) - r0) * groups + g) >>> 0;
        out[(o - p0) * groups + g] = (word >>> (bits * (o % perWord))) & mask;
      }
    }
    return;
  }
  const zeroWordsPerRow = outFeatures / perWord;
  const bytes = await readSideBytes(pool, zero, p0 * zeroWordsPerRow, p1 * zeroWordsPerRow);
  const value = sideValueReader(zero.dtype, bytes);
  for (let g = p0; g < p1; g++) {
    for (let j = 0; j < outFeatures; j++) {
      const word = value((g - p0) * zeroWordsPerRow + Math.floor(j / perWord)) >>> 0;
      const position = variant === "awq" ? AWQ_POSITION[j % perWord]! : j % perWord;
      out[(g - p0) * outFeatures + j] = (word >>> (bits * position)) & mask;
    }
  }
}
