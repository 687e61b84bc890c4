/**
 * ONNX models that attack the runtime rather than the reader (issue 15, `jaynes activations`): a
 * Loop that never ends, an Expand to a huge shape, an input declared far larger than any batch; and
 * a small well-formed graph the fuzzer mutates. Written with the test ONNX writer.
 */
import { DataType, bytesOf, graphProto, modelProto } from "./onnxWriter.js";
import { gaussian, mulberry32 } from "./random.js";

const f32 = (values: number[]): Uint8Array => bytesOf(Float32Array.from(values));
const i64 = (values: number[]): Uint8Array => bytesOf(BigInt64Array.from(values.map(BigInt)));
const seeded = (count: number, seed: number, scale: number): number[] => {
  const normal = gaussian(mulberry32(seed));
  return Array.from({ length: count }, () => scale * normal());
};

/** x [n, 8] → MatMul (8×64) → Relu → MatMul (64×32): two observed layers of a few thousand values. */
export function smallGraphModel(): Uint8Array {
  return modelProto({
    opset: 17,
    graph: {
      nodes: [
        { opType: "MatMul", name: "fc1", inputs: ["x", "w1"], outputs: ["h"] },
        { opType: "Relu", name: "act", inputs: ["h"], outputs: ["a"] },
        { opType: "MatMul", name: "fc2", inputs: ["a", "w2"], outputs: ["y"] },
      ],
      initializers: [
        { name: "w1", dims: [8, 64], dataType: DataType.FLOAT, raw: f32(seeded(512, 1, 0.4)) },
        { name: "w2", dims: [64, 32], dataType: DataType.FLOAT, raw: f32(seeded(2048, 2, 0.2)) },
      ],
      inputs: [{ name: "x", dataType: DataType.FLOAT, dims: ["n", 8] }],
      outputs: [{ name: "y", dataType: DataType.FLOAT, dims: ["n", 32] }],
    },
  });
}

/** x [n, 8] → a Loop of 10¹⁵ iterations adding 1: a run that never ends. */
export function endlessLoopModel(): Uint8Array {
  const body = graphProto({
    name: "body",
    nodes: [
      { opType: "Constant", name: "one", outputs: ["one"], attributes: [{ name: "value", tensor: { name: "one", dims: [], dataType: DataType.FLOAT, raw: f32([1]) } }] },
      { opType: "Add", name: "step", inputs: ["v_in", "one"], outputs: ["v_out"] },
      { opType: "Identity", name: "keep", inputs: ["cond_in"], outputs: ["cond_out"] },
    ],
    inputs: [
      { name: "i", dataType: DataType.INT64, dims: [] },
      { name: "cond_in", dataType: 9, dims: [] },
      { name: "v_in", dataType: DataType.FLOAT, dims: ["n", 8] },
    ],
    outputs: [
      { name: "cond_out", dataType: 9, dims: [] },
      { name: "v_out", dataType: DataType.FLOAT, dims: ["n", 8] },
    ],
  });
  return modelProto({
    opset: 17,
    graph: {
      nodes: [
        { opType: "Relu", name: "first", inputs: ["x"], outputs: ["r"] },
        { opType: "Loop", name: "forever", inputs: ["trips", "go", "r"], outputs: ["y"], attributes: [{ name: "body", graph: body }] },
      ],
      initializers: [
        { name: "trips", dims: [], dataType: DataType.INT64, raw: i64([1e15]) },
        { name: "go", dims: [], dataType: 9, raw: Uint8Array.of(1) },
      ],
      inputs: [{ name: "x", dataType: DataType.FLOAT, dims: ["n", 8] }],
      outputs: [{ name: "y", dataType: DataType.FLOAT, dims: ["n", 8] }],
    },
  });
}

/** x [n, 1] → Expand to [side, side] float32: side² × 4 bytes asked of the runtime by a 200-byte file. */
export function hugeExpandModel(side: number): Uint8Array {
  return modelProto({
    opset: 17,
    graph: {
      nodes: [
        { opType: "Relu", name: "first", inputs: ["x"], outputs: ["r"] },
        { opType: "Expand", name: "grow", inputs: ["r", "shape"], outputs: ["y"] },
      ],
      initializers: [{ name: "shape", dims: [2], dataType: DataType.INT64, raw: i64([side, side]) }],
      inputs: [{ name: "x", dataType: DataType.FLOAT, dims: [1, 1] }],
      outputs: [{ name: "y", dataType: DataType.FLOAT, dims: [side, side] }],
    },
  });
}

/** An input declared [n, elements]: one random sample would take elements × 4 bytes. */
export function hugeInputModel(elements: number): Uint8Array {
  return modelProto({
    opset: 17,
    graph: {
      nodes: [{ opType: "Relu", name: "act", inputs: ["x"], outputs: ["y"] }],
      inputs: [{ name: "x", dataType: DataType.FLOAT, dims: ["n", elements] }],
      outputs: [{ name: "y", dataType: DataType.FLOAT, dims: ["n", elements] }],
    },
  });
}
