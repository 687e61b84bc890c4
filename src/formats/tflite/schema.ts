/**
 * Table access for the parts of TFLite's schema (tensorflow/lite/schema/schema.fbs, file identifier
 * "TFL3") this reader needs, on the flatbuffers runtime's ByteBuffer: a field of a table is found
 * through its vtable slot 4 + 2·(field index) (`__offset`), sub-tables and vectors through
 * relative offsets (`__indirect`, `__vector`). Field indices, with union fields taking two slots:
 *   Model { version 0, operator_codes 1, subgraphs 2, description 3, buffers 4, metadata_buffer 5,
 *           metadata 6, signature_defs 7 }
 *   SubGraph { tensors 0, inputs 1, outputs 2, operators 3, name 4 }
 *   Operator { opcode_index 0, inputs 1 ([int], -1 for an omitted optional input), outputs 2, … }
 *   Tensor { shape 0, type 1, buffer 2, name 3, quantization 4, is_variable 5, sparsity 6, … }
 *   Buffer { data 0 ([ubyte]), offset 1 (ulong), size 2 (ulong) }: offset/size locate the bytes
 *           after the flatbuffer in models > 2 GB ("only valid if > 1")
 *   QuantizationParameters { min 0, max 1, scale 2 ([float]), zero_point 3 ([long]),
 *           details_type 4, details 5, quantized_dimension 6 }
 * Every vector is checked to lie inside the file before it is used.
 */
import type { PagedByteBuffer } from "./pagedBuffer.js";

export const ModelSlot = { version: 0, subgraphs: 2, description: 3, buffers: 4 } as const;
export const SubGraphSlot = { tensors: 0, operators: 3, name: 4 } as const;
export const OperatorSlot = { inputs: 1 } as const;
export const TensorSlot = { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, sparsity: 6 } as const;
export const BufferSlot = { data: 0, offset: 1, size: 2 } as const;
export const QuantizationSlot = { scale: 2, zeroPoint: 3, detailsType: 4, quantizedDimension: 6 } as const;

/** Position of a field's value inside a table, or 0 when the field is absent. */
export function field(bb: PagedByteBuffer, table: number, slot: number): number {
  return bb.__offset(table, 4 + 2 * slot);
}

/** The root table of the buffer. */
export function rootTable(bb: PagedByteBuffer): number {
  const root = bb.__indirect(0);
  bb.check(root, 4, "root table");
  return root;
}

/** A sub-table referenced by a field, or undefined. */
export function tableField(bb: PagedByteBuffer, table: number, slot: number): number | undefined {
  const at = field(bb, table, slot);
  if (at === 0) return undefined;
  const target = bb.__indirect(table + at);
  bb.check(target, 4, "table");
  return target;
}

export interface VectorRef {
  /** File offset of the first element. */
  start: number;
  length: number;
}

/** A vector field (checked to fit in the file for `elementBytes`-sized elements), or undefined. */
export function vectorField(bb: PagedByteBuffer, table: number, slot: number, elementBytes: number): VectorRef | undefined {
  const at = field(bb, table, slot);
  if (at === 0) return undefined;
  const start = bb.__vector(table + at);
  const length = bb.readInt32(start - 4);
  if (length < 0) bb.fail(`vector length ${length} is negative`, start - 4);
  bb.check(start, length * elementBytes, "vector");
  return { start, length };
}

/** Element i of a vector of tables. */
export function tableAt(bb: PagedByteBuffer, vector: VectorRef, index: number): number {
  const target = bb.__indirect(vector.start + 4 * index);
  bb.check(target, 4, "table");
  return target;
}

export function int32Vector(bb: PagedByteBuffer, table: number, slot: number): number[] | undefined {
  const vector = vectorField(bb, table, slot, 4);
  if (!vector) return undefined;
  return Array.from({ length: vector.length }, (_, i) => bb.readInt32(vector.start + 4 * i));
}

export function float32Vector(bb: PagedByteBuffer, table: number, slot: number): number[] {
  const vector = vectorField(bb, table, slot, 4);
  return vector ? Array.from({ length: vector.length }, (_, i) => bb.readFloat32(vector.start + 4 * i)) : [];
}

export function int64Vector(bb: PagedByteBuffer, table: number, slot: number): number[] {
  const vector = vectorField(bb, table, slot, 8);
  return vector ? Array.from({ length: vector.length }, (_, i) => Number(bb.readInt64(vector.start + 8 * i))) : [];
}

export function stringField(bb: PagedByteBuffer, table: number, slot: number): string | undefined {
  const at = field(bb, table, slot);
  return at === 0 ? undefined : bb.__string(table + at);
}

/** A scalar field read by `read` at its position, or `fallback` (the schema default) when absent. */
function scalarField(read: (bb: PagedByteBuffer, at: number) => number) {
  return (bb: PagedByteBuffer, table: number, slot: number, fallback = 0): number => {
    const at = field(bb, table, slot);
    return at === 0 ? fallback : read(bb, table + at);
  };
}

export const uint32Field = scalarField((bb, at) => bb.readUint32(at));
export const int32Field = scalarField((bb, at) => bb.readInt32(at));
export const int8Field = scalarField((bb, at) => bb.readInt8(at));
export const uint8Field = scalarField((bb, at) => bb.readUint8(at));

/** A ulong field as a number (undefined beyond 2^53, which no file offset reaches). */
export function uint64Field(bb: PagedByteBuffer, table: number, slot: number): number | undefined {
  const at = field(bb, table, slot);
  if (at === 0) return 0;
  const value = bb.readUint64(table + at);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}

/** TensorType codes (schema.fbs `enum TensorType : byte`). */
export interface TfliteType {
  name: string;
  bytes?: number;
  float?: "F32" | "F16" | "F64" | "BF16" | "F8_E4M3" | "F8_E5M2";
  /** Integer storage that quantization parameters can turn into real values. */
  quantizable?: "i8" | "u8" | "i16" | "u16";
  skip?: string;
}

const integer = (name: string, bytes?: number): TfliteType => ({ name, ...(bytes ? { bytes } : {}), skip: `integer dtype ${name} is not a weight` });

export const TFLITE_TYPES: Readonly<Record<number, TfliteType>> = {
  0: { name: "FLOAT32", bytes: 4, float: "F32" },
  1: { name: "FLOAT16", bytes: 2, float: "F16" },
  2: integer("INT32", 4),
  3: { name: "UINT8", bytes: 1, quantizable: "u8" },
  4: integer("INT64", 8),
  5: { name: "STRING", skip: "string tensor" },
  6: integer("BOOL", 1),
  7: { name: "INT16", bytes: 2, quantizable: "i16" },
  8: { name: "COMPLEX64", skip: "complex dtype COMPLEX64 is not analysed" },
  9: { name: "INT8", bytes: 1, quantizable: "i8" },
  10: { name: "FLOAT64", bytes: 8, float: "F64" },
  11: { name: "COMPLEX128", skip: "complex dtype COMPLEX128 is not analysed" },
  12: integer("UINT64", 8),
  13: { name: "RESOURCE", skip: "resource tensor" },
  14: { name: "VARIANT", skip: "variant tensor" },
  15: integer("UINT32", 4),
  16: { name: "UINT16", bytes: 2, quantizable: "u16" },
  17: { name: "INT4", skip: "packed 4-bit integers are not supported yet" },
  18: { name: "BFLOAT16", bytes: 2, float: "BF16" },
  19: { name: "INT2", skip: "packed 2-bit integers are not supported yet" },
  20: { name: "UINT4", skip: "packed 4-bit integers are not supported yet" },
  21: { name: "FLOAT8_E4M3FN", bytes: 1, float: "F8_E4M3" },
  22: { name: "FLOAT8_E5M2", bytes: 1, float: "F8_E5M2" },
};

export function tfliteType(code: number): TfliteType {
  return TFLITE_TYPES[code] ?? { name: `TYPE_${code}`, skip: `unknown TFLite tensor type ${code}` };
}
