/**
 * The contract every checkpoint-quantisation decoder meets (one file per scheme family beside this
 * one). A decoded value is a code's level times its group's scale (minus a zero point), rounded once
 * to float32, computed in the order the scheme's reference dequantiser computes it.
 *
 * Two ways to accumulate a layer (src/analysis/accumulateQuantized.ts):
 * - **keys** (exact, one pass): every element maps to a key — (scale code, code), (scale pattern,
 *   code − zero) or (group, code) — whose value depends on the key alone, so counting keys is
 *   counting values. A layer is counted this way when its whole key space is at most `MAX_KEYS`.
 * - **floats** (the fallback): the codes are decoded to float32 values and take the F32 path (two
 *   passes, like a float32 checkpoint), e.g. bitsandbytes 4-bit, whose absmax per 64 values would
 *   make a key per 4 values.
 */
import type { QuantizedEncoding } from "../../io/quantizedEncoding.js";

/** Largest key space counted exactly: 2^21 keys (8 MiB of Uint32 counts per task). */
export const MAX_KEYS = 1 << 21;

/** What the main thread needs to plan a layer, from the encoding alone (no I/O). */
export interface QuantLayout {
  /** Bytes of the smallest self-contained piece of the code stream, and the values it holds. */
  unitBytes: number;
  unitElements: number;
  /** Size of the key space when the layer is counted by keys, else undefined (float path). */
  keySpace: number | undefined;
  /** Task ranges are cut at multiples of this (whole scale groups, so tasks share no keys); default unitBytes. */
  rangeUnitBytes?: number;
}

/** A decoder prepared for one byte range of the codes (its side tensors read). */
export interface QuantDecoder {
  unitBytes: number;
  unitElements: number;
  /** Decode whole units starting at unit `firstUnit` of the tensor into `out`; returns the number of values. */
  decode(bytes: Uint8Array, firstUnit: number, out: Float32Array): number;
  /** Present on the key path: the keys this range can produce, [keyStart, keyEnd). */
  keyStart: number;
  keyEnd: number;
  /** When only some keys can occur: segments [start, start + length) of the key range that can (others are 0). */
  keySegments?: { starts: Uint32Array; length: number };
  /** Count the keys of whole units starting at `firstUnit`: table[key − keyStart]++ (with `segments`, in WebAssembly where it can). */
  count?(bytes: Uint8Array, firstUnit: number, table: Uint32Array, segments?: SegmentCounter): void;
  /** The float32 value of a key. */
  value(key: number): number;
}

/** Byte counting into per-segment tables in WebAssembly memory (stats/kernels.ts implements it). */
export interface SegmentCounter {
  maxSegments: number;
  holds(view: ArrayBufferView): boolean;
  countSegments(codes: Uint8Array, shift: number, firstSegment: number): void;
  foldSegments(into: Uint32Array, offset: number, segments: number): void;
}

export type EncodingOf<S extends QuantizedEncoding["scheme"]> = Extract<QuantizedEncoding, { scheme: S }>;
