/**
 * The computation graph of an ONNX model, as far as running it needs: per graph, its nodes (op,
 * inputs, outputs and the file span of the whole node field), its inputs, outputs and initializer
 * names, and — for `If` nodes — both branches walked the same way, recursively. Tensor payloads are
 * never read (the streaming walker of walk.ts skips them by length), so memory grows with the node
 * count, not with the file. The spans let rewrite.ts copy fields of the original verbatim.
 */
import { WIRE_BYTES, WIRE_VARINT, type Span, WireStream } from "../protobuf/wireStream.js";
import { AttributeField, GraphField, ModelField, NodeField } from "./schema.js";
import { MAX_GRAPH_DEPTH } from "./walk.js";

/** GraphProto fields beyond those walk.ts needs (onnx.proto). */
export const GraphIoField = { input: 11, output: 12, valueInfo: 13 } as const;
/** ValueInfoProto and TypeProto (tensor_type → elem_type, shape → dim → dim_value / dim_param). */
const ValueInfoField = { name: 1, type: 2 } as const;
const TypeField = { tensorType: 1 } as const;
const TensorTypeField = { elemType: 1, shape: 2 } as const;
const ShapeField = { dim: 1 } as const;
const DimField = { value: 1, param: 2 } as const;
/** Nodes and values a graph may hold before the walk refuses it. */
const MAX_NODES = 1_000_000;

/** A field of a message: the file span of its tag, length and payload (copied verbatim). */
export interface FieldSpan {
  /** Offset of the tag. */
  start: number;
  /** End of the payload. */
  end: number;
}

export interface ValueInfo {
  name: string;
  /** TensorProto.DataType code; 0 when not stated. */
  elemType: number;
  /** Dims: a number, a symbolic name, or null (unknown); undefined when no shape is stated. */
  shape?: (number | string | null)[];
}

export interface GraphNode {
  /** Name, or `<op>#<index>` when the node has none. */
  label: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  field: FieldSpan;
  /** Graph-valued attributes by attribute name (`then_branch`, `else_branch`, `body`, …). */
  subgraphs: Map<string, OnnxGraph>;
  /** Names of graph-valued attributes of ops other than `If` (not walked: Loop, Scan bodies). */
  opaqueSubgraphs: string[];
}

export interface OnnxGraph {
  /** The GraphProto payload's span. */
  span: Span;
  name: string;
  nodes: GraphNode[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** The output fields' spans, in order (copied verbatim by a rewrite). */
  outputFields: FieldSpan[];
  /** value_info entries (types of intermediate values, where the exporter stated them). */
  valueInfo: Map<string, ValueInfo>;
  initializers: Set<string>;
  /** Fields other than nodes and outputs, copied as they are when the graph is rewritten. */
  otherFields: { field: number; span: FieldSpan }[];
}

export interface OnnxModelGraph {
  /** ModelProto fields before and after the graph (copied verbatim). */
  fields: { field: number; span: FieldSpan }[];
  graph: OnnxGraph;
  /** The graph field's own span in the ModelProto, and how many of `fields` come before it. */
  graphField: FieldSpan;
  graphIndex: number;
}

/** Walk the model's main graph (and the branches of its If nodes, recursively). */
export async function walkModelGraph(stream: WireStream): Promise<OnnxModelGraph> {
  const end = stream.size;
  stream.position = 0;
  const fields: { field: number; span: FieldSpan }[] = [];
  let graph: OnnxGraph | undefined;
  let graphField: FieldSpan | undefined;
  let graphIndex = 0;
  while (stream.position < end) {
    const header = await stream.tag(end);
    if (header.field === ModelField.graph) {
      if (graph) stream.fail("malformed", "the model has two graph fields", header.at);
      const span = await stream.message(header, end, "graph");
      graph = await walkGraph(stream, span, 1);
      graphField = { start: header.at, end: span.end };
      graphIndex = fields.length;
    } else {
      await stream.skip(header, end);
      fields.push({ field: header.field, span: { start: header.at, end: stream.position } });
    }
  }
  if (!graph || !graphField) return stream.fail("malformed", "the model has no graph", 0);
  return { fields, graph, graphField, graphIndex };
}

async function walkGraph(stream: WireStream, span: Span, depth: number): Promise<OnnxGraph> {
  if (depth > MAX_GRAPH_DEPTH) stream.fail("limit", `subgraphs nested deeper than ${MAX_GRAPH_DEPTH} levels`, span.start);
  const graph: OnnxGraph = { span, name: "", nodes: [], inputs: [], outputs: [], outputFields: [], valueInfo: new Map(), initializers: new Set(), otherFields: [] };
  while (stream.position < span.end) {
    const header = await stream.tag(span.end);
    switch (header.field) {
      case GraphField.node: {
        if (graph.nodes.length >= MAX_NODES) stream.fail("limit", `graph has more than ${MAX_NODES} nodes`, header.at);
        const nodeSpan = await stream.message(header, span.end, "node");
        graph.nodes.push(await walkNode(stream, nodeSpan, { start: header.at, end: nodeSpan.end }, graph.nodes.length, depth));
        continue;
      }
      case GraphField.name:
        graph.name = await stream.stringField(header, span.end, "graph name");
        break;
      case GraphIoField.input:
        graph.inputs.push(await readValueInfo(stream, await stream.message(header, span.end, "input")));
        break;
      case GraphIoField.output: {
        graph.outputs.push(await readValueInfo(stream, await stream.message(header, span.end, "output")));
        graph.outputFields.push({ start: header.at, end: stream.position });
        continue;
      }
      case GraphIoField.valueInfo: {
        const info = await readValueInfo(stream, await stream.message(header, span.end, "value_info"));
        graph.valueInfo.set(info.name, info);
        break;
      }
      case GraphField.initializer:
      case GraphField.sparseInitializer: {
        const payload = await stream.message(header, span.end, "initializer");
        graph.initializers.add(await tensorName(stream, payload, header.field === GraphField.sparseInitializer));
        stream.position = payload.end;
        break;
      }
      default:
        await stream.skip(header, span.end);
    }
    graph.otherFields.push({ field: header.field, span: { start: header.at, end: stream.position } });
  }
  return graph;
}

/** The name of an initializer (TensorProto field 8) or of a sparse one (its values tensor's name). */
async function tensorName(stream: WireStream, span: Span, sparse: boolean): Promise<string> {
  let name = "";
  while (stream.position < span.end) {
    const header = await stream.tag(span.end);
    if (sparse && header.field === 1 && header.wireType === WIRE_BYTES) {
      const values = await stream.span(span.end, "values");
      name = await tensorName(stream, values, false);
      stream.position = values.end;
    } else if (!sparse && header.field === 8 && header.wireType === WIRE_BYTES) {
      name = await stream.stringField(header, span.end, "tensor name");
    } else {
      await stream.skip(header, span.end);
    }
  }
  return name;
}

async function walkNode(stream: WireStream, span: Span, field: FieldSpan, index: number, depth: number): Promise<GraphNode> {
  const node: GraphNode = { label: "", opType: "", domain: "", inputs: [], outputs: [], field, subgraphs: new Map(), opaqueSubgraphs: [] };
  let name = "";
  const graphs: { attribute: string; span: Span }[] = [];
  while (stream.position < span.end) {
    const header = await stream.tag(span.end);
    switch (header.field) {
      case NodeField.input:
        node.inputs.push(await stream.stringField(header, span.end, "input"));
        break;
      case NodeField.output:
        node.outputs.push(await stream.stringField(header, span.end, "output"));
        break;
      case NodeField.name:
        name = await stream.stringField(header, span.end, "node name");
        break;
      case NodeField.opType:
        node.opType = await stream.stringField(header, span.end, "op_type");
        break;
      case NodeField.domain:
        node.domain = await stream.stringField(header, span.end, "domain");
        break;
      case NodeField.attribute:
        graphs.push(...(await attributeGraphs(stream, await stream.message(header, span.end, "attribute"))));
        break;
      default:
        await stream.skip(header, span.end);
    }
  }
  node.label = name || `${node.opType || "node"}#${index}`;
  const walkBranches = node.opType === "If" && (node.domain === "" || node.domain === "ai.onnx");
  for (const { attribute, span: graphSpan } of graphs) {
    if (walkBranches) {
      stream.position = graphSpan.start;
      node.subgraphs.set(attribute, await walkGraph(stream, graphSpan, depth + 1));
    } else {
      node.opaqueSubgraphs.push(attribute);
    }
  }
  stream.position = span.end;
  return node;
}

/** Spans of the graphs an attribute holds (`g`, or each of `graphs`), by attribute name. */
async function attributeGraphs(stream: WireStream, span: Span): Promise<{ attribute: string; span: Span }[]> {
  let name = "";
  const spans: Span[] = [];
  while (stream.position < span.end) {
    const header = await stream.tag(span.end);
    if (header.field === AttributeField.name) name = await stream.stringField(header, span.end, "attribute name");
    else if (header.field === AttributeField.g || header.field === AttributeField.graphs) {
      const graph = await stream.message(header, span.end, "g");
      spans.push(graph);
      stream.position = graph.end;
    } else await stream.skip(header, span.end);
  }
  return spans.map((graphSpan, i) => ({ attribute: spans.length > 1 ? `${name}[${i}]` : name, span: graphSpan }));
}

async function readValueInfo(stream: WireStream, span: Span): Promise<ValueInfo> {
  const info: ValueInfo = { name: "", elemType: 0 };
  while (stream.position < span.end) {
    const header = await stream.tag(span.end);
    if (header.field === ValueInfoField.name) info.name = await stream.stringField(header, span.end, "value name");
    else if (header.field === ValueInfoField.type && header.wireType === WIRE_BYTES) await readType(stream, await stream.span(span.end, "type"), info);
    else await stream.skip(header, span.end);
  }
  return info;
}

async function readType(stream: WireStream, span: Span, info: ValueInfo): Promise<void> {
  while (stream.position < span.end) {
    const header = await stream.tag(span.end);
    if (header.field !== TypeField.tensorType || header.wireType !== WIRE_BYTES) {
      await stream.skip(header, span.end);
      continue;
    }
    const tensor = await stream.span(span.end, "tensor_type");
    while (stream.position < tensor.end) {
      const inner = await stream.tag(tensor.end);
      if (inner.field === TensorTypeField.elemType && inner.wireType === WIRE_VARINT) info.elemType = await stream.varint(tensor.end, "elem_type");
      else if (inner.field === TensorTypeField.shape && inner.wireType === WIRE_BYTES) info.shape = await readShape(stream, await stream.span(tensor.end, "shape"));
      else await stream.skip(inner, tensor.end);
    }
  }
}

async function readShape(stream: WireStream, span: Span): Promise<(number | string | null)[]> {
  const dims: (number | string | null)[] = [];
  while (stream.position < span.end) {
    const header = await stream.tag(span.end);
    if (header.field !== ShapeField.dim || header.wireType !== WIRE_BYTES) {
      await stream.skip(header, span.end);
      continue;
    }
    if (dims.length >= 64) stream.fail("limit", "a value's shape has more than 64 dims", header.at);
    const dim = await stream.span(span.end, "dim");
    let value: number | string | null = null;
    while (stream.position < dim.end) {
      const inner = await stream.tag(dim.end);
      if (inner.field === DimField.value && inner.wireType === WIRE_VARINT) value = await stream.varint(dim.end, "dim_value");
      else if (inner.field === DimField.param && inner.wireType === WIRE_BYTES) value = await stream.stringField(inner, dim.end, "dim_param");
      else await stream.skip(inner, dim.end);
    }
    dims.push(value);
  }
  return dims;
}
