/**
 * A rewritten copy of an ONNX model that exposes intermediate values as graph outputs, so a runtime
 * returns them. The original is never modified: the copy is streamed to a new file, every field
 * that does not change copied verbatim from the original's bytes by positioned reads (a 20 GB model
 * costs a 20 GB copy, never 20 GB of memory).
 *
 * Two edits, both on the main graph:
 * - `expose`: a ValueInfoProto carrying only the name is appended to `graph.output` for each value.
 *   onnx.proto lets a graph output omit its type; runtimes infer it from the producing node.
 * - `inline`: an `If` node is replaced by the nodes of one branch (fields copied as they are, the
 *   branch's initializers and value_info moved to the main graph) and one `Identity` per output
 *   (branch output → If output). Values inside a branch are invisible to the outer graph, so this
 *   is the only way to observe them; the caller chooses the branch the condition selects and checks
 *   on every run that it still does. Branches of inlined Ifs are inlined recursively when asked.
 *   `Loop`/`Scan` bodies are left alone.
 *
 * External data stays where it is: copies are written into a workspace folder that holds every
 * external data file at the same relative location (`createWorkspace`).
 */
import { copyFile, link, mkdir, open, realpath, stat } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { ByteSource } from "../../io/byteSource.js";
import { removeTemporaryFolder, temporaryFolder } from "../../io/tempFile.js";
import { WIRE_BYTES } from "../protobuf/wireStream.js";
import { bytesField, concatBytes, encodeTag, encodeVarint, stringField } from "../protobuf/wireWriter.js";
import { type FieldSpan, type GraphNode, GraphIoField, type OnnxGraph, type OnnxModelGraph } from "./graph.js";
import { GraphField, ModelField, NodeField } from "./schema.js";

export type Branch = "then_branch" | "else_branch";

export interface RewritePlan {
  /** If nodes replaced by one of their branches, by node key (`nodeKey`). */
  inline: ReadonlyMap<string, Branch>;
  /** Values appended to the graph's outputs (names already among the outputs are left as they are). */
  expose: readonly string[];
}

/** A node as it stands in the rewritten main graph. */
export type FlatNode =
  | { kind: "node"; key: string; /** Graph path of the branch it came from ("" for the main graph). */ path: string; node: GraphNode }
  | { kind: "identity"; key: string; path: string; input: string; output: string };

export interface FlatGraph {
  nodes: FlatNode[];
  /** Initializers, sparse initializers, value_info and quantisation annotations of inlined branches. */
  branchFields: FieldSpan[];
  /** Initializer names of the main graph and of every inlined branch. */
  initializers: Set<string>;
}

/** The key of a node: its label, prefixed by the path of the branch holding it. */
export function nodeKey(path: string, node: GraphNode): string {
  return path ? `${path}/${node.label}` : node.label;
}

const BRANCH_FIELDS_MOVED: ReadonlySet<number> = new Set([GraphField.initializer, GraphField.sparseInitializer, GraphIoField.valueInfo, 14]);

/** The main graph's nodes after inlining the Ifs of `inline`, in order. */
export function flattenGraph(graph: OnnxGraph, inline: ReadonlyMap<string, Branch>): FlatGraph {
  const flat: FlatGraph = { nodes: [], branchFields: [], initializers: new Set(graph.initializers) };
  const visit = (current: OnnxGraph, path: string): void => {
    for (const node of current.nodes) {
      const key = nodeKey(path, node);
      const branch = inline.get(key);
      const sub = branch !== undefined ? node.subgraphs.get(branch) : undefined;
      if (!sub) {
        flat.nodes.push({ kind: "node", key, path, node });
        continue;
      }
      const subPath = `${key}/${branch}`;
      visit(sub, subPath);
      for (const field of sub.otherFields) if (BRANCH_FIELDS_MOVED.has(field.field)) flat.branchFields.push(field.span);
      for (const name of sub.initializers) flat.initializers.add(name);
      sub.outputs.forEach((output, i) => {
        const target = node.outputs[i];
        if (target) flat.nodes.push({ kind: "identity", key: `${key}/output_${i}`, path: subPath, input: output.name, output: target });
      });
    }
  };
  visit(graph, "");
  return flat;
}

type Piece = Uint8Array | FieldSpan;

const pieceLength = (piece: Piece): number => (piece instanceof Uint8Array ? piece.length : piece.end - piece.start);

function identityNode(input: string, output: string, name: string): Uint8Array {
  const node = concatBytes([stringField(NodeField.input, input), stringField(NodeField.output, output), stringField(NodeField.name, name), stringField(NodeField.opType, "Identity")]);
  return bytesField(GraphField.node, node);
}

/** The pieces of the rewritten GraphProto payload. */
function graphPieces(model: OnnxModelGraph, plan: RewritePlan): Piece[] {
  const graph = model.graph;
  const flat = flattenGraph(graph, plan.inline);
  const pieces: Piece[] = [];
  for (const item of flat.nodes) pieces.push(item.kind === "node" ? item.node.field : identityNode(item.input, item.output, `jaynes/inlined/${item.key}`));
  for (const field of graph.otherFields) pieces.push(field.span);
  pieces.push(...flat.branchFields);
  pieces.push(...graph.outputFields);
  const outputs = new Set(graph.outputs.map((output) => output.name));
  for (const name of plan.expose) {
    if (outputs.has(name)) continue;
    outputs.add(name);
    pieces.push(bytesField(GraphIoField.output, stringField(1, name)));
  }
  return pieces;
}

/** The whole rewritten ModelProto as pieces. */
function modelPieces(model: OnnxModelGraph, plan: RewritePlan): Piece[] {
  const graph = graphPieces(model, plan);
  const graphLength = graph.reduce((sum, piece) => sum + pieceLength(piece), 0);
  const header = concatBytes([encodeTag(ModelField.graph, WIRE_BYTES), encodeVarint(graphLength)]);
  const fields = model.fields.map((field) => field.span);
  return [...fields.slice(0, model.graphIndex), header, ...graph, ...fields.slice(model.graphIndex)];
}

const COPY_BYTES = 4 * 1024 * 1024;

async function writePieces(path: string, source: ByteSource, pieces: readonly Piece[]): Promise<void> {
  const handle = await open(path, "wx");
  try {
    const buffer = new Uint8Array(COPY_BYTES);
    let position = 0;
    for (const piece of pieces) {
      if (piece instanceof Uint8Array) {
        await handle.write(piece, 0, piece.length, position);
        position += piece.length;
        continue;
      }
      for (let at = piece.start; at < piece.end; at += COPY_BYTES) {
        const view = buffer.subarray(0, Math.min(COPY_BYTES, piece.end - at));
        await source.readExact(view, at);
        await handle.write(view, 0, view.length, position);
        position += view.length;
      }
    }
  } finally {
    await handle.close();
  }
}

/**
 * A folder for rewritten copies of one model, holding its external data files at their locations
 * relative to the model. onnxruntime resolves symbolic links and refuses data outside the model's
 * folder, so each file is hard-linked (no copy, same file system) or else copied once, streamed.
 */
export interface RewriteWorkspace {
  folder: string;
  /** Bytes of external data copied (0 when everything could be linked). */
  copiedBytes: number;
  remove(): Promise<void>;
}

export async function createWorkspace(modelPath: string, externalFiles: readonly string[], parent?: string): Promise<RewriteWorkspace> {
  const folder = temporaryFolder("onnx-", parent);
  const remove = async (): Promise<void> => removeTemporaryFolder(folder);
  let copiedBytes = 0;
  try {
    const modelFolder = dirname(resolve(modelPath));
    for (const file of externalFiles) {
      const location = relative(modelFolder, resolve(file));
      // The reader refuses locations outside the model's folder; never place anything else.
      if (location.startsWith(`..${sep}`) || location === ".." || location === "") continue;
      const target = join(folder, location);
      await mkdir(dirname(target), { recursive: true });
      try {
        // The file itself, not a link to it: a relative link would point elsewhere from here.
        await link(await realpath(file), target);
      } catch {
        await copyFile(resolve(file), target);
        copiedBytes += (await stat(target)).size;
      }
    }
    return { folder, copiedBytes, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Write the rewritten copy to `path` (inside a workspace, beside the model's external data). */
export async function writeRewrittenModel(source: ByteSource, model: OnnxModelGraph, plan: RewritePlan, path: string): Promise<void> {
  await writePieces(path, source, modelPieces(model, plan));
}
