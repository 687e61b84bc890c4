/**
 * A byte source that reads as zeros, for the implicit zeros of sparse tensors. The histogram and
 * every statistic of a layer depend on the multiset of its values, not on where they sit, so a
 * sparse tensor (ONNX `sparse_initializer`, TFLite `sparsity`) is densified exactly by streaming its
 * stored values followed by (dense size − stored count) zeros: a `ByteRange` on this source. For
 * every float encoding the all-zero bit pattern is +0 (and a varint 0 is the single byte 0x00).
 *
 * The zeros are streamed like stored bytes, so their count is bounded relative to what the file
 * holds: a sparse tensor declaring 10^12 elements around a handful of values would otherwise keep
 * the tool busy for hours. The zero source itself is built into io/byteSource.ts (no registration).
 */
import { ZERO_SOURCE } from "./byteSource.js";
import type { ByteRange } from "./tensorData.js";

export { ZERO_SOURCE } from "./byteSource.js";

/** `bytes` zero bytes, as a range to append to a tensor's ranges. */
export function zeroRange(bytes: number): ByteRange {
  return { source: ZERO_SOURCE, offset: 0, length: bytes };
}

/** At most this many implicit zeros per stored value (plus IMPLICIT_ZEROS_FREE), e.g. 99% sparsity. */
export const MAX_ZEROS_PER_VALUE = 100;
const IMPLICIT_ZEROS_FREE = 1 << 24;

/** Why a sparse tensor is not densified, or undefined when its implicit zeros are within bounds. */
export function densifyRefusal(stored: number, dense: number): string | undefined {
  const zeros = dense - stored;
  if (zeros <= MAX_ZEROS_PER_VALUE * stored + IMPLICIT_ZEROS_FREE) return undefined;
  return `sparse tensor of ${dense} elements stores only ${stored} values: more than ${MAX_ZEROS_PER_VALUE} implicit zeros per value are not densified`;
}
