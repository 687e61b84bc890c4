/**
 * ONNX reader (onnx/onnx.proto). No protobuf library: onnx-proto and protobufjs decode a whole file
 * into memory, and an ONNX file is mostly tensor payload. The model is walked in the wire format
 * through a bounded window (walk.ts) and every tensor becomes a TensorRecord describing where its
 * values are (tensorData.ts), so peak memory does not grow with the file.
 *
 * Names: tensors of the main graph keep their stored name; tensors of subgraphs and functions are
 * prefixed with their graph path (`<node>/<attribute>/…/<name>`, e.g. `If_0/then_branch/w`), since
 * branches repeat names (silero_vad_v5), and keep the stored name as `originalName`. A name that is
 * still not unique gets a `#2`, `#3`, … suffix.
 */
import { InputError } from "../../errors.js";
import { type ByteSource, openSource } from "../../io/byteSource.js";
import { parentOf } from "../../io/location.js";
import { WIRE_BYTES, WIRE_VARINT, WireStream } from "../protobuf/wireStream.js";
import type { OpenedModel, TensorRecord } from "../tensor.js";
import { ModelField, onnxDataType } from "./schema.js";
import { type LocateContext, checkedDims, checkedProduct, locateValues } from "./tensorData.js";
import { type FoundTensor, compareRanks, walkModel } from "./walk.js";

/** The largest ir_version accepted by detection (IR 11 is current; leave room for growth). */
const MAX_IR_VERSION = 100;
/** Detection walks at most this many top-level fields. */
const MAX_TOP_LEVEL_FIELDS = 100_000;

/**
 * Content test: a ModelProto starts with `ir_version` (field 1, a varint — serializers write fields
 * in number order and the field is required), and its top-level fields, skipped by length, end
 * exactly at the end of the file and include a graph.
 */
export async function looksLikeOnnx(head: Uint8Array, path: string): Promise<boolean> {
  if (head.length < 2 || head[0] !== 0x08 || head[1]! < 1 || head[1]! > MAX_IR_VERSION) return false;
  let source: ByteSource | undefined;
  try {
    source = await openSource(path);
    const stream = new WireStream(source, 4096);
    let graph = false;
    for (let fields = 0; stream.position < source.size; fields++) {
      if (fields >= MAX_TOP_LEVEL_FIELDS) return false;
      const header = await stream.tag(source.size);
      if (header.field === ModelField.graph) {
        if (header.wireType !== WIRE_BYTES) return false;
        graph = true;
      }
      if (header.field === ModelField.irVersion && header.wireType !== WIRE_VARINT) return false;
      await stream.skip(header, source.size);
    }
    return graph;
  } catch {
    return false;
  } finally {
    await source?.close();
  }
}

/** Sizes of external data files (local or on the Hub), cached; a failure names the model and tensor. */
function fileSizes(model: string): LocateContext["fileSize"] & { files: Map<string, number> } {
  const files = new Map<string, number>();
  const sizeOf = async (path: string, tensor: string): Promise<number> => {
    let size = files.get(path);
    if (size === undefined) {
      try {
        const source = await openSource(path);
        size = source.size;
        await source.close();
      } catch (error) {
        if (error instanceof InputError) throw new InputError(error.code, model, `external data file ${path}: ${error.detail}`, tensor);
        throw error;
      }
      files.set(path, size);
    }
    return size;
  };
  return Object.assign(sizeOf, { files });
}

/** Unique display names: graph path + stored name, then `#n` for whatever still collides. */
function uniqueNames(found: readonly FoundTensor[]): { name: string; originalName?: string }[] {
  const names = found.map((tensor) => (tensor.path.length > 0 ? { name: [...tensor.path, tensor.storedName].join("/"), originalName: tensor.storedName } : { name: tensor.storedName }));
  const seen = new Map<string, number>();
  for (const entry of names) {
    const count = (seen.get(entry.name) ?? 0) + 1;
    seen.set(entry.name, count);
    if (count > 1) {
      entry.originalName ??= entry.name;
      entry.name = `${entry.name}#${count}`;
    }
  }
  return names;
}

async function describe(found: FoundTensor, naming: { name: string; originalName?: string }, context: LocateContext): Promise<TensorRecord> {
  const { tensor: info } = found;
  const name = naming.name;
  const type = onnxDataType(info.dataType);
  const storedDims = checkedDims(info.dims, context, name, info.at);
  const shape = found.sparseDims ? checkedDims(found.sparseDims, context, name, info.at) : storedDims;
  const params = checkedProduct(shape, context, name, info.at);
  const record: TensorRecord = { name, ...(naming.originalName !== undefined ? { originalName: naming.originalName } : {}), dtype: type.name, shape, params };
  if (info.segmented) return { ...record, skipReason: "segmented tensor (TensorProto.segment) is not supported" };
  if (type.skip || !type.float) return { ...record, skipReason: type.skip ?? `dtype ${type.name} is not analysed` };
  const stored = checkedProduct(storedDims, context, name, info.at);
  if (found.sparseDims && stored > params) {
    throw new InputError("tensor-info", context.file, `sparse tensor stores ${stored} values but its dense dims [${shape.join(", ")}] hold only ${params}`, name, info.at);
  }
  const located = await locateValues(info, type, stored, params, context, name);
  return { ...record, ...located };
}

export async function openOnnx(path: string): Promise<OpenedModel> {
  const source = await openSource(path);
  let walk;
  try {
    walk = await walkModel(new WireStream(source));
  } finally {
    await source.close();
  }
  const sizes = fileSizes(path);
  const context: LocateContext = { file: path, folder: parentOf(path), fileSize: sizes };
  // Names are made unique in stored order (so they do not depend on the graph), then put in execution order.
  const names = uniqueNames(walk.tensors);
  const described: { tensor: TensorRecord; rank: number[] }[] = [];
  for (let i = 0; i < walk.tensors.length; i++) {
    described.push({ tensor: await describe(walk.tensors[i]!, names[i]!, context), rank: walk.tensors[i]!.rank });
  }
  const tensors = described.sort((a, b) => compareRanks(a.rank, b.rank)).map(({ tensor }) => tensor);
  const external = [...sizes.files.keys()];
  const bytes = source.size + [...sizes.files.values()].reduce((sum, size) => sum + size, 0);
  return { path, format: "onnx", files: [path, ...external], bytes, metadata: walk.metadata, tensors, order: walk.executionOrder ? "execution" : "written" };
}

/** External data files of a model (so a directory listing does not mistake them for models). */
export async function onnxCompanions(path: string): Promise<string[]> {
  return (await openOnnx(path)).files.slice(1);
}
