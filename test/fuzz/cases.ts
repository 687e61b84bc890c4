/**
 * The fuzz cases: every base model as it is (must be analysed), seeded random mutations of each
 * (any outcome but a clean one is a finding), and structured cases for every finding of issue 15 —
 * references outside the model (symlinks, `..`, absolute paths, HDF5 external storage/links/virtual
 * datasets), FIFOs where a file is expected, zip lies (names, overlaps, CRC), small files that claim
 * huge work, NaN layers, TFLite structural lies — most of which must fail.
 */
import { readFileSync } from "node:fs";
import { crc32 } from "node:zlib";
import { encodeGguf } from "../helpers/ggufWriter.js";
import { DataType, modelProto } from "../helpers/onnxWriter.js";
import { mulberry32 } from "../helpers/random.js";
import { endlessLoopModel, hugeExpandModel, hugeInputModel, smallGraphModel } from "../helpers/hostileOnnx.js";
import { bytesOf, encodeSafetensors, manyEmptyEntries as manyEntries } from "../helpers/safetensorsWriter.js";
import { type TorchValue, encodeTorchSave } from "../helpers/torchWriter.js";
import { encodeZip } from "../helpers/zipWriter.js";
import { type BaseModel, baseModels, fuzzTensors } from "./bases.js";
import { mutate } from "./mutate.js";

/** A file of a case: bytes, a symbolic link (target as written), or a FIFO. */
export type CaseFile = Uint8Array | { symlink: string } | { fifo: true };

export interface FuzzCase {
  id: string;
  /** The row of the report table. */
  format: string;
  /** Relative path → file; `../…` paths are written beside the case folder, outside it. */
  files: Record<string, CaseFile>;
  entry: string;
  /** pass: must be analysed (exit 0); fail: must be refused (exit 2); any: either, cleanly. */
  expect: "pass" | "fail" | "any";
  /** For `fail`: the error code the failure must carry. */
  code?: string;
  /** --timeout for this case when it is heavier than a mutated small model (claims of huge work). */
  seconds?: number;
  /** The command run on the entry (default fit; init runs `--dry-run`). */
  command?: "fit" | "activations" | "init";
  /** activations: arguments after the model (default: --random gaussian --limit 4). */
  args?: string[];
}

const FIXTURES = new URL("../../fixtures/", import.meta.url);
const text = (value: unknown): Uint8Array => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));

function f32Safetensors(values: Float32Array, name = "layer.weight"): Uint8Array {
  return encodeSafetensors([{ name, dtype: "F32", shape: [values.length], data: bytesOf(values) }]);
}

/** Zip archive edits for the zip edge cases (offsets from the PKWARE layout the writer produces). */
function centralEntries(zip: Uint8Array): number[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const found: number[] = [];
  for (let i = 0; i + 4 <= zip.length; i++) if (view.getUint32(i, true) === 0x02014b50) found.push(i);
  return found;
}

function zipCases(base: BaseModel): FuzzCase[] {
  const name = base.entry;
  const zip = base.files[name] as Uint8Array;
  const view = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = centralEntries(zip);
  const cases: FuzzCase[] = [];
  const add = (kind: string, bytes: Uint8Array, code?: string): void => {
    cases.push({ id: `${base.format}/${kind}`, format: base.format, files: { [name]: bytes }, entry: name, expect: "fail", ...(code ? { code } : {}) });
  };
  // 1. The local header names another member than the central directory.
  const renamed = new Uint8Array(zip);
  const firstNameLength = view(renamed).getUint16(26, true);
  renamed[30 + firstNameLength - 1]! ^= 0x01;
  add("local-name-differs", renamed, "malformed");
  // 2. Two central entries point at one local header (the second reads the first's data).
  if (entries.length >= 2) {
    const aliased = new Uint8Array(zip);
    view(aliased).setUint32(entries[1]! + 42, view(aliased).getUint32(entries[0]! + 42, true), true);
    add("entries-share-data", aliased, "malformed");
  }
  // 3. The largest member's data (a tensor's), one byte changed: the CRC-32 no longer matches.
  const last = entries.reduce((largest, at) => (view(zip).getUint32(at + 20, true) > view(zip).getUint32(largest + 20, true) ? at : largest));
  const lastHeader = view(zip).getUint32(last + 42, true);
  const lastData = lastHeader + 30 + view(zip).getUint16(lastHeader + 26, true) + view(zip).getUint16(lastHeader + 28, true);
  const lastSize = view(zip).getUint32(last + 20, true);
  const corrupt = new Uint8Array(zip);
  corrupt[lastData + Math.floor(lastSize * 0.7)]! ^= 0x40;
  add("crc-mismatch", corrupt, view(zip).getUint16(last + 10, true) === 0 ? "malformed" : undefined);
  // 4. The first member's compressed size reaches into the next member.
  if (entries.length >= 2) {
    const grown = new Uint8Array(zip);
    const size = view(grown).getUint32(entries[0]! + 20, true);
    view(grown).setUint32(entries[0]! + 20, size + 64, true);
    if (view(grown).getUint16(entries[0]! + 10, true) === 0) view(grown).setUint32(entries[0]! + 24, size + 64, true);
    add("runs-into-next", grown, "malformed");
  }
  return cases;
}

/** A .pt whose state dict lists one 20,000-element tensor `count` times (memo references). */
function repeatedStorage(count: number): Uint8Array {
  const values = new Float32Array(20_000).map((_, i) => Math.sin(i) * 0.05);
  const storage = { key: "0", type: "FloatStorage", numel: values.length, bytes: bytesOf(values) };
  const tensor: TorchValue = { kind: "tensor", storage, size: [values.length] };
  const items: TorchValue[] = [tensor];
  for (let i = 0; i < count; i++) items.push({ kind: "same", value: tensor });
  return encodeTorchSave({ kind: "dict", entries: [["weights", { kind: "list", items }]] }, [storage]);
}

/** An ONNX model with `count` one-element initializers. */
function manyInitializers(count: number): Uint8Array {
  const initializers = Array.from({ length: count }, (_, i) => ({ name: `i${i}`, dims: [1], dataType: DataType.FLOAT, raw: bytesOf(Float32Array.of(i)) }));
  return modelProto({ graph: { initializers } });
}

function structuredCases(bases: BaseModel[]): FuzzCase[] {
  const byFormat = new Map(bases.map((base) => [base.format, base]));
  const base = (format: string): BaseModel => byFormat.get(format)!;
  const tensors = fuzzTensors();
  const cases: FuzzCase[] = [];

  // --- safetensors: NaN layers, a header claiming a huge tensor list -------------------------------
  cases.push({ id: "safetensors/all-nan", format: "safetensors", files: { "nan.safetensors": f32Safetensors(new Float32Array(20_000).fill(Number.NaN)) }, entry: "nan.safetensors", expect: "fail" });
  cases.push({ id: "safetensors/inf-and-zeros", format: "safetensors", files: { "inf.safetensors": f32Safetensors(new Float32Array(20_000).map((_, i) => (i % 3 === 0 ? Number.POSITIVE_INFINITY : 0))) }, entry: "inf.safetensors", expect: "fail" });
  cases.push({ id: "safetensors/250k-entries", format: "safetensors", files: { "many.safetensors": manyEntries(250_000) }, entry: "many.safetensors", expect: "fail", code: "limit", seconds: 90 });

  // --- shard index: references that leave the folder, FIFOs, missing shards -------------------------
  const index = base("shard-index");
  const shardNames = Object.keys(index.files).filter((file) => file.endsWith(".safetensors"));
  const indexWith = (target: string): Uint8Array => {
    const map = JSON.parse(new TextDecoder().decode(index.files[index.entry] as Uint8Array)) as { weight_map: Record<string, string> };
    for (const key of Object.keys(map.weight_map)) if (map.weight_map[key] === shardNames[1]) map.weight_map[key] = target;
    return text(map);
  };
  const indexCase = (kind: string, target: string, extra: Record<string, CaseFile>, code: string): void => {
    cases.push({ id: `shard-index/${kind}`, format: "shard-index", files: { ...index.files, [index.entry]: indexWith(target), ...extra }, entry: index.entry, expect: "fail", code });
  };
  indexCase("dotdot", "../OUTSIDE/shard.safetensors", { "../OUTSIDE/shard.safetensors": index.files[shardNames[1]!]! }, "unsafe-path");
  indexCase("absolute", "/etc/passwd", {}, "unsafe-path");
  indexCase("symlink-outside", "linked.safetensors", { "linked.safetensors": { symlink: "../OUTSIDE/shard.safetensors" }, "../OUTSIDE/shard.safetensors": index.files[shardNames[1]!]! }, "unsafe-path");
  indexCase("fifo", "pipe.safetensors", { "pipe.safetensors": { fifo: true } }, "unsafe-path");
  indexCase("missing", "absent.safetensors", {}, "io");

  // --- ONNX: external data outside, through a link, a FIFO; a million-initializer claim -------------
  const onnx = base("onnx");
  const onnxWith = (location: string): Uint8Array => {
    const [a, b, ...rest] = tensors;
    let offset = 0;
    const external = rest.map((t) => {
      const spec = { name: t.name, dims: t.shape, dataType: DataType.FLOAT, external: { location, offset, length: t.data.length } };
      offset += t.data.length;
      return spec;
    });
    return modelProto({ graph: { initializers: [{ name: a!.name, dims: a!.shape, dataType: DataType.FLOAT, raw: a!.data }, { name: b!.name, dims: b!.shape, dataType: DataType.FLOAT, raw: b!.data }, ...external] } });
  };
  const data = onnx.files["model.onnx_data"] as Uint8Array;
  cases.push({ id: "onnx/external-symlink-outside", format: "onnx", files: { "model.onnx": onnxWith("data.bin"), "data.bin": { symlink: "../OUTSIDE/data.bin" }, "../OUTSIDE/data.bin": data }, entry: "model.onnx", expect: "fail", code: "unsafe-path" });
  cases.push({ id: "onnx/external-dotdot", format: "onnx", files: { "model.onnx": onnxWith("../OUTSIDE/data.bin"), "../OUTSIDE/data.bin": data }, entry: "model.onnx", expect: "fail", code: "unsafe-path" });
  cases.push({ id: "onnx/external-fifo", format: "onnx", files: { "model.onnx": onnxWith("pipe.bin"), "pipe.bin": { fifo: true } }, entry: "model.onnx", expect: "fail", code: "unsafe-path" });
  cases.push({ id: "onnx/external-dev-zero", format: "onnx", files: { "model.onnx": onnxWith("/dev/zero") }, entry: "model.onnx", expect: "fail", code: "unsafe-path" });
  cases.push({ id: "onnx/250k-initializers", format: "onnx", files: { "many.onnx": manyInitializers(250_000) }, entry: "many.onnx", expect: "fail", code: "limit", seconds: 90 });
  // A Hugging Face cache snapshot: every file a link into the repository's blobs/ (must be read).
  cases.push({
    id: "onnx/hf-cache-snapshot",
    format: "onnx",
    files: {
      "models--org--net/blobs/1111": onnx.files["model.onnx"]!,
      "models--org--net/blobs/2222": data,
      "models--org--net/snapshots/abc/model.onnx": { symlink: "../../blobs/1111" },
      "models--org--net/snapshots/abc/model.onnx_data": { symlink: "../../blobs/2222" },
    },
    entry: "models--org--net/snapshots/abc/model.onnx",
    expect: "pass",
  });

  // --- TF.js: shards that are FIFOs or links outside; a 4 MiB string tensor ---------------------------
  const tfjs = base("tfjs");
  cases.push({ id: "tfjs/shard-fifo", format: "tfjs", files: { ...tfjs.files, "group1-shard2of2.bin": { fifo: true } }, entry: "model.json", expect: "fail", code: "unsafe-path" });
  cases.push({ id: "tfjs/shard-symlink-outside", format: "tfjs", files: { ...tfjs.files, "group1-shard2of2.bin": { symlink: "../OUTSIDE/shard.bin" }, "../OUTSIDE/shard.bin": tfjs.files["group1-shard2of2.bin"]! }, entry: "model.json", expect: "fail", code: "unsafe-path" });
  const strings = new Uint8Array(4 * 1024 * 1024);
  cases.push({
    id: "tfjs/4MiB-string-tensor",
    format: "tfjs",
    files: { "model.json": text({ format: "graph-model", weightsManifest: [{ paths: ["s.bin"], weights: [{ name: "vocab", shape: [strings.length / 4], dtype: "string" }] }] }), "s.bin": strings },
    entry: "model.json",
    expect: "pass",
  });

  // --- zip edge cases on every zip-based format --------------------------------------------------------
  for (const format of ["npz", "npz-deflated", "pytorch", "keras"]) cases.push(...zipCases(base(format)));

  // --- PyTorch: one storage referenced many times ------------------------------------------------------
  cases.push({ id: "pytorch/250k-references", format: "pytorch", files: { "refs.pt": repeatedStorage(250_000) }, entry: "refs.pt", expect: "fail", code: "limit", seconds: 90 });
  cases.push({ id: "pytorch/100k-references", format: "pytorch", files: { "refs.pt": repeatedStorage(100_000) }, entry: "refs.pt", expect: "fail", code: "limit", seconds: 90 });

  // --- TFLite structural lies --------------------------------------------------------------------------
  const tflite = base("tflite").files["model.tflite"] as Uint8Array;
  const zeroRoot = new Uint8Array(tflite);
  zeroRoot.fill(0, 0, 4);
  cases.push({ id: "tflite/zero-root-offset", format: "tflite", files: { "model.tflite": zeroRoot }, entry: "model.tflite", expect: "fail", code: "malformed" });

  // --- GGUF: a tensor count no file can hold -------------------------------------------------------------
  const gguf = new Uint8Array(base("gguf").files["model.gguf"] as Uint8Array);
  new DataView(gguf.buffer).setBigUint64(8, 2n ** 40n, true);
  cases.push({ id: "gguf/huge-tensor-count", format: "gguf", files: { "model.gguf": gguf }, entry: "model.gguf", expect: "fail" });
  const ggufCount = encodeGguf(
    Array.from({ length: 3 }, (_, i) => ({ name: `t${i}`, ne: [4], type: 0, data: new Uint8Array(16) })),
    { "general.architecture": { type: "string", value: "x" } },
  );
  cases.push({ id: "gguf/tiny", format: "gguf", files: { "tiny.gguf": ggufCount }, entry: "tiny.gguf", expect: "pass" });

  // --- HDF5 / Keras: data in other files (the committed fixtures/h5-unsafe/ files) ----------------------
  const h5 = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`h5-unsafe/${name}`, FIXTURES)));
  cases.push({ id: "keras-h5/external-storage", format: "keras-h5", files: { "model.h5": h5("external-storage.h5") }, entry: "model.h5", expect: "fail", code: "unsafe-path" });
  cases.push({ id: "keras-h5/virtual-dataset", format: "keras-h5", files: { "model.h5": h5("virtual.h5"), "../outside.h5": h5("outside.h5") }, entry: "model.h5", expect: "fail", code: "unsafe-path" });
  cases.push({ id: "keras-h5/external-link", format: "keras-h5", files: { "inner/model.h5": h5("inner/external-link.h5"), "outside.h5": h5("outside.h5") }, entry: "inner/model.h5", expect: "fail", code: "unsafe-path" });
  const keras = encodeZip([{ name: "metadata.json", data: text({ keras_version: "3.5.0" }) }, { name: "model.weights.h5", data: h5("external-storage.h5") }]);
  cases.push({ id: "keras/weights-external-storage", format: "keras", files: { "model.keras": keras }, entry: "model.keras", expect: "fail", code: "unsafe-path" });

  // --- a stored member with a wrong CRC inside a .keras (the copy of the weights is checked) --------
  const weights = h5("outside.h5");
  const badCrc = encodeZip([{ name: "model.weights.h5", data: weights }]);
  const crcAt = centralEntries(badCrc)[0]! + 16;
  new DataView(badCrc.buffer, badCrc.byteOffset).setUint32(crcAt, crc32(weights) ^ 1, true);
  cases.push({ id: "keras/declared-crc-wrong", format: "keras", files: { "model.keras": badCrc }, entry: "model.keras", expect: "fail", code: "malformed" });

  // --- names with terminal control sequences: exact in JSON, analysed -----------------------------------
  cases.push({ id: "safetensors/escape-in-name", format: "safetensors", files: { "esc.safetensors": f32Safetensors(Float32Array.from({ length: 20_000 }, (_, i) => Math.cos(i) * 0.1), "\u001b]0;pwned\u0007\u001b[2J\u202e") }, entry: "esc.safetensors", expect: "pass" });
  return cases;
}

/** Every base as it is, `perBase` seeded mutations of each, and the structured cases. */
export async function fuzzCases(options: { seed: number; perBase: number }): Promise<FuzzCase[]> {
  const bases = await baseModels();
  const random = mulberry32(options.seed);
  const cases: FuzzCase[] = [];
  for (const base of bases) {
    cases.push({ id: `${base.format}/valid`, format: base.format, files: base.files, entry: base.entry, expect: base.format === "pytorch-legacy" ? "fail" : "pass" });
    const targets = Object.entries(base.targets);
    for (let i = 0; i < options.perBase; i++) {
      const [file, hot] = targets[Math.floor(random() * targets.length)]!;
      const { bytes, applied } = mutate(base.files[file] as Uint8Array, random, hot);
      cases.push({ id: `${base.format}/${applied.join("+")}#${i}`, format: base.format, files: { ...base.files, [file]: bytes }, entry: base.entry, expect: "any" });
    }
  }
  cases.push(...structuredCases(bases));
  cases.push(...commandCases(bases, random, options.perBase));
  return cases;
}

/**
 * `activations` (the runtime fed a mutated graph, an endless Loop, a huge Expand, a huge declared
 * input, FIFOs) and `init --dry-run` (a mutated model read through init's own path).
 */
function commandCases(bases: BaseModel[], random: () => number, perBase: number): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const graph = smallGraphModel();
  const activations = (id: string, files: Record<string, CaseFile>, expect: FuzzCase["expect"], extra: Partial<FuzzCase> = {}): void => {
    cases.push({ id: `activations/${id}`, format: "activations", files, entry: "model.onnx", expect, command: "activations", ...extra });
  };
  activations("valid", { "model.onnx": graph }, "pass");
  for (let i = 0; i < perBase; i++) {
    const { bytes, applied } = mutate(graph, random, graph.length);
    activations(`${applied.join("+")}#${i}`, { "model.onnx": bytes }, "any");
  }
  activations("endless-loop", { "model.onnx": endlessLoopModel() }, "fail", { code: "timeout", seconds: 3 });
  activations("expand-1GiB", { "model.onnx": hugeExpandModel(16_384) }, "fail", { code: "limit", args: ["--random", "gaussian", "--limit", "1", "--runtime-memory", "400MB"] });
  activations("input-1e9-elements", { "model.onnx": hugeInputModel(1_000_000_000) }, "fail", { code: "limit" });
  activations("model-fifo", { "model.onnx": { fifo: true } }, "fail", { code: "unsafe-path" });
  activations("input-fifo", { "model.onnx": graph, "x.npy": { fifo: true } }, "fail", { args: ["--input", "x.npy"] });

  const init = (base: BaseModel, id: string, files: Record<string, CaseFile>, expect: FuzzCase["expect"]): void => {
    cases.push({ id: `init/${base.format}/${id}`, format: "init", files, entry: base.entry, expect, command: "init" });
  };
  for (const format of ["safetensors", "shard-index", "pytorch", "gguf"]) {
    const base = bases.find((candidate) => candidate.format === format)!;
    init(base, "valid", base.files, "pass");
    const [file, hot] = Object.entries(base.targets)[0]!;
    const { bytes, applied } = mutate(base.files[file] as Uint8Array, random, hot);
    init(base, applied.join("+"), { ...base.files, [file]: bytes }, "any");
  }
  return cases;
}
