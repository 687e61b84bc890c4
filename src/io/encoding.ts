/**
 * How a tensor's bytes become values, as plain serialisable data: readers describe the storage
 * scheme, the decoding layer (src/decode/encodings.ts) implements each member, and the descriptor
 * travels to worker threads inside a task. A new storage scheme adds a member here and its codec there.
 */

import type { QuantizedEncoding } from "./quantizedEncoding.js";

/** Float element types that are decoded bit-exactly (see decode/floatBits.ts). */
export type FloatDType =
  | "F64"
  | "F32"
  | "F16"
  | "BF16"
  | "F8_E4M3"
  | "F8_E5M2"
  | "F8_E4M3FNUZ"
  | "F8_E5M2FNUZ";

/** Integer storage of quantised codes. */
export type IntegerStorage = "u8" | "i8" | "u16" | "i16";

/** ggml block-quantised types that are decoded (decode/ggmlBlocks.ts). */
export type GgmlBlockType = "Q4_0" | "Q4_1" | "Q5_0" | "Q5_1" | "Q8_0" | "Q2_K" | "Q3_K" | "Q4_K" | "Q5_K" | "Q6_K";

/**
 * How bytes become values. Formats add members here when they bring a new storage scheme; each member
 * has one implementation in decode/encodings.ts.
 */
export type Encoding =
  /** Plain IEEE-style floats, little-endian unless `bigEndian`. */
  | { kind: "float"; dtype: FloatDType; bigEndian?: boolean }
  /** Affine quantisation with one scale for the whole tensor: value = (q − zeroPoint) · scale + offset. */
  | { kind: "affine"; storage: IntegerStorage; scale: number; zeroPoint: number; offset: number }
  /**
   * Affine quantisation with one (scale, zeroPoint) per channel (TFLite per-axis quantisation):
   * element i belongs to channel c = ⌊i / channelStride⌋ mod scales.length, and
   * value = (q − zeroPoints[c]) · scales[c]. channelStride is the product of the dims after the axis.
   */
  | { kind: "affine-per-channel"; storage: IntegerStorage; scales: number[]; zeroPoints: number[]; channelStride: number }
  /**
   * Bit patterns of a ≤ 16-bit float dtype stored as protobuf varints (ONNX `int32_data` of FLOAT16,
   * BFLOAT16 and FLOAT8 tensors): variable-length, so the stream is decoded sequentially from its
   * start in one pass and never split. `elements`, `bytes` (the total of the ranges), `file` and
   * `tensor` let the decoder check that the stream holds exactly `elements` varints and say where
   * it does not.
   */
  | { kind: "varint"; dtype: FloatDType; elements: number; bytes: number; file: string; tensor: string }
  /**
   * ggml block quantisation (GGUF): fixed-size blocks of 32–256 values, each with its own scales,
   * dequantised as ggml does. One unit is one block, so chunks and task ranges are cut between blocks.
   */
  | { kind: "ggml-block"; type: GgmlBlockType }
  /**
   * Checkpoint quantisation schemes (FP8 with scales, MXFP4, NVFP4, GPTQ, AWQ, bitsandbytes,
   * compressed-tensors): codes in the ranges, side tensors (scales, zero points) described inside;
   * decoded by src/decode/quant/ (see quantizedEncoding.ts).
   */
  | QuantizedEncoding;
