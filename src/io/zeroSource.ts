/**
 * A byte source that reads as zeros, for the implicit zeros of sparse tensors. The histogram and
 * every statistic of a layer depend on the multiset of its values, not on where they sit, so a
 * sparse tensor (ONNX `sparse_initializer`, TFLite `sparsity`) is densified exactly by streaming its
 * stored values followed by (dense size − stored count) zeros: a `ByteRange` on this source. For
 * every float encoding the all-zero bit pattern is +0 (and a varint 0 is the single byte 0x00).
 */
import { registerSourceOpener, type ByteSource } from "./byteSource.js";
import type { ByteRange } from "../formats/tensor.js";

export const ZERO_SOURCE = "jaynes:zeros";

const zeros: ByteSource = {
  name: ZERO_SOURCE,
  size: Number.MAX_SAFE_INTEGER,
  readExact: async (target) => {
    target.fill(0);
  },
  close: async () => undefined,
};

registerSourceOpener((name) => name === ZERO_SOURCE, async () => zeros);

/** `bytes` zero bytes, as a range to append to a tensor's ranges. */
export function zeroRange(bytes: number): ByteRange {
  return { source: ZERO_SOURCE, offset: 0, length: bytes };
}
