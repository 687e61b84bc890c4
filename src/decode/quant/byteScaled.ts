/**
 * One code per byte times a scale: FP8 E4M3/E5M2 with a per-tensor, per-channel (row) or 2-D block
 * scale (DeepSeek-V3's `weight_scale_inv`, one F32 per 128×128 block; compressed-tensors
 * float-quantized; fbgemm/ModelOpt/AutoFP8 `weight_scale`), and int8 codes with a row scale
 * (bitsandbytes LLM.int8 `SCB`, compressed-tensors int-quantized, optionally with a zero point).
 *
 * Values: w = fl32(level(code) · s), or fl32((q − z) · s) with a zero point — the exact product
 * rounded once, as a float32 multiply gives it; bitsandbytes: w = fl32(fl32(q · SCB) · fl32(1/127)),
 * the two float32 steps of its `int8_vectorwise_dequant`.
 *
 * Keys: code (tensor), row·256 + code (channel), block·256 + code (block).
 */
import { decodeTable, float8E4M3FromBits, float8E5M2FromBits } from "../floatBits.js";
import type { SourcePool } from "../../io/byteSource.js";
import { MAX_KEYS, type EncodingOf, type QuantDecoder, type QuantLayout } from "./decoder.js";
import { readSideValues, sideElements } from "./side.js";

type Encoding = EncodingOf<"byte-scaled">;

const INV127 = Math.fround(1 / 127);

const LEVELS = {
  F8_E4M3: decodeTable(8, float8E4M3FromBits),
  F8_E5M2: decodeTable(8, float8E5M2FromBits),
  I8: decodeTable(8, (pattern) => (pattern >= 128 ? pattern - 256 : pattern)),
};

/** Number of scale groups (keys / 256). */
function groupCount(encoding: Encoding): number {
  if (encoding.layout === "tensor") return 1;
  if (encoding.layout === "channel") return encoding.rows;
  return Math.ceil(encoding.rows / encoding.blockRows) * Math.ceil(encoding.cols / encoding.blockCols);
}

export function byteScaledLayout(encoding: Encoding): QuantLayout {
  const keys = groupCount(encoding) * 256;
  const rangeUnitBytes = encoding.layout === "block" ? encoding.blockRows * encoding.cols : encoding.layout === "channel" ? encoding.cols : 1;
  return { unitBytes: 1, unitElements: 1, keySpace: keys <= MAX_KEYS ? keys : undefined, rangeUnitBytes };
}

/** Value of code q in a group with scale s and zero point z. */
function valueRule(encoding: Encoding): (code: number, scale: number, zero: number) => number {
  const levels = LEVELS[encoding.code];
  if (encoding.rule === "bnb-int8") return (code, scale) => Math.fround(Math.fround(levels[code]! * scale) * INV127);
  return (code, scale, zero) => Math.fround((levels[code]! - zero) * scale);
}

export async function prepareByteScaled(encoding: Encoding, pool: SourcePool, startByte: number, endByte: number): Promise<QuantDecoder> {
  const { cols, layout, blockRows, blockCols } = encoding;
  const levels = LEVELS[encoding.code];
  const rule = valueRule(encoding);
  const blockCount = Math.ceil(cols / blockCols);
  // Groups this range touches: rows [r0, r1] (channel), their block rows (block), or the one scale.
  const r0 = Math.floor(startByte / cols);
  const r1 = Math.max(r0, Math.floor((endByte - 1) / cols));
  const g0 = layout === "tensor" ? 0 : layout === "channel" ? r0 : Math.floor(r0 / blockRows) * blockCount;
  const g1 = layout === "tensor" ? 1 : layout === "channel" ? r1 + 1 : (Math.floor(r1 / blockRows) + 1) * blockCount;
  const scales = await readSideValues(pool, encoding.scale, g0, g1);
  const zeroIsScalar = encoding.zero !== undefined && sideElements(encoding.zero) === 1;
  const zeros = encoding.zero ? await readSideValues(pool, encoding.zero, zeroIsScalar ? 0 : g0, zeroIsScalar ? 1 : g1) : undefined;
  const zeroOf = (group: number): number => (zeros ? (zeros.length === 1 ? zeros[0]! : zeros[group - g0]!) : 0);
  const scaleOf = (group: number): number => scales[group - g0]!;
  const product = encoding.rule === "product" && !zeros;

  /** Scale group of (row, column). */
  const groupAt = layout === "tensor" ? () => 0 : layout === "channel" ? (row: number) => row : (row: number, col: number) => Math.floor(row / blockRows) * blockCount + Math.floor(col / blockCols);
  /** Visit the chunk as runs of consecutive elements sharing one group: (offset in chunk, length, group). */
  const runs = (bytes: Uint8Array, firstUnit: number, visit: (offset: number, length: number, group: number) => void): void => {
    let offset = 0;
    while (offset < bytes.length) {
      const element = firstUnit + offset;
      const row = Math.floor(element / cols);
      const col = element - row * cols;
      const runEnd = layout === "block" ? Math.min(cols, (Math.floor(col / blockCols) + 1) * blockCols) : cols;
      const length = layout === "tensor" ? bytes.length - offset : Math.min(bytes.length - offset, runEnd - col);
      visit(offset, length, groupAt(row, col));
      offset += length;
    }
  };

  return {
    unitBytes: 1,
    unitElements: 1,
    keyStart: g0 * 256,
    keyEnd: g1 * 256,
    value: (key) => rule(key & 255, scaleOf(key >>> 8), zeroOf(key >>> 8)),
    count(bytes, firstUnit, table, segments) {
      // Inline loops (no callback per run): this is the hot loop of FP8 checkpoints. Blocks whose
      // width is a power of two are counted in WebAssembly, one call per row.
      const n = bytes.length;
      const shift = Math.log2(blockCols);
      const fast = layout === "block" && segments !== undefined && Number.isInteger(shift) && blockCount <= segments.maxSegments && segments.holds(bytes);
      let pendingBand = -1;
      if (layout === "tensor") {
        for (let i = 0; i < n; i++) table[bytes[i]!]!++;
        return;
      }
      let offset = 0;
      while (offset < n) {
        const element = firstUnit + offset;
        const row = Math.floor(element / cols);
        let col = element - row * cols;
        const rowEnd = offset + Math.min(n - offset, cols - col);
        if (layout === "channel") {
          const base = (row - g0) * 256;
          for (let i = offset; i < rowEnd; i++) table[base + bytes[i]!]!++;
        } else {
          const bandBase = Math.floor(row / blockRows) * blockCount - g0;
          if (fast && bandBase !== pendingBand) {
            if (pendingBand >= 0) segments!.foldSegments(table, pendingBand * 256, blockCount);
            pendingBand = bandBase;
          }
          let i = offset;
          while (i < rowEnd) {
            const block = Math.floor(col / blockCols);
            if (fast && col % blockCols === 0) {
              // The rest of the row, block-aligned: one WebAssembly call, a table per block.
              segments!.countSegments(bytes.subarray(i, rowEnd), shift, block);
              col += rowEnd - i;
              i = rowEnd;
              continue;
            }
            const segmentEnd = Math.min(rowEnd, i + (block + 1) * blockCols - col);
            const base = (bandBase + block) * 256;
            for (let k = i; k < segmentEnd; k++) table[base + bytes[k]!]!++;
            col += segmentEnd - i;
            i = segmentEnd;
          }
        }
        offset = rowEnd;
      }
      if (pendingBand >= 0) segments!.foldSegments(table, pendingBand * 256, blockCount);
    },
    decode(bytes, firstUnit, out) {
      runs(bytes, firstUnit, (offset, length, group) => {
        const scale = scaleOf(group);
        const end = offset + length;
        if (product) {
          // A Float32Array store rounds the exact double product once, as a float32 multiply does.
          for (let i = offset; i < end; i++) out[i] = levels[bytes[i]!]! * scale;
        } else {
          const zero = zeroOf(group);
          for (let i = offset; i < end; i++) out[i] = rule(bytes[i]!, scale, zero);
        }
      });
      return bytes.length;
    },
  };
}
