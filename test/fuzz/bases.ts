/**
 * The valid models the fuzzer mutates: one small model of every supported format, written by the
 * same writers as the test fixtures (test/helpers/, test/fixtures/) from seeded Gaussian weights. Each
 * is a set of files (a model and its companions) with an entry file given to `jaynes fit`, and for
 * each file the size of its structural region (headers, directories) where mutations are aimed.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kerasVariables, writeH5, groupAt } from "../fixtures/makeKeras.js";
import { npzMembers } from "../fixtures/makeNumpy.js";
import { stateDict } from "../fixtures/makeTorch.js";
import { toFloat16 } from "../helpers/floatEncode.js";
import { encodeGguf } from "../helpers/ggufWriter.js";
import { encodeNpy } from "../helpers/npyWriter.js";
import { DataType, modelProto } from "../helpers/onnxWriter.js";
import { gaussian, mulberry32 } from "../helpers/random.js";
import { bytesOf, concat, encodeSafetensors, type TensorSpec } from "../helpers/safetensorsWriter.js";
import { TensorType, buildTflite } from "../helpers/tfliteWriter.js";
import { encodeTorchSave } from "../helpers/torchWriter.js";
import { encodeZip } from "../helpers/zipWriter.js";

export interface ModelFiles {
  /** Relative path → bytes. */
  files: Record<string, Uint8Array>;
  /** The file given to `jaynes fit`. */
  entry: string;
}

export interface BaseModel extends ModelFiles {
  format: string;
  /** Files the random mutations may touch, with the size of their structural region (bytes from the start). */
  targets: Record<string, number>;
}

/** Seeded weights in the shapes of a small MLP (three layers fitted at the default --min-params). */
export function fuzzTensors(seed = 15): TensorSpec[] {
  const normal = gaussian(mulberry32(seed));
  const tensor = (name: string, shape: number[], scale: number): TensorSpec => {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) values[i] = scale * normal();
    return { name, dtype: "F32", shape, data: bytesOf(values) };
  };
  // kerasVariables expects the MNIST MLP's names (0/2/4 weight and bias).
  return [tensor("0.weight", [96, 128], 0.05), tensor("0.bias", [96], 0.01), tensor("2.weight", [112, 96], 0.06), tensor("2.bias", [112], 0.01), tensor("4.weight", [100, 112], 0.08), tensor("4.bias", [100], 0.01)];
}

const floats = (t: TensorSpec): Float32Array => new Float32Array(t.data.buffer, t.data.byteOffset, t.data.length / 4);

function safetensorsBase(tensors: TensorSpec[]): BaseModel {
  const bytes = encodeSafetensors(tensors, { format: "pt", step: "10" });
  const headerBytes = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { format: "safetensors", files: { "model.safetensors": bytes }, entry: "model.safetensors", targets: { "model.safetensors": headerBytes } };
}

function shardIndexBase(tensors: TensorSpec[]): BaseModel {
  const half = Math.ceil(tensors.length / 2);
  const shards = [tensors.slice(0, half), tensors.slice(half)];
  const files: Record<string, Uint8Array> = {};
  const weightMap: Record<string, string> = {};
  shards.forEach((shard, i) => {
    const name = `model-0000${i + 1}-of-00002.safetensors`;
    files[name] = encodeSafetensors(shard);
    for (const t of shard) weightMap[t.name] = name;
  });
  const index = new TextEncoder().encode(JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  files["model.safetensors.index.json"] = index;
  return { format: "shard-index", files, entry: "model.safetensors.index.json", targets: { "model.safetensors.index.json": index.length, "model-00001-of-00002.safetensors": 512 } };
}

function onnxBase(tensors: TensorSpec[]): BaseModel {
  // Two initializers inline (raw_data, float_data), the rest in an external data file.
  const [a, b, ...rest] = tensors;
  let offset = 0;
  const external = rest.map((t) => {
    const spec = { name: t.name, dims: t.shape, dataType: DataType.FLOAT, external: { location: "model.onnx_data", offset, length: t.data.length } };
    offset += t.data.length;
    return spec;
  });
  const model = modelProto({
    graph: {
      initializers: [
        { name: a!.name, dims: a!.shape, dataType: DataType.FLOAT, raw: a!.data },
        { name: b!.name, dims: b!.shape, dataType: DataType.FLOAT, floatData: [floats(b!)] },
        ...external,
      ],
    },
  });
  return { format: "onnx", files: { "model.onnx": model, "model.onnx_data": concat(rest.map((t) => t.data)) }, entry: "model.onnx", targets: { "model.onnx": model.length } };
}

function tfliteBase(tensors: TensorSpec[]): BaseModel {
  const [w0, , w2, b2] = tensors;
  const q = Int8Array.from(floats(w2!), (v) => Math.max(-127, Math.min(127, Math.round(v / 0.002))));
  const bytes = buildTflite([
    {
      tensors: [
        { name: "input", type: TensorType.FLOAT32, shape: [1, 128] },
        { name: w0!.name, type: TensorType.FLOAT32, shape: w0!.shape, data: w0!.data },
        { name: "q/2.weight", type: TensorType.INT8, shape: w2!.shape, data: new Uint8Array(q.buffer), quantization: { scale: [0.002], zeroPoint: [0] } },
        { name: b2!.name, type: TensorType.FLOAT16, shape: b2!.shape, data: bytesOf(Uint16Array.from(floats(b2!), toFloat16)) },
      ],
    },
  ]);
  // The flatbuffer tables sit after the buffers' bytes (the builder writes back to front): aim everywhere.
  return { format: "tflite", files: { "model.tflite": bytes }, entry: "model.tflite", targets: { "model.tflite": bytes.length } };
}

function tfjsBase(tensors: TensorSpec[]): BaseModel {
  const strings = ["ab", "xyz", ""];
  const stringBytes = concat(strings.flatMap((text) => [bytesOf(Uint32Array.from([text.length])), new TextEncoder().encode(text)]));
  const weights = [
    ...tensors.map((t) => ({ entry: { name: t.name, shape: t.shape, dtype: "float32" }, data: t.data })),
    { entry: { name: "labels", shape: [3], dtype: "string" }, data: stringBytes },
  ];
  const stream = concat(weights.map((w) => w.data));
  const split = Math.floor(stream.length / 2) + 1;
  const json = new TextEncoder().encode(
    JSON.stringify({ format: "graph-model", modelTopology: { node: [] }, weightsManifest: [{ paths: ["group1-shard1of2.bin", "group1-shard2of2.bin"], weights: weights.map((w) => w.entry) }] }),
  );
  return {
    format: "tfjs",
    files: { "model.json": json, "group1-shard1of2.bin": stream.subarray(0, split), "group1-shard2of2.bin": stream.subarray(split) },
    entry: "model.json",
    targets: { "model.json": json.length },
  };
}

function npyBase(tensors: TensorSpec[]): BaseModel {
  const t = tensors[0]!;
  const bytes = encodeNpy(t.data, { descr: "<f4", shape: t.shape });
  return { format: "npy", files: { "weight.npy": bytes }, entry: "weight.npy", targets: { "weight.npy": 128 } };
}

/** Where a zip's structure is: local headers at the start and the central directory at the end. */
function zipTargets(name: string, bytes: Uint8Array): Record<string, number> {
  return { [name]: bytes.length };
}

function npzBase(tensors: TensorSpec[], deflate: boolean): BaseModel {
  const bytes = encodeZip(npzMembers(tensors, deflate));
  const name = deflate ? "compressed.npz" : "weights.npz";
  return { format: deflate ? "npz-deflated" : "npz", files: { [name]: bytes }, entry: name, targets: zipTargets(name, bytes) };
}

function torchBase(tensors: TensorSpec[]): BaseModel {
  const { root, storages } = stateDict(tensors);
  const bytes = encodeTorchSave(root, storages);
  return { format: "pytorch", files: { "model.pt": bytes }, entry: "model.pt", targets: zipTargets("model.pt", bytes) };
}

function torchLegacyBase(): BaseModel {
  // The pre-1.6 torch.save stream starts with a pickled magic number: recognised, always refused.
  const bytes = concat([Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]), new Uint8Array(256)]);
  return { format: "pytorch-legacy", files: { "legacy.pt": bytes }, entry: "legacy.pt", targets: { "legacy.pt": bytes.length } };
}

function ggufBase(tensors: TensorSpec[]): BaseModel {
  const specs = tensors.map((t) => ({ name: t.name, ne: [...t.shape].reverse(), type: 0, data: t.data }));
  const bytes = encodeGguf(specs, { "general.architecture": { type: "string", value: "mlp" }, "general.name": { type: "string", value: "fuzz" } });
  return { format: "gguf", files: { "model.gguf": bytes }, entry: "model.gguf", targets: { "model.gguf": 1024 } };
}

async function kerasBases(tensors: TensorSpec[]): Promise<BaseModel[]> {
  const dir = mkdtempSync(join(tmpdir(), "jaynes-fuzz-h5-"));
  try {
    const variables = kerasVariables(tensors);
    const legacy = join(dir, "legacy.h5");
    await writeH5(legacy, (root) => {
      root.create_attribute("keras_version", "2.15.0");
      root.create_attribute("backend", "tensorflow");
      for (const v of variables) groupAt(root, `model_weights/${v.layer}/${v.layer}`).create_dataset({ name: `${v.kind}:0`, data: v.values, shape: v.shape });
    });
    const weights = join(dir, "model.weights.h5");
    await writeH5(weights, (root) => {
      variables.forEach((v, i) => groupAt(root, `layers/${v.layer}/vars`).create_dataset({ name: String(i % 2), data: v.values, shape: v.shape }));
    });
    const h5 = new Uint8Array(readFileSync(legacy));
    const member = new Uint8Array(readFileSync(weights));
    const text = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
    const keras = encodeZip([
      { name: "metadata.json", data: text({ keras_version: "3.5.0", date_saved: "2024-01-01@00:00:00" }) },
      { name: "config.json", data: text({ class_name: "Sequential" }) },
      { name: "model.weights.h5", data: member },
    ]);
    return [
      { format: "keras-h5", files: { "model.h5": h5 }, entry: "model.h5", targets: { "model.h5": 8192 } },
      { format: "keras", files: { "model.keras": keras }, entry: "model.keras", targets: { "model.keras": keras.length } },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One valid model of every format. */
export async function baseModels(): Promise<BaseModel[]> {
  const tensors = fuzzTensors();
  return [
    safetensorsBase(tensors),
    shardIndexBase(tensors),
    onnxBase(tensors),
    tfliteBase(tensors),
    tfjsBase(tensors),
    npyBase(tensors),
    npzBase(tensors, false),
    npzBase(tensors, true),
    torchBase(tensors),
    torchLegacyBase(),
    ggufBase(tensors),
    ...(await kerasBases(tensors)),
  ];
}
