/**
 * Where an ONNX tensor's values are, as TensorData: `raw_data` (fixed-width little-endian, at any
 * offset), a packed typed field (`float_data`/`double_data` are fixed-width little-endian, so plain
 * byte ranges; `int32_data` of FLOAT16/BFLOAT16/FLOAT8 holds bit patterns as varints, decoded
 * sequentially), or external data (`data_location = EXTERNAL`; `location` relative to the model's
 * folder, optional decimal `offset` and `length`). Sparse tensors are densified by appending the
 * implicit zeros (io/zeroSource.ts). Only positions and sizes are checked here; no value is read.
 */
import { InputError } from "../../errors.js";
import { densifyRefusal, zeroRange } from "../../io/zeroSource.js";
import { resolveInside } from "../safetensorsSharded.js";
import type { ByteRange, TensorData } from "../../io/tensorData.js";
import type { Encoding } from "../../io/encoding.js";
import { shapeProduct } from "../tensor.js";
import { DATA_LOCATION_EXTERNAL, type OnnxDataType, TensorField } from "./schema.js";
import { type TensorProtoInfo, typedFieldName } from "./walk.js";

/** A varint holds at most 10 bytes, so n values take between n and 10·n bytes. */
const MAX_VARINT_BYTES = 10;

export interface LocateContext {
  file: string;
  folder: string;
  /** Size of an external data file (stat, cached by the caller); throws InputError if unreadable. */
  fileSize(path: string, tensor: string): Promise<number>;
}

export type Located = { data: TensorData } | { skipReason: string };

/** Dims of a TensorProto as non-negative safe integers, or an InputError. */
export function checkedDims(dims: readonly number[], context: LocateContext, tensor: string, at: number): number[] {
  for (const dim of dims) {
    if (!Number.isSafeInteger(dim) || dim < 0) throw new InputError("tensor-info", context.file, "dims hold a negative value or one ≥ 2^53", tensor, at);
  }
  return [...dims];
}

export function checkedProduct(dims: readonly number[], context: LocateContext, tensor: string, at: number): number {
  const product = shapeProduct(dims);
  if (product === undefined) throw new InputError("overflow", context.file, `dims [${dims.join(", ")}] overflow`, tensor, at);
  return product;
}

/**
 * The values of a float tensor: `stored` values in the file, and `dense` ≥ stored elements in the
 * tensor (dense > stored for sparse tensors: the rest are zeros).
 */
export async function locateValues(info: TensorProtoInfo, type: OnnxDataType, stored: number, dense: number, context: LocateContext, tensor: string): Promise<Located> {
  const dtype = type.float!;
  const size = type.bytes!;
  const refusal = densifyRefusal(stored, dense);
  if (refusal) return { skipReason: refusal };
  const fail = (detail: string, at = info.at): never => {
    throw new InputError("tensor-info", context.file, detail, tensor, at);
  };
  const plain = (ranges: ByteRange[]): Located => {
    const zeros = (dense - stored) * size;
    return { data: { ranges: zeros > 0 ? [...ranges, zeroRange(zeros)] : ranges, encoding: { kind: "float", dtype }, elements: dense } };
  };

  if (info.dataLocation === DATA_LOCATION_EXTERNAL) return plain([await externalRange(info, type, stored, context, tensor)]);
  if (info.dataLocation !== 0) fail(`data_location ${info.dataLocation} is neither DEFAULT (0) nor EXTERNAL (1)`);

  if (info.raw) {
    const length = info.raw.end - info.raw.start;
    if (length !== stored * size) fail(`raw_data holds ${length} bytes but ${stored} ${type.name} values need ${stored * size}`, info.raw.start);
    return plain([{ source: context.file, offset: info.raw.start, length }]);
  }

  for (const field of [...info.packed.keys(), ...info.unpacked]) {
    if (field !== type.typedField) fail(`a ${type.name} tensor must not store values in ${typedFieldName(field)}`);
  }
  const field = type.typedField!;
  if (info.unpacked.has(field)) return { skipReason: `${typedFieldName(field)} is stored unpacked (one tag per value), which is not supported` };
  const pieces = info.packed.get(field) ?? [];
  const ranges = pieces.filter((piece) => piece.end > piece.start).map((piece) => ({ source: context.file, offset: piece.start, length: piece.end - piece.start }));
  const length = ranges.reduce((sum, range) => sum + range.length, 0);
  if (stored === 0 && length === 0) return plain([]);
  if (pieces.length === 0) fail(`holds no values (no raw_data, ${typedFieldName(field)} or external data) but its dims promise ${stored}`);

  if (field !== TensorField.int32Data) {
    if (length !== stored * size) fail(`${typedFieldName(field)} holds ${length} bytes but ${stored} ${type.name} values need ${stored * size}`, pieces[0]!.start);
    return plain(ranges);
  }
  if (length < stored || length > stored * MAX_VARINT_BYTES) fail(`int32_data holds ${length} bytes, which cannot be ${stored} varints`, pieces[0]!.start);
  // Implicit zeros of a sparse tensor are varint 0: one 0x00 byte each.
  const zeros = dense - stored;
  const all = zeros > 0 ? [...ranges, zeroRange(zeros)] : ranges;
  const encoding: Encoding = { kind: "varint", dtype, elements: dense, bytes: length + zeros, file: context.file, tensor };
  return { data: { ranges: all, encoding, elements: dense } };
}

function decimal(value: string | undefined, key: string, context: LocateContext, tensor: string, at: number): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number)) throw new InputError("tensor-info", context.file, `external_data ${key} ${JSON.stringify(value)} is not a non-negative integer`, tensor, at);
  return number;
}

async function externalRange(info: TensorProtoInfo, type: OnnxDataType, stored: number, context: LocateContext, tensor: string): Promise<ByteRange> {
  const entries = new Map(info.external);
  const location = entries.get("location");
  if (!location) throw new InputError("tensor-info", context.file, "data_location is EXTERNAL but external_data has no location", tensor, info.at);
  let path: string;
  try {
    path = resolveInside(context.folder, location, context.file);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(error.code, context.file, `external_data ${error.detail}`, tensor, info.at);
    throw error;
  }
  const offset = decimal(entries.get("offset"), "offset", context, tensor, info.at) ?? 0;
  const fileSize = await context.fileSize(path, tensor);
  const needed = stored * type.bytes!;
  // Without a length the tensor's own size is meant (several tensors may share one file).
  const length = decimal(entries.get("length"), "length", context, tensor, info.at) ?? needed;
  if (offset + length > fileSize) {
    throw new InputError("truncated", context.file, `external data ${location} [${offset}, ${offset + length}) runs past the end of that file (${fileSize} bytes)`, tensor, info.at);
  }
  if (length !== needed) throw new InputError("tensor-info", context.file, `external data ${location} holds ${length} bytes but ${stored} ${type.name} values need ${needed}`, tensor, info.at);
  return { source: path, offset, length };
}
