/**
 * Serialisable description of a tensor stored in a checkpoint quantisation scheme (FP8 with scales,
 * MXFP4, NVFP4, GPTQ, AWQ, bitsandbytes, compressed-tensors): where the codes are (the tensor's own
 * `TensorData.ranges`) and where the side tensors the decoder consumes are (scales, zero points,
 * group indices, quant maps). Plain data, so a task can be posted to a worker thread; the decoders
 * are in src/decode/quant/, the detection that builds these in src/formats/quantization/; the
 * union member of `Encoding` (encoding.ts).
 */
/** A tensor a decoder reads besides the codes (small next to them), as stored. */
export interface SideTensor {
  name: string;
  /** safetensors dtype (F32, BF16, F16, F8_E4M3, U8, I32, …). */
  dtype: string;
  shape: number[];
  /** Where its bytes are: a tensorData.ts `ByteRange[]` (written out: tensorData.ts imports this file's types through encoding.ts). */
  ranges: { source: string; offset: number; length: number }[];
}

/**
 * One code per byte times a scale: FP8 (E4M3/E5M2) codes, or int8 codes (bitsandbytes LLM.int8,
 * compressed-tensors int-quantized). The logical tensor is [rows, cols] (leading dims folded into rows).
 * - `tensor`: one scale; `channel`: one per row; `block`: one per blockRows × blockCols block
 *   (DeepSeek-V3's `weight_scale_inv`, 128×128), scale index ⌊r/blockRows⌋·⌈cols/blockCols⌉ + ⌊c/blockCols⌋.
 * - `rule`: `product` w = code·s; `bnb-int8` w = (q·SCB)·(1/127) in two float32 steps, as
 *   bitsandbytes' `int8_vectorwise_dequant`.
 * - `zero` (int8 only): per-row (or per-tensor) zero point, w = (q − z)·s.
 */
export interface ByteScaledEncoding {
  kind: "quantized";
  scheme: "byte-scaled";
  code: "F8_E4M3" | "F8_E5M2" | "I8";
  rows: number;
  cols: number;
  layout: "tensor" | "channel" | "block";
  blockRows: number;
  blockCols: number;
  rule: "product" | "bnb-int8";
  scale: SideTensor;
  zero?: SideTensor;
}

/**
 * FP4 (E2M1) codes, two per byte, low nibble first, with one scale per `block` consecutive values:
 * - `mxfp4` (OCP MX, gpt-oss `*_blocks`/`*_scales`): E8M0 scale byte s, w = e2m1 · 2^(s − 127).
 * - `nvfp4-modelopt`: FP8 E4M3 scale per 16, F32 `weight_scale_2` g: w = e2m1 · (s·g).
 * - `nvfp4-ct` (compressed-tensors `nvfp4-pack-quantized`): `weight_global_scale` g: w = e2m1 · (s/g).
 */
export interface MicroscaledEncoding {
  kind: "quantized";
  scheme: "microscaled";
  variant: "mxfp4" | "nvfp4-modelopt" | "nvfp4-ct";
  block: number;
  elements: number;
  scale: SideTensor;
  global?: SideTensor;
}

/**
 * b-bit integer codes packed into int32 words, low bits first, with a scale (and zero point) per
 * group of input features. The logical weight is [out, in] (nn.Linear); w = (u − z)·s with u the
 * unsigned code.
 * - `gptq`: qweight [in·b/32, out] packed along `in`; qzeros [groups, out·b/32]; scales [groups, out];
 *   g_idx [in] (act-order) or group = ⌊i/groupSize⌋; z = stored + 1 for `checkpoint_format` gptq (v1).
 * - `awq`: qweight [in, out·b/32] packed along `out` in AutoAWQ's order [0, 2, 4, 6, 1, 3, 5, 7];
 *   qzeros likewise; scales [groups, out]; z = stored.
 * - `ct-pack` (compressed-tensors pack-quantized): weight_packed [out, in·b/32] packed along `in`,
 *   stored u = q + 2^(b−1); weight_scale [out, groups]; weight_zero_point packed along `out`
 *   ([out·b/32, groups]) or absent (symmetric: z = 2^(b−1)); optional weight_g_idx [in].
 */
export interface IntGroupEncoding {
  kind: "quantized";
  scheme: "int-group";
  variant: "gptq" | "awq" | "ct-pack";
  bits: number;
  inFeatures: number;
  outFeatures: number;
  groupSize: number;
  groups: number;
  /** Added to stored zero points (1 for GPTQ v1 checkpoints). */
  zeroOffset: number;
  scale: SideTensor;
  zero?: SideTensor;
  gIdx?: SideTensor;
}

/**
 * bitsandbytes 4-bit (NF4/FP4): two codes per byte, high nibble first, over the flattened tensor;
 * w = quant_map[code] · absmax[⌊e/blocksize⌋]. With double quantisation the absmax are themselves
 * 8-bit codes: absmax = (nested_quant_map[q] · nested_absmax[⌊b/nestedBlocksize⌋]) + offset.
 */
export interface Bnb4bitEncoding {
  kind: "quantized";
  scheme: "bnb-4bit";
  quantType: string;
  elements: number;
  blocksize: number;
  quantMap: number[];
  absmax: SideTensor;
  nested?: { absmax: SideTensor; quantMap: number[]; blocksize: number; offset: number };
}

/** How a quantised checkpoint stores a tensor: one member per family of schemes (docs/METHOD.md §10). */
export type QuantizedEncoding = ByteScaledEncoding | MicroscaledEncoding | IntGroupEncoding | Bnb4bitEncoding;

/** What a decoded layer reports about its storage (`quantization_scheme` in the JSON). */
export interface QuantizationInfo {
  /** fp8, mxfp4, nvfp4, gptq, awq, bnb-int8, bnb-nf4, bnb-fp4, ct-int8, ct-fp8, ct-int4, … */
  scheme: string;
  /** Bits per stored code. */
  bits: number;
  /** Values sharing one scale: a block/group size, the row length (per channel), or the tensor. */
  block_size: number;
  /** How the scales are laid out: tensor, channel, block, group. */
  granularity: string;
  /** Element format of the codes: E4M3, E5M2, E2M1, INT4, INT8, NF4, … */
  code: string;
  /** Format of the scales: F32, BF16, F16, E8M0, E4M3, … (with `×F32` for a second, global scale). */
  scale: string;
  zero_point: boolean;
  /** Where the scheme came from: `config.json` (its quantization_config) or `tensors` (names, dtypes, shapes). */
  detected_from: string;
}
