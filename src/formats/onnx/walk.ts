/**
 * Walks an ONNX ModelProto in the wire format and finds every stored tensor without reading its
 * values: `graph.initializer`, `graph.sparse_initializer`, the `value` / `sparse_value` of
 * `Constant` nodes, the same inside every subgraph (graph-valued attributes of `If`, `Loop`, `Scan`
 * or any other node, recursively), the training graphs, and the nodes of model-local functions.
 * A tensor's payload (raw_data, a packed typed field) is recorded as a file span; only names, dims,
 * types and external-data entries are read. Subgraphs nest at most MAX_GRAPH_DEPTH deep.
 *
 * Tensors are returned in stored order, each with its `rank` in execution order: ONNX requires a
 * graph's nodes to be topologically sorted, so an initializer ranks with the first node that uses it
 * (directly or inside that node's subgraphs), a Constant or a subgraph's tensor with its node;
 * initializers no node uses come after the nodes; training graphs and functions after the main graph.
 */
import { WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT, type FieldHeader, type Span, WireStream } from "../protobuf/wireStream.js";
import {
  AttributeField,
  FunctionField,
  GraphField,
  ModelField,
  NodeField,
  OperatorSetField,
  SparseTensorField,
  StringStringField,
  TensorField,
  TrainingInfoField,
} from "./schema.js";
import { TensorBudget } from "../bounds.js";

export const MAX_GRAPH_DEPTH = 64;
/** Tensor rank limit: ONNX sets none, but no real tensor comes near it. */
export const MAX_RANK = 64;

export interface TensorProtoInfo {
  /** File offset of the TensorProto's first byte (for error messages). */
  at: number;
  name: string;
  dims: number[];
  dataType: number;
  segmented: boolean;
  raw?: Span;
  /** Packed typed fields (float_data, int32_data, …): a repeated field may come in several pieces. */
  packed: Map<number, Span[]>;
  /** Typed fields seen in unpacked form (one tag per element). */
  unpacked: Set<number>;
  stringData: boolean;
  external: [string, string][];
  dataLocation: number;
}

export interface FoundTensor {
  /** Graph path from the main graph to the graph holding the tensor ([] for the main graph). */
  path: string[];
  /** Its stored name: the TensorProto's name (for a Constant without one, the node's output). */
  storedName: string;
  origin: "initializer" | "sparse_initializer" | "Constant";
  tensor: TensorProtoInfo;
  /** For sparse tensors: the dense dims (the values tensor is `tensor`). */
  sparseDims?: number[];
  /** Position in execution order, compared element by element (`compareRanks`). */
  rank: number[];
}

export interface OnnxWalk {
  metadata: Record<string, string>;
  /** In stored order; `rank` gives the execution order. */
  tensors: FoundTensor[];
  /** The main graph has nodes, so `rank` follows them (else it is the stored order). */
  executionOrder: boolean;
}

/** Lexicographic order of two ranks (a prefix first). */
export function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** The tensors of a graph (with their subgraphs') and every name its nodes use. */
interface GraphWalk {
  tensors: FoundTensor[];
  uses: Set<string>;
  nodes: number;
}

/** Tensors found so far per walk: a model may hold at most MAX_TENSORS (formats/bounds.ts). */
const budgets = new WeakMap<WireStream, TensorBudget>();

export async function walkModel(stream: WireStream): Promise<OnnxWalk> {
  budgets.set(stream, new TensorBudget(stream.source.name));
  const metadata: Record<string, string> = {};
  const tensors: FoundTensor[] = [];
  const opsets: string[] = [];
  const end = stream.size;
  stream.position = 0;
  let trainingIndex = 0;
  let functionIndex = 0;
  let executionOrder = false;
  while (stream.position < end) {
    const header = await stream.tag(end);
    switch (header.field) {
      case ModelField.irVersion:
      case ModelField.modelVersion:
        stream.expectWireType(header, [WIRE_VARINT], header.field === ModelField.irVersion ? "ir_version" : "model_version");
        metadata[header.field === ModelField.irVersion ? "ir_version" : "model_version"] = String(await stream.varint(end, "version"));
        break;
      case ModelField.producerName:
      case ModelField.producerVersion:
      case ModelField.domain: {
        const key = header.field === ModelField.producerName ? "producer_name" : header.field === ModelField.producerVersion ? "producer_version" : "domain";
        metadata[key] = await stream.stringField(header, end, key);
        break;
      }
      case ModelField.graph: {
        const graph = await walkGraph(stream, await stream.message(header, end, "graph"), 1);
        for (const tensor of graph.tensors) tensor.rank.unshift(0);
        executionOrder = graph.nodes > 0;
        for (const tensor of graph.tensors) tensors.push(tensor);
        break;
      }
      case ModelField.opsetImport: {
        opsets.push(await readOpset(stream, await stream.message(header, end, "opset_import")));
        break;
      }
      case ModelField.metadataProps: {
        const [key, value] = await readStringPair(stream, await stream.message(header, end, "metadata_props"));
        metadata[key] = value;
        break;
      }
      case ModelField.trainingInfo: {
        const found = await walkTrainingInfo(stream, await stream.message(header, end, "training_info"));
        for (const tensor of found) {
          tensor.path.unshift(`training_info[${trainingIndex}]`);
          tensor.rank.unshift(1, trainingIndex);
        }
        for (const tensor of found) tensors.push(tensor);
        trainingIndex++;
        break;
      }
      case ModelField.functions: {
        const found = await walkFunction(stream, await stream.message(header, end, "functions"));
        for (const tensor of found) tensor.rank.unshift(2, functionIndex);
        functionIndex++;
        for (const tensor of found) tensors.push(tensor);
        break;
      }
      default:
        await stream.skip(header, end);
    }
  }
  if (opsets.length > 0) metadata.opset_import = opsets.join(",");
  return { metadata, tensors, executionOrder };
}

async function readOpset(stream: WireStream, span: Span): Promise<string> {
  let domain = "";
  let version = 0;
  while (stream.position < span.end) {
    const header = await stream.tag(span.end);
    if (header.field === OperatorSetField.domain && header.wireType === WIRE_BYTES) domain = await stream.stringField(header, span.end, "opset domain");
    else if (header.field === OperatorSetField.version && header.wireType === WIRE_VARINT) version = await stream.varint(span.end, "opset version");
    else await stream.skip(header, span.end);
  }
  return `${domain || "ai.onnx"}:${version}`;
}

async function readStringPair(stream: WireStream, span: Span): Promise<[string, string]> {
  let key = "";
  let value = "";
  while (stream.position < span.end) {
    const header = await stream.tag(span.end);
    if (header.field === StringStringField.key || header.field === StringStringField.value) {
      const text = await stream.stringField(header, span.end, header.field === StringStringField.key ? "key" : "value");
      if (header.field === StringStringField.key) key = text;
      else value = text;
    } else {
      await stream.skip(header, span.end);
    }
  }
  return [key, value];
}

async function walkTrainingInfo(stream: WireStream, span: Span): Promise<FoundTensor[]> {
  const found: FoundTensor[] = [];
  while (stream.position < span.end) {
    const header = await stream.tag(span.end);
    if (header.field === TrainingInfoField.initialization || header.field === TrainingInfoField.algorithm) {
      const label = header.field === TrainingInfoField.initialization ? "initialization" : "algorithm";
      const inner = await walkGraph(stream, await stream.message(header, span.end, label), 1);
      for (const tensor of inner.tensors) {
        tensor.path.unshift(label);
        tensor.rank.unshift(header.field === TrainingInfoField.initialization ? 0 : 1);
      }
      for (const tensor of inner.tensors) found.push(tensor);
    } else {
      await stream.skip(header, span.end);
    }
  }
  return found;
}

async function walkFunction(stream: WireStream, span: Span): Promise<FoundTensor[]> {
  let name = "";
  let domain = "";
  let overload = "";
  const found: FoundTensor[] = [];
  let nodeIndex = 0;
  while (stream.position < span.end) {
    const header = await stream.tag(span.end);
    switch (header.field) {
      case FunctionField.name:
      case FunctionField.domain:
      case FunctionField.overload: {
        const text = await stream.stringField(header, span.end, "function name");
        if (header.field === FunctionField.name) name = text;
        else if (header.field === FunctionField.domain) domain = text;
        else overload = text;
        break;
      }
      case FunctionField.node: {
        const node = await walkNode(stream, await stream.message(header, span.end, "node"), nodeIndex, 1);
        for (const tensor of node.tensors) tensor.rank.unshift(nodeIndex);
        nodeIndex++;
        for (const tensor of node.tensors) found.push(tensor);
        break;
      }
      default:
        await stream.skip(header, span.end);
    }
  }
  const label = `function:${domain ? `${domain}.` : ""}${name}${overload ? `:${overload}` : ""}`;
  for (const tensor of found) tensor.path.unshift(label);
  return found;
}

/**
 * Tensors of one graph and its subgraphs (paths and ranks relative to this graph). Ranks: node i's
 * own tensors [2i + 1, …], initializers first used by node i [2i], unused ones [2·nodes].
 */
async function walkGraph(stream: WireStream, span: Span, depth: number): Promise<GraphWalk> {
  if (depth > MAX_GRAPH_DEPTH) stream.fail("limit", `subgraphs nested deeper than ${MAX_GRAPH_DEPTH} levels`, span.start);
  const found: FoundTensor[] = [];
  const initializers: FoundTensor[] = [];
  const firstUse = new Map<string, number>();
  const uses = new Set<string>();
  let nodeIndex = 0;
  while (stream.position < span.end) {
    const header = await stream.tag(span.end);
    switch (header.field) {
      case GraphField.node: {
        const node = await walkNode(stream, await stream.message(header, span.end, "node"), nodeIndex, depth);
        for (const tensor of node.tensors) tensor.rank.unshift(2 * nodeIndex + 1);
        for (const name of node.uses) {
          if (!firstUse.has(name)) firstUse.set(name, nodeIndex);
          uses.add(name);
        }
        nodeIndex++;
        for (const tensor of node.tensors) found.push(tensor);
        break;
      }
      case GraphField.initializer: {
        const tensor = await readTensor(stream, await stream.message(header, span.end, "initializer"));
        const entry: FoundTensor = { path: [], storedName: tensor.name, origin: "initializer", tensor, rank: [] };
        initializers.push(entry);
        found.push(entry);
        break;
      }
      case GraphField.sparseInitializer: {
        const sparse = await readSparseTensor(stream, await stream.message(header, span.end, "sparse_initializer"));
        const entry: FoundTensor = { path: [], storedName: sparse.values.name, origin: "sparse_initializer", tensor: sparse.values, sparseDims: sparse.dims, rank: [] };
        initializers.push(entry);
        found.push(entry);
        break;
      }
      default:
        await stream.skip(header, span.end);
    }
  }
  for (const entry of initializers) entry.rank = [2 * (firstUse.get(entry.storedName) ?? nodeIndex)];
  return { tensors: found, uses, nodes: nodeIndex };
}

/**
 * One node: Constant nodes contribute their `value` / `sparse_value`; graph-valued attributes of any
 * node are walked. Fields may come in any order, so the decision is taken at the end of the node.
 */
async function walkNode(stream: WireStream, span: Span, index: number, depth: number): Promise<{ tensors: FoundTensor[]; uses: Set<string> }> {
  let name = "";
  let opType = "";
  let domain = "";
  let firstOutput: string | undefined;
  const constants: { attribute: string; tensor: TensorProtoInfo; sparseDims?: number[] }[] = [];
  const nested: { attribute: string; tensors: FoundTensor[] }[] = [];
  const uses = new Set<string>();
  while (stream.position < span.end) {
    const header = await stream.tag(span.end);
    switch (header.field) {
      case NodeField.input:
        uses.add(await stream.stringField(header, span.end, "input"));
        break;
      case NodeField.output:
        if (firstOutput === undefined) firstOutput = await stream.stringField(header, span.end, "output");
        else await stream.skip(header, span.end);
        break;
      case NodeField.name:
      case NodeField.opType:
      case NodeField.domain: {
        const text = await stream.stringField(header, span.end, "node name");
        if (header.field === NodeField.name) name = text;
        else if (header.field === NodeField.opType) opType = text;
        else domain = text;
        break;
      }
      case NodeField.attribute: {
        const attribute = await walkAttribute(stream, await stream.message(header, span.end, "attribute"), depth);
        if (attribute.tensor) constants.push({ attribute: attribute.name, tensor: attribute.tensor });
        if (attribute.sparse) constants.push({ attribute: attribute.name, tensor: attribute.sparse.values, sparseDims: attribute.sparse.dims });
        if (attribute.graphs.length > 0) nested.push({ attribute: attribute.name, tensors: attribute.graphs });
        for (const used of attribute.uses) uses.add(used);
        break;
      }
      default:
        await stream.skip(header, span.end);
    }
  }
  const found: FoundTensor[] = [];
  const label = name || `${opType || "node"}#${index}`;
  for (const [position, { attribute, tensors }] of nested.entries()) {
    for (const tensor of tensors) {
      tensor.path.unshift(label, attribute);
      tensor.rank.unshift(position + 1);
      found.push(tensor);
    }
  }
  const isConstant = opType === "Constant" && (domain === "" || domain === "ai.onnx");
  if (isConstant) {
    for (const constant of constants) {
      if (constant.attribute !== "value" && constant.attribute !== "sparse_value") continue;
      // The tensor's own name is what the exporter called the weight (silero_vad_v5 repeats it per
      // branch, while the output name carries an inlining prefix); the output is the fallback.
      const storedName = constant.tensor.name || firstOutput || label;
      found.push({ path: [], storedName, origin: "Constant", tensor: constant.tensor, ...(constant.sparseDims ? { sparseDims: constant.sparseDims } : {}), rank: [0] });
    }
  }
  return { tensors: found, uses };
}

interface AttributeInfo {
  name: string;
  tensor?: TensorProtoInfo;
  sparse?: { values: TensorProtoInfo; dims: number[] };
  /** Tensors of graph-valued attributes (`g`, `graphs`), paths and ranks relative to the attribute. */
  graphs: FoundTensor[];
  /** Names the nodes of those graphs use (a subgraph may use its parent's initializers). */
  uses: Set<string>;
}

async function walkAttribute(stream: WireStream, span: Span, depth: number): Promise<AttributeInfo> {
  const info: AttributeInfo = { name: "", graphs: [], uses: new Set() };
  const nested = (graph: GraphWalk): void => {
    for (const used of graph.uses) info.uses.add(used);
  };
  let graphIndex = 0;
  while (stream.position < span.end) {
    const header = await stream.tag(span.end);
    switch (header.field) {
      case AttributeField.name:
        info.name = await stream.stringField(header, span.end, "attribute name");
        break;
      case AttributeField.t:
        info.tensor = await readTensor(stream, await stream.message(header, span.end, "t"));
        break;
      case AttributeField.sparseTensor:
        info.sparse = await readSparseTensor(stream, await stream.message(header, span.end, "sparse_tensor"));
        break;
      case AttributeField.g: {
        const inner = await walkGraph(stream, await stream.message(header, span.end, "g"), depth + 1);
        nested(inner);
        for (const tensor of inner.tensors) info.graphs.push(tensor);
        break;
      }
      case AttributeField.graphs: {
        const inner = await walkGraph(stream, await stream.message(header, span.end, "graphs"), depth + 1);
        nested(inner);
        for (const tensor of inner.tensors) {
          tensor.path.unshift(`[${graphIndex}]`);
          tensor.rank.unshift(graphIndex);
        }
        graphIndex++;
        for (const tensor of inner.tensors) info.graphs.push(tensor);
        break;
      }
      default:
        await stream.skip(header, span.end);
    }
  }
  return info;
}

async function readSparseTensor(stream: WireStream, span: Span): Promise<{ values: TensorProtoInfo; dims: number[] }> {
  let values: TensorProtoInfo | undefined;
  const dims: number[] = [];
  while (stream.position < span.end) {
    const header = await stream.tag(span.end);
    if (header.field === SparseTensorField.values) {
      values = await readTensor(stream, await stream.message(header, span.end, "values"));
    } else if (header.field === SparseTensorField.dims) {
      stream.expectWireType(header, [WIRE_VARINT, WIRE_BYTES], "dims");
      await stream.varints(header, span.end, dims, "sparse tensor dims", MAX_RANK);
    } else {
      await stream.skip(header, span.end);
    }
  }
  if (!values) stream.fail("malformed", "sparse tensor has no values tensor", span.start);
  return { values, dims };
}

/** Fields a typed value list may use, with the wire type of one unpacked element. */
const TYPED_FIELDS: ReadonlyMap<number, { name: string; element: number }> = new Map([
  [TensorField.floatData, { name: "float_data", element: WIRE_FIXED32 }],
  [TensorField.int32Data, { name: "int32_data", element: WIRE_VARINT }],
  [TensorField.int64Data, { name: "int64_data", element: WIRE_VARINT }],
  [TensorField.doubleData, { name: "double_data", element: WIRE_FIXED64 }],
  [TensorField.uint64Data, { name: "uint64_data", element: WIRE_VARINT }],
]);

export function typedFieldName(field: number): string {
  return TYPED_FIELDS.get(field)?.name ?? `field ${field}`;
}

const NO_PACKED: Map<number, Span[]> = new Map();
const NO_UNPACKED: Set<number> = new Set();
const NO_EXTERNAL: [string, string][] = [];

async function readTensor(stream: WireStream, span: Span): Promise<TensorProtoInfo> {
  budgets.get(stream)?.add();
  const info: TensorProtoInfo = {
    at: span.start,
    name: "",
    dims: [],
    dataType: 0,
    segmented: false,
    // Shared empties until a field needs one: a model may hold 200,000 tensors (formats/bounds.ts).
    packed: NO_PACKED,
    unpacked: NO_UNPACKED,
    stringData: false,
    external: NO_EXTERNAL,
    dataLocation: 0,
  };
  while (stream.position < span.end) {
    const header: FieldHeader = await stream.tag(span.end);
    const typed = TYPED_FIELDS.get(header.field);
    if (typed) {
      stream.expectWireType(header, [WIRE_BYTES, typed.element], typed.name);
      if (header.wireType === WIRE_BYTES) {
        const payload = await stream.span(span.end, typed.name);
        if (info.packed === NO_PACKED) info.packed = new Map();
        const pieces = info.packed.get(header.field) ?? [];
        pieces.push(payload);
        info.packed.set(header.field, pieces);
        stream.position = payload.end;
      } else {
        if (info.unpacked === NO_UNPACKED) info.unpacked = new Set();
        info.unpacked.add(header.field);
        await stream.skip(header, span.end);
      }
      continue;
    }
    switch (header.field) {
      case TensorField.dims:
        stream.expectWireType(header, [WIRE_VARINT, WIRE_BYTES], "dims");
        await stream.varints(header, span.end, info.dims, "dims", MAX_RANK);
        break;
      case TensorField.dataType:
        stream.expectWireType(header, [WIRE_VARINT], "data_type");
        info.dataType = await stream.varint(span.end, "data_type");
        break;
      case TensorField.segment:
        stream.expectWireType(header, [WIRE_BYTES], "segment");
        info.segmented = true;
        await stream.skip(header, span.end);
        break;
      case TensorField.stringData:
        stream.expectWireType(header, [WIRE_BYTES], "string_data");
        info.stringData = true;
        await stream.skip(header, span.end);
        break;
      case TensorField.name:
        info.name = await stream.stringField(header, span.end, "name");
        break;
      case TensorField.rawData: {
        info.raw = await stream.message(header, span.end, "raw_data");
        stream.position = info.raw.end;
        break;
      }
      case TensorField.externalData:
        if (info.external === NO_EXTERNAL) info.external = [];
        info.external.push(await readStringPair(stream, await stream.message(header, span.end, "external_data")));
        break;
      case TensorField.dataLocation:
        stream.expectWireType(header, [WIRE_VARINT], "data_location");
        info.dataLocation = await stream.varint(span.end, "data_location");
        break;
      default:
        await stream.skip(header, span.end);
    }
  }
  return info;
}
