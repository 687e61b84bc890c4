/**
 * What a decoder offers the accumulators, whatever the storage scheme: how many bytes make an
 * indivisible unit (chunks are cut at unit boundaries, so a chunk decodes on its own), and either a
 * code view (≤ 2^16 levels, counted raw and decoded once through a level table) or a float decoder.
 * Kept apart from encodings.ts so that scheme files (ggmlBlocks.ts, …) and the dispatcher both
 * depend on it without depending on each other.
 */

export interface CodeCodec {
  type: "codes";
  unitBytes: number;
  /**
   * Set when codes are variable-length (protobuf varints): `codes` keeps state between calls, so
   * the chunks must come in order from the start of the tensor, in one pass, and never be split.
   */
  sequential?: boolean;
  bits: 8 | 16;
  /** Value of each code. */
  levels: Float64Array;
  /** View a chunk as codes (little-endian 16-bit codes are read as Uint16Array). */
  codes(bytes: Uint8Array): Uint8Array | Uint16Array;
}

export interface FloatCodec {
  type: "floats";
  unitBytes: number;
  /** Elements per unit (1 for plain dtypes; the block size for block-quantised formats). */
  unitElements: number;
  /** Decode whole units. The result may alias `bytes` or a scratch buffer reused by the next call. */
  decode(bytes: Uint8Array, firstElement: number): Float32Array | Float64Array;
}

export type Codec = CodeCodec | FloatCodec;
