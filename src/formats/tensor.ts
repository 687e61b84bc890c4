/**
 * The one record every reader yields. Readers only describe *where* a tensor's bytes are and *how* to
 * decode them (`TensorData`, plain serialisable data defined in io/tensorData.ts and io/encoding.ts);
 * reading, decoding and accumulating are done by the shared layers below them, so a new format never
 * touches the analysis and a worker thread can be handed a tensor as a message.
 */
import type { QuantizationInfo } from "../io/quantizedEncoding.js";
import type { ByteRange, DeflateCompression, TensorData } from "../io/tensorData.js";

/**
 * The stored bytes of a tensor of any fixed-width dtype, analysed or not (integers included), in the
 * file's element order: for callers that read tensors as data rather than as weights (quantisation
 * detection, `jaynes init`'s copies, `jaynes activations`' inputs).
 */
export interface TensorStorage {
  ranges: ByteRange[];
  compression?: DeflateCompression;
  itemBytes: number;
  bigEndian?: boolean;
  /** NumPy Fortran order: the first axis varies fastest. */
  columnMajor?: boolean;
}

/** One tensor as a reader describes it: name, dtype, shape and where its bytes are. */
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
  /**
   * Set when the bytes hold the elements in an order other than row-major over `shape` (a NumPy
   * array in Fortran order, a transposed PyTorch view): the multiset of values, which is all an
   * analysis needs, but not their positions.
   */
  permuted?: boolean;
  /** Set when the stored values are quantised and were decoded to real values: the scheme, in words. */
  quantization?: string;
  /** The scheme as structured data, for checkpoint quantisation schemes (src/formats/quantization/). */
  quantizationInfo?: QuantizationInfo;
  /**
   * Where the tensor's bytes are as stored, for readers that locate them (safetensors: every
   * byte-aligned dtype; NumPy: every array; PyTorch: integer tensors in stored members), also for
   * tensors that are not analysed: quantisation detection reads codes and scales from here, `jaynes
   * init` copies integer tensors from here, and `jaynes activations` reads inputs from here.
   */
  storage?: TensorStorage;
}

/**
 * What the order of a reader's `tensors` means (formats/depthOrder.ts): `execution` — the order the
 * model's graph uses them; `written` — the order the file was written in, which may follow the
 * model's structure (a PyTorch state_dict); `names` — no structure (writers that sort names).
 */
export type TensorOrder = "execution" | "written" | "names";

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
  /** What the order of `tensors` means; absent: `names`. `openModel` puts them in depth order. */
  order?: TensorOrder;
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
