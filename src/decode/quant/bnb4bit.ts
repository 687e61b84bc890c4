/**
 * bitsandbytes 4-bit (NF4, FP4) as `Params4bit` serialises it: `weight` U8 [(n+1)/2, 1], two codes per
 * byte with the *high* nibble first, over the flattened tensor (row-major), in blocks of `blocksize`
 * values; `weight.absmax` F32 per block (or, with double quantisation, U8 codes of
 * `weight.nested_quant_map` with `weight.nested_absmax` per 256 blocks plus `nested_offset`);
 * `weight.quant_map` the 16 levels; the rest of the state is JSON in
 * `weight.quant_state.bitsandbytes__nf4|fp4`.
 *
 * Values, in bitsandbytes' float32 steps (`dequantize_4bit`, `dequantize_blockwise`):
 * absmax_b = fl32(fl32(nested_map[q_b] · nested_absmax[⌊b/256⌋]) + fl32(offset)) when nested,
 * w = fl32(quant_map[code] · absmax_b). The absmax is a float32 per 64 values, so a layer has up to
 * n/4 distinct values: it is decoded to floats (the F32 path), never counted by keys.
 */
import type { SourcePool } from "../../io/byteSource.js";
import type { EncodingOf, QuantDecoder, QuantLayout } from "./decoder.js";
import { readSideValues } from "./side.js";

type Encoding = EncodingOf<"bnb-4bit">;

export function bnb4bitLayout(): QuantLayout {
  return { unitBytes: 1, unitElements: 2, keySpace: undefined };
}

export async function prepareBnb4bit(encoding: Encoding, pool: SourcePool, startByte: number, endByte: number): Promise<QuantDecoder> {
  const { blocksize, elements } = encoding;
  const map = Float32Array.from(encoding.quantMap);
  const b0 = Math.floor((2 * startByte) / blocksize);
  const b1 = Math.min(Math.ceil(elements / blocksize), Math.ceil((2 * endByte) / blocksize));
  let absmax: Float64Array;
  const nested = encoding.nested;
  if (nested) {
    const codes = await readSideValues(pool, encoding.absmax, b0, b1);
    const n0 = Math.floor(b0 / nested.blocksize);
    const n1 = Math.ceil(b1 / nested.blocksize);
    const nestedAbsmax = await readSideValues(pool, nested.absmax, n0, n1);
    const offset = Math.fround(nested.offset);
    absmax = new Float64Array(b1 - b0);
    for (let b = b0; b < b1; b++) {
      const scaled = Math.fround(nested.quantMap[codes[b - b0]!]! * nestedAbsmax[Math.floor(b / nested.blocksize) - n0]!);
      absmax[b - b0] = Math.fround(scaled + offset);
    }
  } else {
    absmax = await readSideValues(pool, encoding.absmax, b0, b1);
  }
  return {
    unitBytes: 1,
    unitElements: 2,
    keyStart: 0,
    keyEnd: 0,
    value: () => NaN,
    decode(bytes, firstUnit, out) {
      let n = 0;
      for (let i = 0; i < bytes.length; i++) {
        const element = 2 * (firstUnit + i);
        const byte = bytes[i]!;
        if (element < elements) out[n++] = map[byte >>> 4]! * absmax[Math.floor(element / blocksize) - b0]!;
        if (element + 1 < elements) out[n++] = map[byte & 15]! * absmax[Math.floor((element + 1) / blocksize) - b0]!;
      }
      return n;
    },
  };
}
