/**
 * Builds ONNX ModelProto bytes for fixtures with the protobuf writer (field numbers from
 * onnx/onnx.proto, the same facts src/formats/onnx/schema.ts states).
 */
import { concatBytes, pb } from "./protobufWriter.js";

export const DataType = { FLOAT: 1, UINT8: 2, INT64: 7, FLOAT16: 10, DOUBLE: 11, BFLOAT16: 16, FLOAT8E4M3FN: 17 } as const;

export interface TensorSpec {
  name: string;
  dims: number[];
  dataType: number;
  raw?: Uint8Array;
  /** float_data, written as packed pieces (several pieces = one repeated field split in chunks). */
  floatData?: Float32Array[];
  doubleData?: Float64Array;
  /** int32_data values (e.g. FLOAT16 bit patterns), packed varints. */
  int32Data?: number[];
  external?: { location: string; offset?: number; length?: number };
}

const bytesOf = (view: ArrayBufferView): Uint8Array => new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));

export function tensorProto(spec: TensorSpec): Uint8Array[] {
  const fields: Uint8Array[] = [pb.packedVarints(1, spec.dims), pb.varint(2, spec.dataType), pb.string(8, spec.name)];
  for (const piece of spec.floatData ?? []) fields.push(pb.bytes(4, bytesOf(piece)));
  if (spec.int32Data) fields.push(pb.packedVarints(5, spec.int32Data));
  if (spec.doubleData) fields.push(pb.bytes(10, bytesOf(spec.doubleData)));
  if (spec.raw) fields.push(pb.bytes(9, spec.raw));
  if (spec.external) {
    const entry = (key: string, value: string): Uint8Array => pb.message(13, [pb.string(1, key), pb.string(2, value)]);
    fields.push(entry("location", spec.external.location));
    if (spec.external.offset !== undefined) fields.push(entry("offset", String(spec.external.offset)));
    if (spec.external.length !== undefined) fields.push(entry("length", String(spec.external.length)));
    fields.push(pb.varint(14, 1));
  }
  return fields;
}

export type Attribute = { name: string; tensor: TensorSpec } | { name: string; graph: Uint8Array[] } | { name: string; int: number } | { name: string; float: number } | { name: string; ints: number[] };

export function attributeProto(attribute: Attribute): Uint8Array[] {
  const fields = [pb.string(1, attribute.name)];
  if ("tensor" in attribute) fields.push(pb.message(5, tensorProto(attribute.tensor)), pb.varint(20, 4));
  else if ("graph" in attribute) fields.push(pb.message(6, attribute.graph), pb.varint(20, 5));
  else if ("float" in attribute) fields.push(pb.fixed32(2, attribute.float), pb.varint(20, 1));
  else if ("ints" in attribute) fields.push(pb.packedVarints(8, attribute.ints.map((v) => BigInt(v))), pb.varint(20, 7));
  else fields.push(pb.varint(3, BigInt(attribute.int)), pb.varint(20, 2));
  return fields;
}

export interface NodeSpec {
  opType: string;
  name?: string;
  inputs?: string[];
  outputs: string[];
  attributes?: Attribute[];
  domain?: string;
}

export function nodeProto(node: NodeSpec): Uint8Array[] {
  return [
    ...(node.inputs ?? []).map((input) => pb.string(1, input)),
    ...node.outputs.map((output) => pb.string(2, output)),
    ...(node.name !== undefined ? [pb.string(3, node.name)] : []),
    pb.string(4, node.opType),
    ...(node.attributes ?? []).map((attribute) => pb.message(5, attributeProto(attribute))),
    ...(node.domain !== undefined ? [pb.string(7, node.domain)] : []),
  ];
}

/** A Constant node whose value is `tensor`. */
export const constantNode = (output: string, tensor: TensorSpec, name?: string): NodeSpec => ({ opType: "Constant", outputs: [output], ...(name ? { name } : {}), attributes: [{ name: "value", tensor }] });

/** A graph input or output: name, TensorProto.DataType and dims (a number, or a symbolic name). */
export interface ValueInfoSpec {
  name: string;
  dataType?: number;
  dims?: (number | string)[];
}

export function valueInfoProto(value: ValueInfoSpec): Uint8Array[] {
  if (value.dataType === undefined) return [pb.string(1, value.name)];
  const dims = (value.dims ?? []).map((dim) => pb.message(1, [typeof dim === "number" ? pb.varint(1, dim) : pb.string(2, dim)]));
  const tensorType = [pb.varint(1, value.dataType), ...(value.dims ? [pb.message(2, dims)] : [])];
  return [pb.string(1, value.name), pb.message(2, [pb.message(1, tensorType)])];
}

export interface GraphSpec {
  name?: string;
  inputs?: ValueInfoSpec[];
  outputs?: ValueInfoSpec[];
  nodes?: NodeSpec[];
  initializers?: TensorSpec[];
  /** Sparse initializers: values tensor (1-D), linear indices and dense dims. */
  sparse?: { values: TensorSpec; indices: number[]; dims: number[] }[];
}

export function graphProto(graph: GraphSpec): Uint8Array[] {
  return [
    ...(graph.nodes ?? []).map((node) => pb.message(1, nodeProto(node))),
    pb.string(2, graph.name ?? "graph"),
    ...(graph.initializers ?? []).map((tensor) => pb.message(5, tensorProto(tensor))),
    ...(graph.inputs ?? []).map((value) => pb.message(11, valueInfoProto(value))),
    ...(graph.outputs ?? []).map((value) => pb.message(12, valueInfoProto(value))),
    ...(graph.sparse ?? []).map((sparse) =>
      pb.message(15, [
        pb.message(1, tensorProto(sparse.values)),
        pb.message(2, tensorProto({ name: `${sparse.values.name}_indices`, dims: [sparse.indices.length], dataType: DataType.INT64, raw: bytesOf(BigInt64Array.from(sparse.indices.map(BigInt))) })),
        pb.packedVarints(3, sparse.dims),
      ]),
    ),
  ];
}

export interface ModelSpec {
  graph: GraphSpec;
  functions?: { name: string; domain: string; nodes: NodeSpec[] }[];
  irVersion?: number;
  /** Default-domain opset version (19 unless given). */
  opset?: number;
}

/** ModelProto bytes: ir_version first (as every serializer writes it), producer, graph, opset. */
export function modelProto(model: ModelSpec): Uint8Array {
  return concatBytes([
    pb.varint(1, model.irVersion ?? 9),
    pb.string(2, "jaynes-test"),
    pb.message(7, graphProto(model.graph)),
    pb.message(8, [pb.string(1, ""), pb.varint(2, model.opset ?? 19)]),
    ...(model.functions ?? []).map((fn) => pb.message(25, [pb.string(1, fn.name), ...fn.nodes.map((node) => pb.message(7, nodeProto(node))), pb.string(10, fn.domain)])),
  ]);
}

export { bytesOf };
