/**
 * The one record every reader yields. Readers only describe *where* a tensor's bytes are and *how* to
 * decode them (`TensorData`, plain serialisable data); reading, decoding and accumulating are done by
 * the shared layers below them, so a new format never touches the analysis and a worker thread can be
 * handed a tensor as a message.
 */

/** Float element types that are decoded bit-exactly (see floatBits.ts). */
export type FloatDType =
  | "F64"
  | "F32"
  | "F16"
  | "BF16"
  | "F8_E4M3"
  | "F8_E5M2"
  | "F8_E4M3FNUZ"
  | "F8_E5M2FNUZ";

export type IntegerStorage = "u8" | "i8" | "u16" | "i16";

/** ggml block-quantised types that are decoded (formats/gguf/ggmlBlocks.ts). */
export type GgmlBlockType = "Q4_0" | "Q4_1" | "Q5_0" | "Q5_1" | "Q8_0" | "Q2_K" | "Q3_K" | "Q4_K" | "Q5_K" | "Q6_K";

/**
 * How bytes become values. Formats add members here when they bring a new storage scheme; each member
 * has one implementation in encodings.ts.
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
  | { kind: "ggml-block"; type: GgmlBlockType };

/** A contiguous byte range of one source (a local path, or a URL for remote sources). */
export interface ByteRange {
  source: string;
  offset: number;
  length: number;
}

/**
 * The ranges hold a raw deflate stream (a zip member's data) instead of the tensor's bytes: the
 * tensor's bytes are [start, start + bytes) of what it inflates to. A deflate stream decodes only
 * from its start, so such a tensor is streamed in one pass and never split into parallel ranges.
 * `inflatedBytes` (the zip entry's declared size) bounds the inflation: a stream that inflates to
 * more (a zip bomb with a lying header) or less is an error, never read further.
 */
export interface DeflateCompression {
  method: "deflate-raw";
  inflatedBytes: number;
  start: number;
  bytes: number;
  /** For error messages: the archive and the member inside it. */
  file: string;
  member: string;
  /** The zip entry's CRC-32 of the inflated content, checked whenever the stream is inflated to its end. */
  crc32?: number;
}

/**
 * A stored zip member whose content is [prefix][the tensor's bytes], the tensor reaching the member's
 * end: the CRC-32 of the prefix (computed by the reader, which read it as a header) combined with the
 * CRC-32 of the tensor's bytes (computed as they stream by, in the first pass) must equal the entry's.
 */
export interface MemberChecksum {
  crc32: number;
  prefixBytes: number;
  prefixCrc32: number;
  file: string;
  member: string;
}

/** Where a tensor's bytes live and how to read them: the ranges are concatenated in order. */
export interface TensorData {
  ranges: ByteRange[];
  encoding: Encoding;
  /** Number of elements the ranges decode to (= product of shape). */
  elements: number;
  /** Set when the ranges are compressed (see DeflateCompression). */
  compression?: DeflateCompression;
  /** Set when the bytes end a stored zip member whose CRC-32 is to be checked (see MemberChecksum). */
  checksum?: MemberChecksum;
}

export interface TensorRecord {
  /** Unique within the model (readers prefix a graph path when the format repeats names). */
  name: string;
  /** The name as stored, when `name` had to be made unique. */
  originalName?: string;
  /** Storage dtype in the format's own vocabulary, upper-cased (F32, BF16, Q4_K, UINT8, …). */
  dtype: string;
  shape: number[];
  /** Product of `shape` (1 for a scalar). */
  params: number;
  /** Absent when the tensor is not analysed; `skipReason` says why. */
  data?: TensorData;
  skipReason?: string;
  /** Set when the stored values are quantised and were decoded to real values: the scheme, in words. */
  quantization?: string;
}

/** A model opened by a reader: its files, metadata and tensor records (no tensor data read yet). */
export interface OpenedModel {
  /** Display path of the model (the file, the index, or the directory given). */
  path: string;
  format: string;
  files: string[];
  /** Sum of the sizes of `files` in bytes. */
  bytes: number;
  metadata: Record<string, string>;
  tensors: TensorRecord[];
}

/** Product of a shape with overflow detection; returns undefined when not a safe integer. */
export function shapeProduct(shape: readonly number[]): number | undefined {
  let product = 1;
  for (const dim of shape) {
    product *= dim;
    if (!Number.isSafeInteger(product)) return undefined;
  }
  return product;
}
