/**
 * The ggml tensor types a GGUF file can hold (ggml/include/ggml.h `enum ggml_type`, an append-only
 * enum with gaps) with their block geometry from ggml-common.h: `blockElements` values are stored in
 * `blockBytes` bytes (1 and the element size for plain types). The geometry of every known type is
 * listed, decoded or not, so the data layout of a file can be checked tensor by tensor.
 */
import type { FloatDType, GgmlBlockType } from "../../io/encoding.js";

export interface GgmlType {
  name: string;
  blockElements: number;
  blockBytes: number;
  /** Plain float storage decoded as floats. */
  float?: FloatDType;
  /** Block quantisation decoded by ggmlBlocks.ts. */
  block?: GgmlBlockType;
  /** Integer storage (not a weight). */
  integer?: boolean;
}

const QK_K = 256;

/** Type id → geometry. Ids 4, 5 and 31–33, 36–38 were removed from ggml and are unknown here. */
export const GGML_TYPES: ReadonlyMap<number, GgmlType> = new Map<number, GgmlType>([
  [0, { name: "F32", blockElements: 1, blockBytes: 4, float: "F32" }],
  [1, { name: "F16", blockElements: 1, blockBytes: 2, float: "F16" }],
  [2, { name: "Q4_0", blockElements: 32, blockBytes: 18, block: "Q4_0" }],
  [3, { name: "Q4_1", blockElements: 32, blockBytes: 20, block: "Q4_1" }],
  [6, { name: "Q5_0", blockElements: 32, blockBytes: 22, block: "Q5_0" }],
  [7, { name: "Q5_1", blockElements: 32, blockBytes: 24, block: "Q5_1" }],
  [8, { name: "Q8_0", blockElements: 32, blockBytes: 34, block: "Q8_0" }],
  [9, { name: "Q8_1", blockElements: 32, blockBytes: 36 }],
  [10, { name: "Q2_K", blockElements: QK_K, blockBytes: 84, block: "Q2_K" }],
  [11, { name: "Q3_K", blockElements: QK_K, blockBytes: 110, block: "Q3_K" }],
  [12, { name: "Q4_K", blockElements: QK_K, blockBytes: 144, block: "Q4_K" }],
  [13, { name: "Q5_K", blockElements: QK_K, blockBytes: 176, block: "Q5_K" }],
  [14, { name: "Q6_K", blockElements: QK_K, blockBytes: 210, block: "Q6_K" }],
  [15, { name: "Q8_K", blockElements: QK_K, blockBytes: 292 }],
  [16, { name: "IQ2_XXS", blockElements: QK_K, blockBytes: 66 }],
  [17, { name: "IQ2_XS", blockElements: QK_K, blockBytes: 74 }],
  [18, { name: "IQ3_XXS", blockElements: QK_K, blockBytes: 98 }],
  [19, { name: "IQ1_S", blockElements: QK_K, blockBytes: 50 }],
  [20, { name: "IQ4_NL", blockElements: 32, blockBytes: 18 }],
  [21, { name: "IQ3_S", blockElements: QK_K, blockBytes: 110 }],
  [22, { name: "IQ2_S", blockElements: QK_K, blockBytes: 82 }],
  [23, { name: "IQ4_XS", blockElements: QK_K, blockBytes: 136 }],
  [24, { name: "I8", blockElements: 1, blockBytes: 1, integer: true }],
  [25, { name: "I16", blockElements: 1, blockBytes: 2, integer: true }],
  [26, { name: "I32", blockElements: 1, blockBytes: 4, integer: true }],
  [27, { name: "I64", blockElements: 1, blockBytes: 8, integer: true }],
  [28, { name: "F64", blockElements: 1, blockBytes: 8, float: "F64" }],
  [29, { name: "IQ1_M", blockElements: QK_K, blockBytes: 56 }],
  [30, { name: "BF16", blockElements: 1, blockBytes: 2, float: "BF16" }],
  [34, { name: "TQ1_0", blockElements: QK_K, blockBytes: 54 }],
  [35, { name: "TQ2_0", blockElements: QK_K, blockBytes: 66 }],
  [39, { name: "MXFP4", blockElements: 32, blockBytes: 17 }],
  [40, { name: "NVFP4", blockElements: 64, blockBytes: 36 }],
  [41, { name: "Q1_0", blockElements: 128, blockBytes: 18 }],
  [42, { name: "Q2_0", blockElements: 64, blockBytes: 18 }],
]);

/** How each decoded block type stores values, for the `quantization` field of a layer. */
export const GGML_BLOCK_DESCRIPTIONS: Record<GgmlBlockType, string> = {
  Q4_0: "ggml Q4_0: 4-bit codes, one f16 scale per 32 values",
  Q4_1: "ggml Q4_1: 4-bit codes, f16 scale and min per 32 values",
  Q5_0: "ggml Q5_0: 5-bit codes, one f16 scale per 32 values",
  Q5_1: "ggml Q5_1: 5-bit codes, f16 scale and min per 32 values",
  Q8_0: "ggml Q8_0: 8-bit codes, one f16 scale per 32 values",
  Q2_K: "ggml Q2_K: 2-bit codes, 4-bit scales and mins per 16 values, f16 scales per 256",
  Q3_K: "ggml Q3_K: 3-bit codes, 6-bit scales per 16 values, f16 scale per 256",
  Q4_K: "ggml Q4_K: 4-bit codes, 6-bit scales and mins per 32 values, f16 scales per 256",
  Q5_K: "ggml Q5_K: 5-bit codes, 6-bit scales and mins per 32 values, f16 scales per 256",
  Q6_K: "ggml Q6_K: 6-bit codes, 8-bit scales per 16 values, f16 scale per 256",
};
