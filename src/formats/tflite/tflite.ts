/**
 * TFLite reader (flatbuffers, schema.ts). Constant tensors are the tensors whose `buffer` index
 * points at a non-empty `Model.buffers` entry: inline `data`, or `offset`/`size` for the bytes kept
 * after the flatbuffer in models > 2 GB. Activations (buffer 0 / empty) are not listed.
 *
 * - FLOAT32, FLOAT16, FLOAT64, BFLOAT16 and the FLOAT8 types are read as floats.
 * - INT8/UINT8/INT16/UINT16 with quantization parameters are dequantised, f = scale·(q − zero_point)
 *   rounded to float32 as TFLite's Dequantize does: one scale → `affine`; one scale per channel
 *   along `quantized_dimension` → `affine-per-channel`. Without parameters they are integers and
 *   skipped, like every other integer type.
 * - Sparse tensors (`sparsity`) store only some values; the layer statistics depend on the multiset
 *   of values, so they are densified by appending the implicit zeros (io/zeroSource.ts), which is
 *   exact. Sparse + per-channel quantization needs positions and is skipped with that reason.
 *
 * Order: TFLite runs a subgraph's operators in the order they are stored, so a subgraph's constant
 * tensors are listed in the order of the first operator that reads them (tensors no operator reads
 * last, in stored order); subgraphs in stored order.
 *
 * Memory: the file is read through PagedByteBuffer (≤ 4 MiB of 16 KiB pages); tensor bytes are
 * never read here, only the length prefix of each buffer's data vector.
 */
import { InputError } from "../../errors.js";
import { isRemoteLocation } from "../../io/location.js";
import { densifyRefusal, zeroRange } from "../../io/zeroSource.js";
import type { ByteRange } from "../../io/tensorData.js";
import type { Encoding } from "../../io/encoding.js";
import { type OpenedModel, type TensorRecord, shapeProduct } from "../tensor.js";
import { PagedByteBuffer } from "./pagedBuffer.js";
import {
  BufferSlot,
  ModelSlot,
  OperatorSlot,
  QuantizationSlot,
  SubGraphSlot,
  TensorSlot,
  type TfliteType,
  float32Vector,
  int32Vector,
  int64Vector,
  int8Field,
  int32Field,
  rootTable,
  stringField,
  tableAt,
  tableField,
  tfliteType,
  uint32Field,
  uint64Field,
  uint8Field,
  vectorField,
} from "./schema.js";
import { TensorBudget } from "../bounds.js";

export const TFLITE_IDENTIFIER = "TFL3";
/** The only schema version TFLite reads (schema.fbs, TFLITE_SCHEMA_VERSION). */
const TFLITE_SCHEMA_VERSION = 3;

/** Content test: the file identifier "TFL3" at bytes 4–7 (after the root table offset). */
export function looksLikeTflite(head: Uint8Array): boolean {
  return head.length >= 8 && String.fromCharCode(head[4]!, head[5]!, head[6]!, head[7]!) === TFLITE_IDENTIFIER;
}

interface BufferLocation {
  range?: ByteRange;
  /** File offset of the Buffer table (for error messages). */
  at: number;
}

function bufferLocation(bb: PagedByteBuffer, buffers: ReturnType<typeof vectorField>, index: number, tensor: string): BufferLocation | undefined {
  if (!buffers || index >= buffers.length) throw new InputError("malformed", bb.file, `buffer index ${index} is out of range (the model has ${buffers?.length ?? 0} buffers)`, tensor);
  const table = tableAt(bb, buffers, index);
  const data = vectorField(bb, table, BufferSlot.data, 1);
  if (data && data.length > 0) return { at: table, range: { source: bb.file, offset: data.start, length: data.length } };
  const offset = uint64Field(bb, table, BufferSlot.offset);
  const size = uint64Field(bb, table, BufferSlot.size);
  if (offset === undefined || size === undefined) throw new InputError("overflow", bb.file, "buffer offset/size exceed 2^53", tensor, table);
  // "only valid if > 1": 0 and 1 mean no out-of-flatbuffer data.
  if (offset <= 1 || size === 0) return undefined;
  if (offset + size > bb.fileSize) {
    throw new InputError("truncated", bb.file, `buffer [${offset}, ${offset + size}) runs past the end of the file (${bb.fileSize} bytes)`, tensor, table);
  }
  return { at: table, range: { source: bb.file, offset, length: size } };
}

interface Quantization {
  scales: number[];
  zeroPoints: number[];
  axis: number;
  custom: boolean;
}

function readQuantization(bb: PagedByteBuffer, tensor: number): Quantization | undefined {
  const table = tableField(bb, tensor, TensorSlot.quantization);
  if (table === undefined) return undefined;
  const scales = float32Vector(bb, table, QuantizationSlot.scale);
  const zeroPoints = int64Vector(bb, table, QuantizationSlot.zeroPoint);
  const custom = uint8Field(bb, table, QuantizationSlot.detailsType) !== 0;
  if (scales.length === 0 && !custom) return undefined;
  return { scales, zeroPoints, axis: int32Field(bb, table, QuantizationSlot.quantizedDimension), custom };
}

/** The encoding of a quantized tensor, or a skip reason. */
function quantizedEncoding(type: TfliteType, quantization: Quantization | undefined, shape: number[], sparse: boolean, file: string, name: string, at: number): { encoding: Encoding; description: string } | { skipReason: string } {
  const storage = type.quantizable!;
  if (!quantization) return { skipReason: `integer dtype ${type.name} without quantization parameters is not a weight` };
  if (quantization.custom) return { skipReason: "custom quantization (QuantizationDetails) is not supported" };
  const { scales, zeroPoints, axis } = quantization;
  if (zeroPoints.length > 0 && zeroPoints.length !== scales.length) {
    throw new InputError("malformed", file, `quantization has ${scales.length} scales but ${zeroPoints.length} zero points`, name, at);
  }
  for (const value of [...scales, ...zeroPoints]) if (!Number.isFinite(value)) throw new InputError("malformed", file, "quantization scale or zero point is not finite", name, at);
  if (scales.length === 1) {
    const scale = scales[0]!;
    const zeroPoint = zeroPoints[0] ?? 0;
    return { encoding: { kind: "affine", storage, scale, zeroPoint, offset: 0 }, description: `${type.name} affine per-tensor (scale ${scale}, zero point ${zeroPoint})` };
  }
  if (axis < 0 || axis >= shape.length || shape[axis] !== scales.length) {
    throw new InputError("malformed", file, `${scales.length} per-channel scales do not match dimension ${axis} of shape [${shape.join(", ")}]`, name, at);
  }
  if (sparse) return { skipReason: "sparse tensor with per-channel quantization (positions are needed to dequantise) is not supported" };
  const channelStride = shapeProduct(shape.slice(axis + 1)) ?? 1;
  return {
    encoding: { kind: "affine-per-channel", storage, scales, zeroPoints: zeroPoints.length > 0 ? zeroPoints : scales.map(() => 0), channelStride },
    description: `${type.name} affine per-channel along axis ${axis} (${scales.length} scales)`,
  };
}

export async function openTflite(path: string): Promise<OpenedModel> {
  // The flatbuffers accessors are synchronous, and so are the page reads behind them.
  if (isRemoteLocation(path)) throw new InputError("io", path, "TFLite models are read from local files only (download it first)");
  const bb = PagedByteBuffer.open(path);
  try {
    return readModel(bb, path);
  } finally {
    bb.close();
  }
}

function readModel(bb: PagedByteBuffer, path: string): OpenedModel {
  if (bb.fileSize < 8 || !bb.__has_identifier(TFLITE_IDENTIFIER)) throw new InputError("malformed", path, `not a TFLite flatbuffer (no "${TFLITE_IDENTIFIER}" identifier at byte 4)`);
  // The root table follows the root offset and the identifier: a smaller offset (a zeroed one reads
  // the header itself as a table) is a damaged file, not an empty model.
  const rootOffset = bb.readInt32(0) >>> 0;
  if (rootOffset < 8) throw new InputError("malformed", path, `root table offset ${rootOffset} points into the file header (damaged file)`, undefined, 0);
  const model = rootTable(bb);
  const version = uint32Field(bb, model, ModelSlot.version);
  // TFLite reads schema version 3 only (FlatBufferModel refuses any other).
  if (version !== TFLITE_SCHEMA_VERSION) throw new InputError("malformed", path, `schema version ${version}, but TFLite models have version ${TFLITE_SCHEMA_VERSION} (damaged file?)`, undefined, model);
  const metadata: Record<string, string> = { schema_version: String(version) };
  const description = stringField(bb, model, ModelSlot.description);
  if (description) metadata.description = description;
  const subgraphs = vectorField(bb, model, ModelSlot.subgraphs, 4);
  const buffers = vectorField(bb, model, ModelSlot.buffers, 4);
  if (!subgraphs || subgraphs.length === 0) throw new InputError("malformed", path, "the model has no subgraph (TFLite needs at least one)", undefined, model);
  const tensors: TensorRecord[] = [];
  const seen = new Map<string, number>();
  let operatorCount = 0;
  const budget = new TensorBudget(path);
  for (let s = 0; s < (subgraphs?.length ?? 0); s++) {
    const subgraph = tableAt(bb, subgraphs!, s);
    const prefix = s === 0 ? "" : `${stringField(bb, subgraph, SubGraphSlot.name) || `subgraph${s}`}/`;
    const list = vectorField(bb, subgraph, SubGraphSlot.tensors, 4);
    const firstUse = firstOperatorReading(bb, subgraph);
    operatorCount += firstUse.operators;
    const found: { record: TensorRecord; rank: number }[] = [];
    budget.add(list?.length ?? 0);
    for (let t = 0; t < (list?.length ?? 0); t++) {
      const table = tableAt(bb, list!, t);
      const bufferIndex = uint32Field(bb, table, TensorSlot.buffer);
      if (bufferIndex === 0) continue;
      const storedName = stringField(bb, table, TensorSlot.name) ?? `tensor${t}`;
      const location = bufferLocation(bb, buffers, bufferIndex, storedName);
      if (!location?.range) continue;
      let name = `${prefix}${storedName}`;
      const count = (seen.get(name) ?? 0) + 1;
      seen.set(name, count);
      if (count > 1) name = `${name}#${count}`;
      found.push({ record: describeTensor(bb, table, name, name === storedName ? undefined : storedName, location.range), rank: firstUse.byTensor.get(t) ?? firstUse.operators });
    }
    // A stable sort keeps stored order among tensors first read by the same operator.
    tensors.push(...found.sort((a, b) => a.rank - b.rank).map(({ record }) => record));
  }
  metadata.subgraphs = String(subgraphs?.length ?? 0);
  return { path, format: "tflite", files: [path], bytes: bb.fileSize, metadata, tensors, order: operatorCount > 0 ? "execution" : "written" };
}

/** For each tensor index of a subgraph, the first operator that reads it; and how many operators there are. */
function firstOperatorReading(bb: PagedByteBuffer, subgraph: number): { byTensor: Map<number, number>; operators: number } {
  const operators = vectorField(bb, subgraph, SubGraphSlot.operators, 4);
  const byTensor = new Map<number, number>();
  for (let o = 0; o < (operators?.length ?? 0); o++) {
    for (const input of int32Vector(bb, tableAt(bb, operators!, o), OperatorSlot.inputs) ?? []) {
      if (input >= 0 && !byTensor.has(input)) byTensor.set(input, o);
    }
  }
  return { byTensor, operators: operators?.length ?? 0 };
}

function describeTensor(bb: PagedByteBuffer, table: number, name: string, originalName: string | undefined, range: ByteRange): TensorRecord {
  const file = bb.file;
  const type = tfliteType(int8Field(bb, table, TensorSlot.type));
  const shape = int32Vector(bb, table, TensorSlot.shape) ?? [];
  if (shape.some((dim) => dim < 0)) throw new InputError("tensor-info", file, `shape [${shape.join(", ")}] of a constant tensor has a negative dimension`, name, table);
  const params = shapeProduct(shape);
  if (params === undefined) throw new InputError("overflow", file, `shape [${shape.join(", ")}] overflows`, name, table);
  const record: TensorRecord = { name, ...(originalName !== undefined ? { originalName } : {}), dtype: type.name, shape, params };
  if (type.skip || type.bytes === undefined) return { ...record, skipReason: type.skip ?? `dtype ${type.name} is not analysed` };

  const sparse = tableField(bb, table, TensorSlot.sparsity) !== undefined;
  if (range.length % type.bytes !== 0) throw new InputError("tensor-info", file, `buffer of ${range.length} bytes is not a whole number of ${type.name} values`, name, range.offset);
  const stored = range.length / type.bytes;
  if (sparse ? stored > params : stored !== params) {
    throw new InputError("tensor-info", file, `buffer holds ${stored} ${type.name} values but shape [${shape.join(", ")}] ${sparse ? "holds only" : "needs"} ${params}`, name, range.offset);
  }
  const refusal = densifyRefusal(stored, params);
  if (refusal) return { ...record, skipReason: refusal };
  let encoding: Encoding;
  if (type.float) {
    encoding = { kind: "float", dtype: type.float };
  } else {
    const quantized = quantizedEncoding(type, readQuantization(bb, table), shape, sparse, file, name, table);
    if ("skipReason" in quantized) return { ...record, skipReason: quantized.skipReason };
    encoding = quantized.encoding;
    record.quantization = quantized.description;
  }
  const zeros = (params - stored) * type.bytes;
  const ranges = zeros > 0 ? [range, zeroRange(zeros)] : [range];
  return { ...record, data: { ranges, encoding, elements: params } };
}
