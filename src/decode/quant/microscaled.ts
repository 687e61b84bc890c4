/**
 * FP4 (E2M1) codes with one scale per small block — the OCP Microscaling formats as checkpoints store
 * them: two codes per byte, the low nibble first (element 2j is byte j's low nibble).
 *
 * - MXFP4 (OCP MX v1.0; gpt-oss `*_blocks` [..., G, 16] with `*_scales` [..., G]): block of 32, E8M0
 *   scale byte s = 2^(s − 127), 0xFF is NaN; w = e2m1 · 2^(s − 127), exact in float32.
 * - NVFP4 (ModelOpt `weight` + `weight_scale` (E4M3 per 16) + `weight_scale_2` (F32)):
 *   w = fl32(e2m1 · fl32(s · g)), the order of ModelOpt's `NVFP4QTensor.dequantize`.
 * - NVFP4 (compressed-tensors `nvfp4-pack-quantized`: `weight_packed`, `weight_scale`,
 *   `weight_global_scale` = 1/g): w = fl32(e2m1 · fl32(s / global)), as compressed-tensors' `_dequantize`.
 *
 * E2M1 levels by code: 0, 0.5, 1, 1.5, 2, 3, 4, 6, then the same negated (bit 3 is the sign).
 * Keys: scaleByte·16 + code (4,096 keys whatever the layer's size). Each byte is first counted as the
 * pair (scale byte, code byte) in a 65,536-entry table — one increment per two values — and split into
 * its two nibbles when the task ends.
 */
import { float8E4M3FromBits } from "../floatBits.js";
import type { SourcePool } from "../../io/byteSource.js";
import type { EncodingOf, QuantDecoder, QuantLayout } from "./decoder.js";
import { readSideBytes, readSideScalar } from "./side.js";

type Encoding = EncodingOf<"microscaled">;

export const E2M1_LEVELS = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6] as const;

export function microscaledLayout(): QuantLayout {
  return { unitBytes: 1, unitElements: 2, keySpace: 256 * 16 };
}

/** Scale of each scale byte, for the variant. */
function blockScales(encoding: Encoding, global: number): Float64Array {
  const scales = new Float64Array(256);
  for (let s = 0; s < 256; s++) {
    if (encoding.variant === "mxfp4") scales[s] = s === 255 ? NaN : 2 ** (s - 127);
    else if (encoding.variant === "nvfp4-modelopt") scales[s] = Math.fround(float8E4M3FromBits(s) * global);
    else scales[s] = Math.fround(float8E4M3FromBits(s) / global);
  }
  return scales;
}

export async function prepareMicroscaled(encoding: Encoding, pool: SourcePool, startByte: number, endByte: number): Promise<QuantDecoder> {
  const bytesPerScale = encoding.block / 2;
  const s0 = Math.floor(startByte / bytesPerScale);
  const s1 = Math.ceil(endByte / bytesPerScale);
  const scaleBytes = await readSideBytes(pool, encoding.scale, s0, s1);
  const global = encoding.global ? await readSideScalar(pool, encoding.global, encoding.global.ranges[0]?.source ?? "", encoding.global.name) : 1;
  const scales = blockScales(encoding, global);
  const value = (key: number): number => Math.fround(E2M1_LEVELS[key & 15]! * scales[key >>> 4]!);
  // Value of every (scale byte, code byte) pair's two nibbles, for the float path.
  return {
    unitBytes: 1,
    unitElements: 2,
    keyStart: 0,
    keyEnd: 4096,
    value,
    count(bytes, firstUnit, table) {
      const pairs = new Uint32Array(65536);
      let i = 0;
      while (i < bytes.length) {
        const byte = firstUnit + i;
        const scaleIndex = Math.floor(byte / bytesPerScale);
        const end = Math.min(bytes.length, (scaleIndex + 1) * bytesPerScale - firstUnit);
        const base = scaleBytes[scaleIndex - s0]! << 8;
        for (; i < end; i++) pairs[base | bytes[i]!]!++;
      }
      for (let pair = 0; pair < 65536; pair++) {
        const n = pairs[pair]!;
        if (n === 0) continue;
        const base = (pair >>> 8) << 4;
        table[base | (pair & 15)]! += n;
        table[base | ((pair >>> 4) & 15)]! += n;
      }
    },
    decode(bytes, firstUnit, out) {
      let i = 0;
      while (i < bytes.length) {
        const byte = firstUnit + i;
        const scaleIndex = Math.floor(byte / bytesPerScale);
        const end = Math.min(bytes.length, (scaleIndex + 1) * bytesPerScale - firstUnit);
        const scale = scales[scaleBytes[scaleIndex - s0]!]!;
        for (; i < end; i++) {
          const code = bytes[i]!;
          out[2 * i] = E2M1_LEVELS[code & 15]! * scale;
          out[2 * i + 1] = E2M1_LEVELS[code >>> 4]! * scale;
        }
      }
      return 2 * bytes.length;
    },
  };
}
