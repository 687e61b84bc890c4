/**
 * The facts of onnx/onnx.proto (proto2; IR version 10+) this reader relies on: field numbers of the
 * messages it walks and the TensorProto.DataType codes. Everything else in a model is skipped by
 * wire type, so fields added by later IR versions do no harm.
 */
import type { FloatDType } from "../../io/encoding.js";

export const ModelField = {
  irVersion: 1,
  producerName: 2,
  producerVersion: 3,
  domain: 4,
  modelVersion: 5,
  graph: 7,
  opsetImport: 8,
  metadataProps: 14,
  trainingInfo: 20,
  functions: 25,
} as const;

export const TrainingInfoField = { initialization: 1, algorithm: 2 } as const;

export const GraphField = { node: 1, name: 2, initializer: 5, sparseInitializer: 15 } as const;

export const NodeField = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;

export const AttributeField = { name: 1, t: 5, g: 6, graphs: 11, sparseTensor: 22 } as const;

export const FunctionField = { name: 1, node: 7, domain: 10, overload: 13 } as const;

export const TensorField = {
  dims: 1,
  dataType: 2,
  segment: 3,
  floatData: 4,
  int32Data: 5,
  stringData: 6,
  int64Data: 7,
  name: 8,
  rawData: 9,
  doubleData: 10,
  uint64Data: 11,
  externalData: 13,
  dataLocation: 14,
} as const;

export const SparseTensorField = { values: 1, indices: 2, dims: 3 } as const;

export const StringStringField = { key: 1, value: 2 } as const;

export const OperatorSetField = { domain: 1, version: 2 } as const;

/** TensorProto.DataLocation.EXTERNAL */
export const DATA_LOCATION_EXTERNAL = 1;

export interface OnnxDataType {
  name: string;
  /** Set for the float types this tool analyses. */
  float?: FloatDType;
  /** Bytes per element in raw_data / external data (undefined: variable or sub-byte). */
  bytes?: number;
  /** The typed field that holds the values when raw_data is not used. */
  typedField?: number;
  /** Why a tensor of this type is not analysed. */
  skip?: string;
}

const integer = (name: string, bytes: number | undefined): OnnxDataType => ({ name, ...(bytes !== undefined ? { bytes } : {}), skip: `integer dtype ${name} is not a weight` });

/** TensorProto.DataType by code. */
export const ONNX_DATA_TYPES: Readonly<Record<number, OnnxDataType>> = {
  1: { name: "FLOAT", float: "F32", bytes: 4, typedField: TensorField.floatData },
  2: integer("UINT8", 1),
  3: integer("INT8", 1),
  4: integer("UINT16", 2),
  5: integer("INT16", 2),
  6: integer("INT32", 4),
  7: integer("INT64", 8),
  8: { name: "STRING", skip: "string tensor" },
  9: integer("BOOL", 1),
  10: { name: "FLOAT16", float: "F16", bytes: 2, typedField: TensorField.int32Data },
  11: { name: "DOUBLE", float: "F64", bytes: 8, typedField: TensorField.doubleData },
  12: integer("UINT32", 4),
  13: integer("UINT64", 8),
  14: { name: "COMPLEX64", bytes: 8, skip: "complex dtype COMPLEX64 is not analysed" },
  15: { name: "COMPLEX128", bytes: 16, skip: "complex dtype COMPLEX128 is not analysed" },
  16: { name: "BFLOAT16", float: "BF16", bytes: 2, typedField: TensorField.int32Data },
  17: { name: "FLOAT8E4M3FN", float: "F8_E4M3", bytes: 1, typedField: TensorField.int32Data },
  18: { name: "FLOAT8E4M3FNUZ", float: "F8_E4M3FNUZ", bytes: 1, typedField: TensorField.int32Data },
  19: { name: "FLOAT8E5M2", float: "F8_E5M2", bytes: 1, typedField: TensorField.int32Data },
  20: { name: "FLOAT8E5M2FNUZ", float: "F8_E5M2FNUZ", bytes: 1, typedField: TensorField.int32Data },
  21: integer("UINT4", undefined),
  22: integer("INT4", undefined),
  23: { name: "FLOAT4E2M1", skip: "dtype FLOAT4E2M1 (sub-byte float) is not supported yet" },
  24: { name: "FLOAT8E8M0", bytes: 1, skip: "FLOAT8E8M0 holds power-of-two scales, not weights" },
};

/** The type for a code, or a placeholder that explains why an unknown code is not analysed. */
export function onnxDataType(code: number): OnnxDataType {
  if (code === 0) return { name: "UNDEFINED", skip: "data_type is UNDEFINED (0)" };
  return ONNX_DATA_TYPES[code] ?? { name: `TYPE_${code}`, skip: `unknown ONNX data_type ${code}` };
}
