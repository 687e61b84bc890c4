/**
 * Builds TFLite flatbuffers for fixtures with the flatbuffers Builder, field slots as in TFLite's
 * schema.fbs (see src/formats/tflite/schema.ts). Tensors with `outside` keep their bytes after the
 * flatbuffer, located by Buffer.offset/size as converters do for models > 2 GB.
 */
import { Builder } from "flatbuffers";
import { concat } from "./safetensorsWriter.js";

export const TensorType = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT8: 9 } as const;

export interface TfliteTensorSpec {
  name: string;
  type: number;
  shape: number[];
  /** Constant data; absent for activations (buffer 0). */
  data?: Uint8Array;
  /** Buffer index to use instead of a new buffer (malformed fixtures). */
  bufferIndex?: number;
  quantization?: { scale: number[]; zeroPoint: number[]; axis?: number };
  sparse?: boolean;
  outside?: boolean;
  /** Explicit Buffer offset/size (malformed fixtures); data stays empty. */
  offsetSize?: [number, number];
}

export interface TfliteSubgraphSpec {
  name?: string;
  tensors: TfliteTensorSpec[];
  /** Operators in execution order, each as the indices of the tensors it reads. */
  operators?: number[][];
}

const ALIGN = 16;

export function buildTflite(subgraphs: TfliteSubgraphSpec[], description = "jaynes test"): Uint8Array {
  const outside = subgraphs.flatMap((s) => s.tensors).filter((t) => t.outside && t.data);
  // The offsets are written inside the flatbuffer, whose size does not depend on their values:
  // build once with placeholders to learn the size, then with the real offsets.
  const placeholder = build(subgraphs, description, outside.map(() => 2 ** 40));
  let at = Math.ceil(placeholder.length / ALIGN) * ALIGN;
  const offsets = outside.map((t) => {
    const offset = at;
    at = Math.ceil((at + t.data!.length) / ALIGN) * ALIGN;
    return offset;
  });
  const flatbuffer = build(subgraphs, description, offsets);
  if (outside.length === 0) return flatbuffer;
  const out = new Uint8Array(at);
  out.set(flatbuffer);
  outside.forEach((t, i) => out.set(t.data!, offsets[i]!));
  return out;
}

function build(subgraphs: TfliteSubgraphSpec[], description: string, outsideOffsets: number[]): Uint8Array {
  const b = new Builder(1024);
  const buffers: number[] = [];
  const emptyBuffer = (): number => {
    b.startObject(3);
    return b.endObject();
  };
  buffers.push(emptyBuffer());
  let outsideIndex = 0;
  const bufferOf = new Map<TfliteTensorSpec, number>();
  for (const tensor of subgraphs.flatMap((s) => s.tensors)) {
    if (tensor.bufferIndex !== undefined || (!tensor.data && !tensor.offsetSize)) continue;
    let offset = 0;
    let size = 0;
    let data = 0;
    if (tensor.offsetSize) [offset, size] = tensor.offsetSize;
    else if (tensor.outside) [offset, size] = [outsideOffsets[outsideIndex++]!, tensor.data!.length];
    else data = b.createByteVector(tensor.data!);
    b.startObject(3);
    if (data) b.addFieldOffset(0, data, 0);
    if (offset) b.addFieldInt64(1, BigInt(offset), 0n);
    if (size) b.addFieldInt64(2, BigInt(size), 0n);
    bufferOf.set(tensor, buffers.length);
    buffers.push(b.endObject());
  }

  const vector = (size: number, values: readonly number[], add: (value: number) => void): number => {
    b.startVector(size, values.length, size);
    for (let i = values.length - 1; i >= 0; i--) add(values[i]!);
    return b.endVector();
  };
  const offsets = (values: readonly number[]): number => vector(4, values, (v) => b.addOffset(v));

  const subgraphOffsets = subgraphs.map((subgraph) => {
    const tensors = subgraph.tensors.map((tensor) => {
      const name = b.createString(tensor.name);
      const shape = vector(4, tensor.shape, (v) => b.addInt32(v));
      let quantization = 0;
      if (tensor.quantization) {
        const scale = vector(4, tensor.quantization.scale, (v) => b.addFloat32(v));
        const zeroPoint = vector(8, tensor.quantization.zeroPoint, (v) => b.addInt64(BigInt(v)));
        b.startObject(7);
        b.addFieldOffset(2, scale, 0);
        b.addFieldOffset(3, zeroPoint, 0);
        b.addFieldInt32(6, tensor.quantization.axis ?? 0, 0);
        quantization = b.endObject();
      }
      let sparsity = 0;
      if (tensor.sparse) {
        const traversal = vector(4, tensor.shape.map((_, i) => i), (v) => b.addInt32(v));
        b.startObject(3);
        b.addFieldOffset(0, traversal, 0);
        sparsity = b.endObject();
      }
      b.startObject(8);
      b.addFieldOffset(0, shape, 0);
      b.addFieldInt8(1, tensor.type, 0);
      b.addFieldInt32(2, tensor.bufferIndex ?? bufferOf.get(tensor) ?? 0, 0);
      b.addFieldOffset(3, name, 0);
      if (quantization) b.addFieldOffset(4, quantization, 0);
      if (sparsity) b.addFieldOffset(6, sparsity, 0);
      return b.endObject();
    });
    const tensorVector = offsets(tensors);
    const operators = (subgraph.operators ?? []).map((inputs) => {
      const inputVector = vector(4, inputs, (v) => b.addInt32(v));
      b.startObject(3);
      b.addFieldInt32(0, 0, 0);
      b.addFieldOffset(1, inputVector, 0);
      return b.endObject();
    });
    const operatorVector = operators.length > 0 ? offsets(operators) : 0;
    const name = b.createString(subgraph.name ?? "main");
    b.startObject(5);
    b.addFieldOffset(0, tensorVector, 0);
    if (operatorVector) b.addFieldOffset(3, operatorVector, 0);
    b.addFieldOffset(4, name, 0);
    return b.endObject();
  });

  const subgraphVector = offsets(subgraphOffsets);
  const bufferVector = offsets(buffers);
  const text = b.createString(description);
  b.startObject(8);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(2, subgraphVector, 0);
  b.addFieldOffset(3, text, 0);
  b.addFieldOffset(4, bufferVector, 0);
  b.finish(b.endObject(), "TFL3");
  return concat([b.asUint8Array()]);
}
