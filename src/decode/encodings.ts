/**
 * One implementation per `Encoding`: how many bytes make an indivisible unit (chunks are cut at unit
 * boundaries, so a chunk decodes on its own), and either
 * - `codes`: values take ≤ 2^16 levels: the accumulator counts raw codes and decodes the level table
 *   once (exact and fastest), or
 * - `decode`: turn a chunk of whole units into float values (a zero-copy view where possible).
 */
import { InputError } from "../errors.js";
import {
  bfloat16FromBits,
  decodeTable,
  float16FromBits,
  float8E4M3FnuzFromBits,
  float8E4M3FromBits,
  float8E5M2FnuzFromBits,
  float8E5M2FromBits,
} from "./floatBits.js";
import type { Encoding, FloatDType, IntegerStorage } from "../io/encoding.js";
import type { CodeCodec, Codec, FloatCodec } from "./codec.js";
import { ggmlBlockCodec } from "./ggmlBlocks.js";

export type { CodeCodec, Codec, FloatCodec } from "./codec.js";

const levelCache = new Map<string, Float64Array>();
function cachedLevels(key: string, make: () => Float64Array): Float64Array {
  let levels = levelCache.get(key);
  if (!levels) {
    levels = make();
    levelCache.set(key, levels);
  }
  return levels;
}

const FLOAT_CODES: Partial<Record<FloatDType, { bits: 8 | 16; decode: (pattern: number) => number }>> = {
  F16: { bits: 16, decode: float16FromBits },
  BF16: { bits: 16, decode: bfloat16FromBits },
  F8_E4M3: { bits: 8, decode: float8E4M3FromBits },
  F8_E5M2: { bits: 8, decode: float8E5M2FromBits },
  F8_E4M3FNUZ: { bits: 8, decode: float8E4M3FnuzFromBits },
  F8_E5M2FNUZ: { bits: 8, decode: float8E5M2FnuzFromBits },
};

export const FLOAT_DTYPE_BYTES: Record<FloatDType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  F8_E4M3: 1,
  F8_E5M2: 1,
  F8_E4M3FNUZ: 1,
  F8_E5M2FNUZ: 1,
};

const STORAGE: Record<IntegerStorage, { bits: 8 | 16; signed: boolean }> = {
  u8: { bits: 8, signed: false },
  i8: { bits: 8, signed: true },
  u16: { bits: 16, signed: false },
  i16: { bits: 16, signed: true },
};

function codeView(bits: 8 | 16, bigEndian: boolean): (bytes: Uint8Array) => Uint8Array | Uint16Array {
  if (bits === 8) return (bytes) => bytes;
  if (!bigEndian) return (bytes) => alignedView(bytes, 2, Uint16Array);
  let scratch = new Uint16Array(0);
  return (bytes) => {
    const n = bytes.length >>> 1;
    if (scratch.length < n) scratch = new Uint16Array(n);
    for (let i = 0; i < n; i++) scratch[i] = (bytes[2 * i]! << 8) | bytes[2 * i + 1]!;
    return scratch.subarray(0, n);
  };
}

type TypedArrayConstructor<T> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; new (length: number): T };

/** A typed view of `bytes`, copying only when the offset is not aligned for the element size. */
function alignedView<T>(bytes: Uint8Array, size: number, Type: TypedArrayConstructor<T>): T {
  const length = Math.floor(bytes.length / size);
  if (bytes.byteOffset % size === 0) return new Type(bytes.buffer, bytes.byteOffset, length);
  const copy = new Uint8Array(length * size);
  copy.set(bytes.subarray(0, length * size));
  return new Type(copy.buffer, 0, length);
}

function byteSwapped(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j]!;
  return out;
}

export function createCodec(encoding: Encoding): Codec {
  switch (encoding.kind) {
    case "float": {
      const { dtype } = encoding;
      const bigEndian = encoding.bigEndian ?? false;
      const code = FLOAT_CODES[dtype];
      if (code) {
        return {
          type: "codes",
          unitBytes: code.bits / 8,
          bits: code.bits,
          levels: cachedLevels(dtype, () => decodeTable(code.bits, code.decode)),
          codes: codeView(code.bits, bigEndian),
        };
      }
      const size = FLOAT_DTYPE_BYTES[dtype];
      return {
        type: "floats",
        unitBytes: size,
        unitElements: 1,
        decode: (bytes) => {
          const source = bigEndian ? byteSwapped(bytes, size) : bytes;
          return size === 4 ? alignedView(source, 4, Float32Array) : alignedView(source, 8, Float64Array);
        },
      };
    }
    case "affine": {
      const { bits, signed } = STORAGE[encoding.storage];
      const { scale, zeroPoint, offset } = encoding;
      // Frameworks dequantise in float32, so the levels are rounded to float32 as they would be.
      // Not cached: every tensor has its own scale, and a table costs ~1 ms to build.
      const levels = decodeTable(bits, (pattern) => {
        const q = signed && pattern >= 1 << (bits - 1) ? pattern - (1 << bits) : pattern;
        return Math.fround((q - zeroPoint) * scale + offset);
      });
      return { type: "codes", unitBytes: bits / 8, bits, levels, codes: codeView(bits, false) };
    }
    case "affine-per-channel":
      return perChannelCodec(encoding);
    case "varint":
      return varintCodec(encoding);
    case "ggml-block":
      return ggmlBlockCodec(encoding.type);
    case "quantized":
      // Needs its side tensors read first: decoders are prepared per task (src/decode/quant/).
      throw new RangeError(`${encoding.scheme} storage is decoded by src/decode/quant/, not by a codec`);
  }
}

/**
 * Per-channel affine: more than 2^16 levels in general (one level table per channel), so a floats
 * codec. 8-bit storage decodes through a table of 256 float32 levels per channel; 16-bit computes
 * each value. Values are rounded to float32, as the frameworks' dequantisation produces them.
 */
function perChannelCodec(encoding: Extract<Encoding, { kind: "affine-per-channel" }>): FloatCodec {
  const { bits, signed } = STORAGE[encoding.storage];
  const { scales, zeroPoints, channelStride } = encoding;
  const channels = scales.length;
  const unitBytes = bits / 8;
  const signedValue = (pattern: number): number => (signed && pattern >= 1 << (bits - 1) ? pattern - (1 << bits) : pattern);
  // A level table costs 1 KiB per channel: used for 8-bit storage up to 4096 channels.
  const table = bits === 8 && channels <= 4096 ? new Float32Array(256 * channels) : undefined;
  if (table) {
    for (let c = 0; c < channels; c++) for (let p = 0; p < 256; p++) table[c * 256 + p] = (signedValue(p) - zeroPoints[c]!) * scales[c]!;
  }
  let scratch = new Float32Array(0);
  return {
    type: "floats",
    unitBytes,
    unitElements: 1,
    decode(bytes, firstElement) {
      const n = Math.floor(bytes.length / unitBytes);
      if (scratch.length < n) scratch = new Float32Array(n);
      let channel = Math.floor(firstElement / channelStride) % channels;
      let within = firstElement % channelStride;
      for (let i = 0; i < n; i++) {
        if (table) scratch[i] = table[channel * 256 + bytes[i]!]!;
        else scratch[i] = (signedValue(bits === 8 ? bytes[i]! : bytes[2 * i]! | (bytes[2 * i + 1]! << 8)) - zeroPoints[channel]!) * scales[channel]!;
        if (++within === channelStride) {
          within = 0;
          channel = channel + 1 === channels ? 0 : channel + 1;
        }
      }
      return scratch.subarray(0, n);
    },
  };
}

/**
 * Protobuf varints (little-endian base-128, high bit = more bytes follow) holding bit patterns of a
 * ≤ 16-bit float dtype. Decoded sequentially with the partial varint carried across chunks; the
 * count of varints must equal `elements` and every pattern must fit the dtype's width.
 */
function varintCodec(encoding: Extract<Encoding, { kind: "varint" }>): CodeCodec {
  const code = FLOAT_CODES[encoding.dtype];
  if (!code) throw new RangeError(`varint storage needs an 8- or 16-bit float dtype, not ${encoding.dtype}`);
  const { bits } = code;
  const limit = 2 ** bits;
  const fail = (detail: string): never => {
    throw new InputError("malformed", encoding.file, `int32_data (${encoding.dtype} bit patterns as varints) ${detail}`, encoding.tensor);
  };
  let value = 0;
  let shift = 0;
  let count = 0;
  let consumed = 0;
  let scratch: Uint8Array | Uint16Array = bits === 8 ? new Uint8Array(0) : new Uint16Array(0);
  return {
    type: "codes",
    unitBytes: 1,
    bits,
    sequential: true,
    levels: cachedLevels(encoding.dtype, () => decodeTable(bits, code.decode)),
    codes(bytes) {
      if (scratch.length < bytes.length) scratch = bits === 8 ? new Uint8Array(bytes.length) : new Uint16Array(bytes.length);
      let n = 0;
      for (let i = 0; i < bytes.length; i++) {
        const byte = bytes[i]!;
        value += (byte & 0x7f) * 2 ** shift;
        if (byte & 0x80) {
          shift += 7;
          if (shift >= 70) fail("holds a varint longer than 10 bytes");
          continue;
        }
        if (value >= limit) fail(`holds ${value}, which is not a ${bits}-bit pattern`);
        scratch[n++] = value;
        value = 0;
        shift = 0;
      }
      count += n;
      consumed += bytes.length;
      if (count > encoding.elements) fail(`holds more than the ${encoding.elements} values its dims promise`);
      if (consumed >= encoding.bytes) {
        if (shift !== 0) fail("ends inside a varint");
        if (count !== encoding.elements) fail(`holds ${count} values but its dims promise ${encoding.elements}`);
      }
      return scratch.subarray(0, n);
    },
  };
}
