/**
 * Model inputs, batch by batch. Each graph input gets a feeder:
 * - a stored tensor (`.npy`, `.npz` member, safetensors tensor) whose first axis is the samples,
 *   read in order, `batch` rows at a time (compressed `.npz` members stream through the inflater),
 *   converted to the type the graph declares (elementTypes.ts);
 * - a constant (`--input sr=16000`): the input's declared shape filled with the number, symbolic
 *   dims taking the batch size (a recurrent state of zeros is `--input state=0`);
 * - random values (`--random gaussian|uniform`, an explicit baseline, never the default): N(0, 1) or
 *   U[0, 1) from a seeded generator, per-sample shape from the graph or `--shape`.
 * Memory is one batch per input, and one batch of all inputs together holds at most
 * INPUT_BATCH_BYTES (the batch is reduced to fit; a single sample larger than that is a `limit`
 * error naming the input — a model declaring a 10⁹-element input must not allocate it).
 */
import { InputError, UsageError } from "../errors.js";
import { openModel } from "../formats/open.js";
import type { TensorRecord, TensorStorage } from "../formats/tensor.js";
import { SourcePool } from "../io/byteSource.js";
import { readTensorChunks } from "../io/tensorChunks.js";
import { normalRandom } from "../stats/normalRandom.js";
import { hashString, mulberry32 } from "../stats/seededRandom.js";
import { type ElementType, conversionProblem, convertValues, describeElementType, elementTypeOfOrt, elementTypeOfStored } from "./elementTypes.js";
import type { OrtData, OrtElementType } from "./onnxRuntime.js";

export interface GraphInput {
  name: string;
  type: OrtElementType;
  /** Declared dims: a number, a symbolic name, or null (unknown); undefined when not declared. */
  shape?: (number | string | null)[];
}

/** One input given: a stored tensor file (`.npy`, `.npz`, …; `name` when the model has several inputs) or a constant `NAME=NUMBER`. */
export type InputSpec = { kind: "file"; name?: string; path: string } | { kind: "fill"; name: string; value: number };

/** `--random`: N(0, 1) or U[0, 1) inputs, seeded (a baseline, never the default). */
export type RandomDistribution = "gaussian" | "uniform";

/** Which samples are used: at most `limit`, random inputs and their seed. */
export interface InputOptions {
  /** At most this many samples (default: all; 1000 for random inputs alone). */
  limit?: number;
  random?: RandomDistribution;
  seed?: number;
  /** Per-sample shapes (dims after the batch axis) for random inputs, by input name. */
  shapes?: ReadonlyMap<string, number[]>;
}

export interface InputArray {
  type: OrtElementType;
  data: OrtData;
  dims: number[];
}

/** What feeds one graph input, as reported in the output. */
export interface InputDescription {
  name: string;
  type: OrtElementType;
  source: string;
  /** Stored shape (files), or the shape of one batch's worth for generated inputs. */
  shape: number[];
}

interface Feeder {
  description: InputDescription;
  /** The input file it reads, if any (errors about its samples name it). */
  file?: string;
  /** Bytes of one sample as fed (a constant with dynamic dims: at a batch of one). */
  bytesPerSample: number;
  /** Rows available (stored tensors only). */
  rows?: number;
  /** The next `count` samples (always called in order). */
  next(count: number): Promise<InputArray>;
  close(): Promise<void>;
}

export interface InputPlan {
  inputs: InputDescription[];
  samples: number;
  /** Bytes of one sample of all inputs together, as fed (≤ INPUT_BATCH_BYTES). */
  bytesPerSample: number;
  /**
   * Feeds for the next `count` samples (fewer at the end), or undefined after the last. Batches of a
   * stored input must keep one size (the last may be shorter).
   */
  nextBatch(count: number): Promise<{ feeds: Map<string, InputArray>; count: number } | undefined>;
  close(): Promise<void>;
}

/** Largest batch of inputs held at once (all inputs together, as fed to the runtime). */
export const INPUT_BATCH_BYTES = 64 * 1024 * 1024;

/** Samples drawn for `--random` when no `--limit` says how many. */
export const DEFAULT_RANDOM_SAMPLES = 1000;

const formatShape = (shape: readonly (number | string | null)[] | undefined): string => (shape ? `[${shape.map((dim) => (typeof dim === "number" ? dim : dim || "?")).join(", ")}]` : "[?]");

/** Bind specs to graph inputs of `model` (errors about what it declares name it) and open what they name. */
export async function planInputs(graphInputs: readonly GraphInput[], specs: readonly InputSpec[], options: InputOptions, model = "the model"): Promise<InputPlan> {
  const byName = new Map(graphInputs.map((input) => [input.name, input]));
  const feeders = new Map<string, Feeder>();
  const bind = (input: GraphInput, feeder: Feeder): void => {
    if (feeders.has(input.name)) throw new UsageError(`--input: graph input "${input.name}" is given twice`);
    feeders.set(input.name, feeder);
  };
  const known = (): string => graphInputs.map((input) => `${input.name} (${input.type} ${formatShape(input.shape)})`).join(", ");
  try {
    for (const spec of specs) {
      if (spec.name !== undefined && !byName.has(spec.name)) throw new UsageError(`--input ${spec.name}=…: the model has no input "${spec.name}"; its inputs are ${known()}`);
      if (spec.kind === "fill") {
        bind(byName.get(spec.name)!, fillFeeder(byName.get(spec.name)!, spec.value, model));
        continue;
      }
      const tensors = await storedTensors(spec.path);
      if (spec.name !== undefined) {
        if (tensors.length !== 1) throw new UsageError(`--input ${spec.name}=${spec.path}: the file holds ${tensors.length} tensors; give a file with one (or name none and let tensor names match input names)`);
        bind(byName.get(spec.name)!, fileFeeder(byName.get(spec.name)!, spec.path, tensors[0]!));
        continue;
      }
      const matching = tensors.filter((tensor) => byName.has(tensor.name) && !feeders.has(tensor.name));
      if (matching.length > 0) {
        for (const tensor of matching) bind(byName.get(tensor.name)!, fileFeeder(byName.get(tensor.name)!, spec.path, tensor));
        continue;
      }
      const open = graphInputs.filter((input) => !feeders.has(input.name) && !specs.some((other) => other.name === input.name));
      if (tensors.length === 1 && open.length === 1) {
        bind(open[0]!, fileFeeder(open[0]!, spec.path, tensors[0]!));
        continue;
      }
      throw new UsageError(`--input ${spec.path}: cannot tell which model input it is for (tensors: ${tensors.map((t) => t.name).join(", ")}; inputs: ${known()}); write --input NAME=${spec.path}`);
    }
    for (const input of graphInputs) {
      if (feeders.has(input.name)) continue;
      if (options.random && elementTypeOfOrt(input.type)?.kind === "float") {
        bind(input, randomFeeder(input, options.random, options.seed ?? 0, options.shapes?.get(input.name)));
        continue;
      }
      const hint = elementTypeOfOrt(input.type)?.kind === "float" ? `--input ${input.name}=FILE, --input ${input.name}=0 or --random gaussian` : `--input ${input.name}=FILE or --input ${input.name}=VALUE`;
      throw new UsageError(`model input "${input.name}" (${input.type} ${formatShape(input.shape)}) has no values: give ${hint}`);
    }
  } catch (error) {
    await Promise.all([...feeders.values()].map((feeder) => feeder.close()));
    throw error;
  }
  const ordered = graphInputs.map((input) => feeders.get(input.name)!);
  const stored = ordered.filter((feeder) => feeder.rows !== undefined);
  const rows = stored.map((feeder) => feeder.rows!);
  if (rows.length > 0 && rows.some((count) => count !== rows[0])) {
    await Promise.all(ordered.map((feeder) => feeder.close()));
    throw new UsageError(`the inputs hold different numbers of samples: ${stored.map((feeder) => `${feeder.description.name} ${feeder.rows}`).join(", ")}`);
  }
  const bytesPerSample = ordered.reduce((sum, feeder) => sum + feeder.bytesPerSample, 0);
  if (bytesPerSample > INPUT_BATCH_BYTES) {
    await Promise.all(ordered.map((feeder) => feeder.close()));
    const largest = ordered.reduce((a, b) => (b.bytesPerSample > a.bytesPerSample ? b : a));
    throw new InputError("limit", largest.file ?? model, `one sample of the model's inputs takes ${bytesPerSample} bytes (input "${largest.description.name}": ${largest.bytesPerSample}), above the ${INPUT_BATCH_BYTES}-byte limit for one batch`);
  }
  const available = rows.length > 0 ? rows[0]! : (options.limit ?? DEFAULT_RANDOM_SAMPLES);
  const samples = Math.min(available, options.limit ?? Infinity);
  let done = 0;
  return {
    inputs: ordered.map((feeder) => feeder.description),
    samples,
    bytesPerSample,
    async nextBatch(wanted) {
      if (done >= samples) return undefined;
      const count = Math.min(wanted, samples - done);
      const feeds = new Map<string, InputArray>();
      for (const feeder of ordered) feeds.set(feeder.description.name, await feeder.next(count));
      done += count;
      return { feeds, count };
    },
    close: async () => {
      await Promise.all(ordered.map((feeder) => feeder.close()));
    },
  };
}

/** The tensors of an input file that can be read as data (safetensors, .npy, .npz). */
async function storedTensors(path: string): Promise<TensorRecord[]> {
  const model = await openModel(path);
  if (!["safetensors", "npy", "npz"].includes(model.format)) throw new InputError("unknown-format", path, `is a ${model.format} file; inputs are read from .npy, .npz or safetensors files`);
  if (model.tensors.length === 0) throw new InputError("malformed", path, "holds no tensor");
  return model.tensors;
}

function fileFeeder(input: GraphInput, path: string, tensor: TensorRecord): Feeder {
  const storage: TensorStorage | undefined = tensor.storage;
  const stored = elementTypeOfStored(tensor.dtype);
  const target = elementTypeOfOrt(input.type);
  if (!storage || !stored) throw new InputError("unsupported-dtype", path, `dtype ${tensor.dtype} cannot be fed to a model`, tensor.name);
  if (!target) throw new UsageError(`model input "${input.name}" has type ${input.type}, which jaynes cannot feed`);
  const problem = conversionProblem(stored, target);
  if (problem) throw new InputError("unsupported-dtype", path, `${problem} ("${input.name}")`, tensor.name);
  if (storage.columnMajor && tensor.shape.length > 1) throw new InputError("malformed", path, "Fortran-order array: save it in C order (np.ascontiguousarray) to use it as model input", tensor.name);
  checkShape(input, tensor.shape, path, tensor.name);
  const rows = tensor.shape[0] ?? 1;
  const rowShape = tensor.shape.slice(1);
  const rowElements = rowShape.reduce((product, dim) => product * dim, 1);
  const rowBytes = rowElements * stored.bytes;
  const pool = new SourcePool();
  let chunks: AsyncGenerator<Uint8Array> | undefined;
  let chunkRows = 0;
  return {
    description: { name: input.name, type: input.type, source: `${path}${tensor.name && !path.endsWith(".npy") ? `:${tensor.name}` : ""} (${describeElementType(stored)})`, shape: tensor.shape },
    rows,
    file: path,
    bytesPerSample: rowElements * Math.max(stored.bytes, target.bytes),
    async next(count) {
      if (rowBytes === 0) return { type: input.type, data: convertValues(new Uint8Array(0), 0, stored, target), dims: [count, ...rowShape] };
      // Chunks are exactly `count` rows long (the batch), the last one shorter.
      if (!chunks || count !== chunkRows) {
        if (chunks && count > chunkRows) throw new Error("batches must not grow");
        if (!chunks) {
          chunkRows = count;
          chunks = readTensorChunks(storage, pool, { unitBytes: rowBytes, chunkBytes: count * rowBytes });
        }
      }
      const result = await chunks.next();
      // A shorter last batch (--limit) takes the first rows of a full chunk.
      if (result.done || result.value.length < count * rowBytes) throw new InputError("truncated", path, `holds fewer rows than its shape says (${tensor.shape[0]})`, tensor.name);
      try {
        return { type: input.type, data: convertValues(result.value.subarray(0, count * rowBytes), count * rowElements, stored, target, storage.bigEndian), dims: [count, ...rowShape] };
      } catch (error) {
        if (error instanceof RangeError) throw new InputError("unsupported-dtype", path, `${error.message} ("${input.name}" is ${input.type})`, tensor.name);
        throw error;
      }
    },
    close: async () => {
      await chunks?.return(undefined);
      await pool.close();
    },
  };
}

/** A stored tensor must have the graph input's rank and its static dims after the batch axis. */
function checkShape(input: GraphInput, shape: readonly number[], path: string, tensor: string): void {
  if (!input.shape) return;
  if (shape.length !== input.shape.length) {
    throw new InputError("tensor-info", path, `shape [${shape.join(", ")}] does not fit model input "${input.name}" ${formatShape(input.shape)} (the first axis is the samples)`, tensor);
  }
  input.shape.forEach((dim, axis) => {
    if (axis > 0 && typeof dim === "number" && dim !== shape[axis]) {
      throw new InputError("tensor-info", path, `shape [${shape.join(", ")}] does not fit model input "${input.name}" ${formatShape(input.shape)}: axis ${axis} is ${shape[axis]}, the model wants ${dim}`, tensor);
    }
  });
}

/** The declared shape with every non-static dim set to the batch size. */
function filledShape(input: GraphInput, count: number): number[] {
  return (input.shape ?? []).map((dim) => (typeof dim === "number" ? dim : count));
}

function fillFeeder(input: GraphInput, value: number, model: string): Feeder {
  const target = elementTypeOfOrt(input.type);
  if (!target) throw new UsageError(`model input "${input.name}" has type ${input.type}, which jaynes cannot feed`);
  if (target.kind !== "float" && !Number.isInteger(value)) throw new UsageError(`--input ${input.name}=${value}: the input is ${input.type}; give an integer`);
  return {
    description: { name: input.name, type: input.type, source: `constant ${value}`, shape: filledShape(input, 1) },
    bytesPerSample: filledShape(input, 1).reduce((product, dim) => product * dim, 1) * Math.max(8, target.bytes),
    async next(count) {
      const dims = filledShape(input, count);
      const elements = dims.reduce((product, dim) => product * dim, 1);
      // Dynamic dims take the batch size: a rank-k constant grows as count^k.
      if (elements * Math.max(8, target.bytes) > INPUT_BATCH_BYTES) throw new InputError("limit", model, `--input ${input.name}=${value}: a batch of ${count} is ${elements} elements of shape [${dims.join(", ")}], above the ${INPUT_BATCH_BYTES}-byte limit for one batch`);
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setFloat64(0, value, true);
      const one = convertValues(bytes, 1, { kind: "float", bytes: 8 }, target.kind === "float" ? target : { kind: "float", bytes: 8 });
      const data = target.kind === "float" ? repeatArray(one, elements) : convertValues(integerBytes(value, elements), elements, { kind: "int", bytes: 8 }, target);
      return { type: input.type, data, dims };
    },
    close: async () => undefined,
  };
}

function integerBytes(value: number, count: number): Uint8Array {
  const values = new BigInt64Array(count).fill(BigInt(value));
  return new Uint8Array(values.buffer);
}

function repeatArray(one: OrtData, count: number): OrtData {
  const out = new (one.constructor as new (length: number) => OrtData)(count);
  (out as Float64Array).fill((one as Float64Array)[0]!);
  return out;
}

function randomFeeder(input: GraphInput, distribution: RandomDistribution, seed: number, given: number[] | undefined): Feeder {
  const target: ElementType = elementTypeOfOrt(input.type)!;
  if (target.bytes === 2) throw new UsageError(`--random: model input "${input.name}" is ${input.type}; random inputs are float32 or float64`);
  const declared = input.shape?.slice(1);
  const perSample = given ?? declared?.map((dim) => (typeof dim === "number" ? dim : NaN));
  if (!perSample || perSample.some((dim) => !Number.isSafeInteger(dim) || dim < 0)) {
    throw new UsageError(`--random: model input "${input.name}" ${formatShape(input.shape)} has dynamic dims after the batch axis; give them with --shape ${input.name}=DxD…`);
  }
  const uniform = mulberry32(hashString(input.name, seed >>> 0));
  const draw = distribution === "gaussian" ? normalRandom(uniform) : uniform;
  const elementsPerSample = perSample.reduce((product, dim) => product * dim, 1);
  return {
    description: { name: input.name, type: input.type, source: `random ${distribution === "gaussian" ? "N(0, 1)" : "U[0, 1)"} (seed ${seed})`, shape: perSample },
    bytesPerSample: elementsPerSample * target.bytes,
    async next(count) {
      const data = target.bytes === 8 ? new Float64Array(count * elementsPerSample) : new Float32Array(count * elementsPerSample);
      for (let i = 0; i < data.length; i++) data[i] = draw();
      return { type: input.type, data, dims: [count, ...perSample] };
    },
    close: async () => undefined,
  };
}
