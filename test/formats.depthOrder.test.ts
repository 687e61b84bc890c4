/** Depth order: natural order of names, a writer's own order, and graph order for ONNX, TFLite and TF.js. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { depthOrderOf, naturalCompare, numberedInOrder } from "../src/formats/depthOrder.js";
import { analyzeFile, openModel } from "../src/index.js";
import { DataType, bytesOf, modelProto } from "./helpers/onnxWriter.js";
import { mulberry32 } from "./helpers/random.js";
import { writeSafetensors } from "./helpers/safetensorsWriter.js";
import { TensorType, buildTflite } from "./helpers/tfliteWriter.js";
import { contiguousStride, encodeTorchSave, type TorchStorage, type TorchValue } from "./helpers/torchWriter.js";

const dir = mkdtempSync(join(tmpdir(), "jaynes-depth-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const random = mulberry32(20);
const weights = (n: number): Float32Array => Float32Array.from({ length: n }, () => random() - 0.5);
const BLOCKS = 16;
/** The names a 16-block model stores, sorted as strings (as safetensors writers store them). */
const sortedNames = Array.from({ length: BLOCKS }, (_, i) => `layers.${i}.weight`).sort();
const depthNames = Array.from({ length: BLOCKS }, (_, i) => `layers.${i}.weight`);

describe("natural order", () => {
  it("compares digit runs as numbers and the rest by code units", () => {
    const names = ["layers.10.w", "layers.2.w", "layers.2.b", "lm_head", "embed", "layers.1.w", "Layers.3", "h.007", "h.7", "h.10"];
    expect([...names].sort(naturalCompare)).toEqual(["Layers.3", "embed", "h.7", "h.007", "h.10", "layers.1.w", "layers.2.b", "layers.2.w", "layers.10.w", "lm_head"]);
    expect(naturalCompare("x99999999999999999999", "x100000000000000000000")).toBeLessThan(0);
  });

  it("a written order is kept unless numbered siblings are out of numeric order", () => {
    expect(numberedInOrder(["embed", "layers.0.w", "layers.1.w", "layers.10.w", "head"])).toBe(true);
    expect(numberedInOrder(sortedNames)).toBe(false);
    expect(depthOrderOf(["embed", "layers.0.w", "head"], "written")).toEqual([0, 1, 2]);
    expect(depthOrderOf(["embed", "layers.0.w", "head"], "names")).toEqual([0, 2, 1]);
    expect(depthOrderOf(["b", "a"], "execution")).toEqual([0, 1]);
    expect(depthOrderOf(sortedNames, "written").map((i) => sortedNames[i])).toEqual(depthNames);
  });
});

describe("depth order of real files", () => {
  it("a generated 16-block safetensors model: layers.2 before layers.10 in the layers, the depth fields and the skipped list", async () => {
    const path = join(dir, "blocks.safetensors");
    writeSafetensors(path, [...sortedNames.map((name) => ({ name, dtype: "F32", shape: [64, 64], data: bytesOf(weights(4096)) })), { name: "layers.3.bias", dtype: "F32", shape: [64], data: bytesOf(weights(64)) }]);
    const result = await analyzeFile(path, { minParams: 1000 });
    expect(result.layers.map((layer) => layer.tensor)).toEqual(depthNames);
    expect(result.layers.map((layer) => layer.depth)).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(result.skipped).toMatchObject([{ tensor: "layers.3.bias", depth: 3 }]);
    expect(result.layers.findIndex((layer) => layer.tensor === "layers.2.weight")).toBeLessThan(result.layers.findIndex((layer) => layer.tensor === "layers.10.weight"));
  });

  it("a PyTorch state_dict keeps its module order (the head last), or is sorted naturally when written sorted", async () => {
    const module = ["embed.weight", ...depthNames, "head.weight"];
    const write = (file: string, names: string[]): string => {
      const storages: TorchStorage[] = names.map((_name, i) => ({ key: String(i), type: "FloatStorage", numel: 4096, bytes: bytesOf(weights(4096)) }));
      const root: TorchValue = { kind: "dict", ordered: true, stateDictMetadata: true, entries: names.map((name, i) => [name, { kind: "tensor", storage: storages[i]!, size: [64, 64], stride: contiguousStride([64, 64]) }]) };
      writeFileSync(join(dir, file), encodeTorchSave(root, storages));
      return join(dir, file);
    };
    expect((await openModel(write("module.pt", module))).tensors.map((t) => t.name)).toEqual(module);
    expect((await openModel(write("sorted.pt", [...module].sort()))).tensors.map((t) => t.name)).toEqual(["embed.weight", "head.weight", ...depthNames]);
  });

  it("ONNX: initializers in the order the nodes use them, a Constant at its node, unused initializers last", async () => {
    const tensor = (name: string) => ({ name, dims: [8], dataType: DataType.FLOAT, raw: bytesOf(weights(8)) });
    const bytes = modelProto({
      graph: {
        initializers: [tensor("z_head"), tensor("unused"), tensor("a_first"), tensor("m_second")],
        nodes: [
          { opType: "MatMul", inputs: ["x", "a_first"], outputs: ["h1"] },
          { opType: "Constant", outputs: ["c"], attributes: [{ name: "value", tensor: tensor("const_mid") }] },
          { opType: "MatMul", inputs: ["h1", "m_second"], outputs: ["h2"] },
          { opType: "Add", inputs: ["h2", "c"], outputs: ["h3"] },
          { opType: "MatMul", inputs: ["h3", "z_head"], outputs: ["y"] },
        ],
      },
    });
    writeFileSync(join(dir, "graph.onnx"), bytes);
    const model = await openModel(join(dir, "graph.onnx"));
    expect(model.order).toBe("execution");
    expect(model.tensors.map((t) => t.name)).toEqual(["a_first", "const_mid", "m_second", "z_head", "unused"]);
  });

  it("TFLite: constant tensors in the order of the first operator reading them", async () => {
    const tensor = (name: string) => ({ name, type: TensorType.FLOAT32, shape: [8], data: bytesOf(weights(8)) });
    const bytes = buildTflite([{ tensors: [tensor("head"), { name: "input", type: TensorType.FLOAT32, shape: [8] }, tensor("conv1"), tensor("conv2"), tensor("spare")], operators: [[1, 2], [-1, 3], [3, 0]] }]);
    writeFileSync(join(dir, "ops.tflite"), bytes);
    const model = await openModel(join(dir, "ops.tflite"));
    expect(model.order).toBe("execution");
    expect(model.tensors.map((t) => t.name)).toEqual(["conv1", "conv2", "head", "spare"]);
  });

  it("TF.js graph model: weights in the graph's execution order, not the manifest's", async () => {
    const names = ["head/w", "conv1/w", "conv2/w"];
    writeFileSync(join(dir, "group1-shard1of1.bin"), bytesOf(weights(24)));
    const node = (name: string, op: string, input: string[] = []) => ({ name, op, input });
    const topology = {
      node: [
        ...names.map((name) => node(name, "Const")),
        node("input", "Placeholder"),
        node("conv1", "Conv2D", ["input", "conv1/w"]),
        node("relu", "Relu", ["conv1:0"]),
        node("conv2", "Conv2D", ["relu", "conv2/w", "^conv1"]),
        node("head", "MatMul", ["conv2", "head/w"]),
        node("output", "Identity", ["head"]),
      ],
    };
    const manifest = [{ paths: ["group1-shard1of1.bin"], weights: names.map((name) => ({ name, shape: [8], dtype: "float32" })) }];
    writeFileSync(join(dir, "model.json"), JSON.stringify({ format: "graph-model", modelTopology: topology, weightsManifest: manifest }));
    const model = await openModel(join(dir, "model.json"));
    expect(model.order).toBe("execution");
    expect(model.tensors.map((t) => t.name)).toEqual(["conv1/w", "conv2/w", "head/w"]);
  });
});
