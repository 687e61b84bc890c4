/**
 * The work units of `jaynes init`, plain data like the accumulation tasks (tasks.ts) so they run
 * inline or on the worker pool:
 * - `draw`: elements [first, first + count) of a layer drawn from its lognormal (stats/lognormalDraw.ts),
 *   encoded as the output dtype's bytes; with `negative`, each element takes the sign the caller read
 *   from the reference (1 = negative). With `measure`, only Σx² of the magnitudes (drawn at scale 1)
 *   is returned, for --match-std: one sum per block of MEASURE_BLOCK elements aligned to the
 *   tensor's start, which the caller adds in order, so the total does not depend on how the layer
 *   was cut into tasks (floating-point addition is not associative).
 * - `moments`: count, mean and sum of squared deviations of a range of a tensor's finite values
 *   (Welford), merged by the caller in range order (Chan et al.) — the reference's standard deviation.
 * Draws depend only on the element indices, so the bytes are the same however a layer is cut.
 */
import type { Codec } from "../decode/codec.js";
import { createCodec } from "../decode/encodings.js";
import { floatArrayFor, storeFloats, type WritableFloatDType } from "../decode/floatBits.js";
import type { TensorData } from "../io/tensorData.js";
import type { SourcePool } from "../io/byteSource.js";
import { readTensorChunks } from "../io/tensorChunks.js";
import { type DrawSpec, drawValues } from "../stats/lognormalDraw.js";

/** Bytes [start, end) (whole units) of a tensor's stream. */
export interface TensorSpan {
  data: TensorData;
  start: number;
  end: number;
  chunkBytes: number;
}

/** Draw the values of a byte span of one tensor (`jaynes init`) and encode them in its dtype. */
export interface DrawTask {
  kind: "draw";
  spec: DrawSpec;
  first: number;
  count: number;
  dtype: WritableFloatDType;
  /** Per element, 1 to make it negative (the reference's signs); handed back in the result for reuse. */
  negative?: Uint8Array;
  measure?: boolean;
  /** A buffer to write the bytes into (reused from an earlier result), when large enough. */
  output?: ArrayBuffer;
}

/** Count, mean and M2 of a byte span of a tensor (for `--match-std like`). */
export type MomentsTask = { kind: "moments" } & TensorSpan;

/** A task of `jaynes init`, run by the same executors as the accumulation tasks. */
export type InitTask = DrawTask | MomentsTask;

/** What an init task returns: the encoded bytes (and block sums of squares), or the moments. */
export type InitResult =
  | { kind: "draw"; bytes: Uint8Array | undefined; blockSquares: Float64Array | undefined; negative: Uint8Array | undefined }
  | { kind: "moments"; count: number; mean: number; m2: number };

/** Elements drawn per call (bounds the float64 scratch to 512 KiB), and the blocks Σx² is summed over. */
export const MEASURE_BLOCK = 65_536;
const BLOCK = MEASURE_BLOCK;

// Per-thread scratch, kept across tasks: a buffer allocated per task is garbage that V8 collects only
// once tens of MB of it have piled up, in every thread.
const scratch = new Float64Array(BLOCK);
let readBuffers: [Uint8Array, Uint8Array] | undefined;

function readBuffersFor(chunkBytes: number): [Uint8Array, Uint8Array] {
  if (!readBuffers || readBuffers[0].length < chunkBytes) readBuffers = [new Uint8Array(chunkBytes), new Uint8Array(chunkBytes)];
  return readBuffers;
}

export async function runInitTask(task: InitTask, pool: SourcePool, onBytes?: (bytes: number) => void): Promise<InitResult> {
  return task.kind === "draw" ? runDraw(task) : runMoments(task, pool, onBytes);
}

function runDraw(task: DrawTask): InitResult {
  const out = task.measure ? undefined : floatArrayFor(task.dtype, task.count, task.output);
  const block = scratch;
  if (task.measure && task.first % BLOCK !== 0) throw new Error(`measure task at element ${task.first}: not aligned to ${BLOCK}`);
  const blockSquares = task.measure ? new Float64Array(Math.ceil(task.count / BLOCK)) : undefined;
  /** Draw elements [at, at + length) of this task, signs from `negative` when given. */
  const draw = (at: number, length: number, negative?: Uint8Array): void => {
    for (let k = 0; k < length; k += BLOCK) {
      const n = Math.min(BLOCK, length - k);
      const values = block.subarray(0, n);
      drawValues(task.spec, task.first + at + k, values, negative?.subarray(k, k + n));
      if (out) storeFloats(values, n, task.dtype, out, at + k);
      else {
        let sum = 0;
        for (let j = 0; j < n; j++) sum += values[j]! * values[j]!;
        blockSquares![(at + k) / BLOCK] = sum;
      }
    }
  };
  if (task.negative && task.negative.length !== task.count) throw new Error(`draw task: ${task.negative.length} signs for ${task.count} elements`);
  draw(0, task.count, task.negative);
  return { kind: "draw", bytes: out ? new Uint8Array(out.buffer, out.byteOffset, out.byteLength) : undefined, blockSquares, negative: task.negative };
}

/**
 * A reader of signs for one encoding: per chunk of whole units starting at element `firstElement`,
 * 1 where the element is negative (−0 included), else 0. NaN counts as positive. The result is a view
 * of a scratch array reused by the next call.
 */
export function signReader(codec: Codec): (chunk: Uint8Array, firstElement: number) => Uint8Array {
  let out = new Uint8Array(0);
  const sized = (n: number): Uint8Array => {
    if (out.length < n) out = new Uint8Array(n);
    return out.subarray(0, n);
  };
  if (codec.type === "codes") {
    const negativeLevel = Uint8Array.from(codec.levels, (level) => (level < 0 || Object.is(level, -0) ? 1 : 0));
    return (chunk) => {
      const codes = codec.codes(chunk);
      const signs = sized(codes.length);
      for (let i = 0; i < codes.length; i++) signs[i] = negativeLevel[codes[i]!]!;
      return signs;
    };
  }
  return (chunk, firstElement) => {
    const values = codec.decode(chunk, firstElement);
    const signs = sized(values.length);
    for (let i = 0; i < values.length; i++) signs[i] = values[i]! < 0 || Object.is(values[i], -0) ? 1 : 0;
    return signs;
  };
}

async function runMoments(task: MomentsTask, pool: SourcePool, onBytes?: (bytes: number) => void): Promise<InitResult> {
  const codec = createCodec(task.data.encoding);
  let count = 0;
  let mean = 0;
  let m2 = 0;
  const add = (value: number): void => {
    if (!Number.isFinite(value)) return;
    count++;
    const delta = value - mean;
    mean += delta / count;
    m2 += delta * (value - mean);
  };
  let element = codec.type === "floats" ? (task.start / codec.unitBytes) * codec.unitElements : 0;
  const buffers = readBuffersFor(task.chunkBytes);
  for await (const chunk of readTensorChunks(task.data, pool, { unitBytes: codec.unitBytes, chunkBytes: task.chunkBytes, start: task.start, end: task.end, buffers, ...(onBytes ? { onBytes } : {}) })) {
    if (codec.type === "codes") {
      const codes = codec.codes(chunk);
      for (let i = 0; i < codes.length; i++) add(codec.levels[codes[i]!]!);
    } else {
      const values = codec.decode(chunk, element);
      element += values.length;
      for (let i = 0; i < values.length; i++) add(values[i]!);
    }
  }
  return { kind: "moments", count, mean, m2 };
}

/** Chan, Golub & LeVeque's pairwise update: the moments of two disjoint parts merged. */
export function mergeMoments(a: { count: number; mean: number; m2: number }, b: { count: number; mean: number; m2: number }): { count: number; mean: number; m2: number } {
  const count = a.count + b.count;
  if (count === 0) return { count: 0, mean: 0, m2: 0 };
  const delta = b.mean - a.mean;
  return { count, mean: a.mean + (delta * b.count) / count, m2: a.m2 + b.m2 + (delta * delta * a.count * b.count) / count };
}
