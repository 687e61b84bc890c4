/**
 * Element types of model inputs and outputs, and the conversion of stored input values to the type
 * a graph input declares. Files say `F32`, `I64` (safetensors) or `FLOAT32`, `INT64_BE` (NumPy);
 * onnxruntime says `float32`, `int64`; ONNX stores TensorProto.DataType codes. Conversions keep
 * values exactly or refuse: integers to floats and floats to wider or narrower floats (rounded as a
 * cast would), integers to integers when every value fits; never floats to integers.
 */
import { bfloat16FromBits, float16FromBits } from "../decode/floatBits.js";
import type { OrtData, OrtElementType } from "./onnxRuntime.js";

export type ValueKind = "float" | "int" | "uint" | "bool";

export interface ElementType {
  kind: ValueKind;
  bytes: number;
  /** Float formats of 2 bytes: IEEE half or bfloat16. */
  brain?: boolean;
}

/** TensorProto.DataType code → onnxruntime's name. */
const ONNX_CODES: Record<number, OrtElementType> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  8: "string",
  9: "bool",
  10: "float16",
  11: "float64",
  12: "uint32",
  13: "uint64",
  16: "bfloat16",
};

export function ortTypeOfOnnxCode(code: number): OrtElementType | undefined {
  return ONNX_CODES[code];
}

const ORT_TYPES: Record<string, ElementType> = {
  float32: { kind: "float", bytes: 4 },
  float64: { kind: "float", bytes: 8 },
  float16: { kind: "float", bytes: 2 },
  bfloat16: { kind: "float", bytes: 2, brain: true },
  int8: { kind: "int", bytes: 1 },
  int16: { kind: "int", bytes: 2 },
  int32: { kind: "int", bytes: 4 },
  int64: { kind: "int", bytes: 8 },
  uint8: { kind: "uint", bytes: 1 },
  uint16: { kind: "uint", bytes: 2 },
  uint32: { kind: "uint", bytes: 4 },
  uint64: { kind: "uint", bytes: 8 },
  bool: { kind: "bool", bytes: 1 },
};

export function elementTypeOfOrt(type: string): ElementType | undefined {
  return ORT_TYPES[type];
}

export function isFloatType(type: string): boolean {
  return ORT_TYPES[type]?.kind === "float";
}

/** A stored dtype (safetensors or NumPy vocabulary) as an element type, or undefined. */
export function elementTypeOfStored(dtype: string): ElementType | undefined {
  const name = dtype.replace(/_BE$/, "");
  if (name === "BOOL") return { kind: "bool", bytes: 1 };
  if (name === "BF16") return { kind: "float", bytes: 2, brain: true };
  const match = /^(F|FLOAT|I|INT|U|UINT)(\d+)$/.exec(name);
  if (!match) return undefined;
  const bits = Number(match[2]);
  if (![8, 16, 32, 64].includes(bits)) return undefined;
  const kind: ValueKind = match[1]!.startsWith("F") ? "float" : match[1]!.startsWith("U") ? "uint" : "int";
  if (kind === "float" && bits === 8) return undefined;
  return { kind, bytes: bits / 8 };
}

export function describeElementType(type: ElementType): string {
  if (type.kind === "bool") return "bool";
  if (type.brain) return "bfloat16";
  return `${type.kind}${type.bytes * 8}`;
}

/** Why values of `from` cannot be fed as `to`, or undefined when they can. */
export function conversionProblem(from: ElementType, to: ElementType): string | undefined {
  if (to.kind === "float") return undefined;
  if (from.kind === "float") return `${describeElementType(from)} values cannot be fed to a ${describeElementType(to)} input (no float-to-integer conversion)`;
  return undefined;
}

function same(a: ElementType, b: ElementType): boolean {
  return a.kind === b.kind && a.bytes === b.bytes && Boolean(a.brain) === Boolean(b.brain);
}

function newArray(to: ElementType, length: number): OrtData {
  if (to.kind === "float") return to.bytes === 8 ? new Float64Array(length) : to.bytes === 4 ? new Float32Array(length) : new Uint16Array(length);
  if (to.kind === "bool") return new Uint8Array(length);
  const signed = to.kind === "int";
  switch (to.bytes) {
    case 1:
      return signed ? new Int8Array(length) : new Uint8Array(length);
    case 2:
      return signed ? new Int16Array(length) : new Uint16Array(length);
    case 4:
      return signed ? new Int32Array(length) : new Uint32Array(length);
    default:
      return signed ? new BigInt64Array(length) : new BigUint64Array(length);
  }
}

function readValue(view: DataView, at: number, from: ElementType, littleEndian: boolean): number | bigint {
  switch (from.kind) {
    case "float":
      if (from.bytes === 8) return view.getFloat64(at, littleEndian);
      if (from.bytes === 4) return view.getFloat32(at, littleEndian);
      return from.brain ? bfloat16FromBits(view.getUint16(at, littleEndian)) : float16FromBits(view.getUint16(at, littleEndian));
    case "bool":
      return view.getUint8(at) !== 0 ? 1 : 0;
    case "int":
      return from.bytes === 8 ? view.getBigInt64(at, littleEndian) : from.bytes === 4 ? view.getInt32(at, littleEndian) : from.bytes === 2 ? view.getInt16(at, littleEndian) : view.getInt8(at);
    case "uint":
      return from.bytes === 8 ? view.getBigUint64(at, littleEndian) : from.bytes === 4 ? view.getUint32(at, littleEndian) : from.bytes === 2 ? view.getUint16(at, littleEndian) : view.getUint8(at);
  }
}

const RANGES: Record<string, [bigint, bigint]> = {
  int1: [-128n, 127n],
  int2: [-32768n, 32767n],
  int4: [-(2n ** 31n), 2n ** 31n - 1n],
  int8: [-(2n ** 63n), 2n ** 63n - 1n],
  uint1: [0n, 255n],
  uint2: [0n, 65535n],
  uint4: [0n, 2n ** 32n - 1n],
  uint8: [0n, 2n ** 64n - 1n],
  bool1: [0n, 1n],
};

/**
 * Convert stored bytes (`count` values of `from`) to a new array of `to`. Throws a RangeError naming
 * the first value that does not fit an integer type.
 */
export function convertValues(bytes: Uint8Array, count: number, from: ElementType, to: ElementType, bigEndian = false): OrtData {
  const out = newArray(to, count);
  if (same(from, to) && !bigEndian) {
    new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes.subarray(0, count * from.bytes));
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const littleEndian = !bigEndian;
  if (to.kind === "float") {
    if (to.bytes === 2) throw new RangeError(`${describeElementType(from)} values cannot be converted to ${describeElementType(to)}; store the input as ${describeElementType(to)}`);
    const target = out as Float32Array | Float64Array;
    for (let i = 0; i < count; i++) target[i] = Number(readValue(view, i * from.bytes, from, littleEndian));
    return out;
  }
  const [lo, hi] = RANGES[`${to.kind}${to.bytes}`]!;
  for (let i = 0; i < count; i++) {
    const value = BigInt(readValue(view, i * from.bytes, from, littleEndian));
    if (value < lo || value > hi) throw new RangeError(`value ${value} at element ${i} does not fit ${describeElementType(to)}`);
    if (to.bytes === 8) (out as BigInt64Array | BigUint64Array)[i] = value;
    else (out as Int32Array)[i] = Number(value);
  }
  return out;
}
