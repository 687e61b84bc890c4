/**
 * Carrying out an init plan (plan.ts): the --match-std scales, then the checkpoint, streamed.
 *
 * Memory is bounded whatever the model: draws are cut into tasks of `taskBytes` of output that run on
 * the executor (worker threads for large models) with at most parallelism + 1 in flight, and are
 * written in order as they complete; copies stream through two read buffers; --signs like reads the
 * reference once, in order, on this thread, and hands each task its signs. Every file goes to a
 * temporary beside its target and is renamed only when all of them are complete (shards first, the
 * index last), so an interrupted or failed run leaves no partial checkpoint under the final names.
 */
import { createCodec } from "../decode/encodings.js";
import { WRITABLE_FLOAT_BYTES, floatArrayFor, storeFloats, type WritableFloatDType } from "../decode/floatBits.js";
import { type CheckpointLayout, SafetensorsFileWriter, type TensorLayout, layoutCheckpoint, shardIndexText } from "../formats/safetensorsWrite.js";
import { AtomicFile } from "../io/atomicWrite.js";
import type { SourcePool } from "../io/byteSource.js";
import { DEFAULT_CHUNK_BYTES } from "../io/chunks.js";
import { isSequentialData, readTensorChunks, tensorBytes } from "../io/tensorChunks.js";
import type { Executor } from "../parallel/executor.js";
import { type DrawTask, type InitResult, MEASURE_BLOCK, mergeMoments, signReader } from "../parallel/initTasks.js";
import type { AccumulateTask } from "../parallel/tasks.js";
import { type DrawSpec, truncatedMeanSquare } from "../stats/lognormalDraw.js";
import { DEFAULT_RANGE_BYTES, splitRanges } from "../analysis/accumulate.js";
import type { InitPlan, PlannedTensor } from "../analysis/init/plan.js";

export interface InitContext {
  /** Runs draw tasks (they read nothing): a worker pool for large models. */
  executor: Executor;
  /** Runs tasks that read the reference: `executor`, or this thread for main-thread-only sources (the Hub). */
  readExecutor: Executor;
  /** Sources read on this thread (copies, signs). */
  pool: SourcePool;
  chunkBytes?: number;
  /** Output bytes per draw task (default 8 MiB). */
  taskBytes?: number;
  /** Called with the bytes of each chunk written. */
  onBytes?: (bytes: number) => void;
  /** Buffers reused across layers (made by writeInit). */
  recycler?: BufferRecycler;
  /** The two read buffers of this thread's reads (copies, signs), reused across tensors. */
  readBuffers?: [Uint8Array, Uint8Array];
}

/** Read options for this thread's reads, with the context's reused buffers. */
function readOptions(context: InitContext, unitBytes: number): { unitBytes: number; chunkBytes: number; buffers?: [Uint8Array, Uint8Array] } {
  return { unitBytes, chunkBytes: context.chunkBytes ?? DEFAULT_CHUNK_BYTES, ...(context.readBuffers ? { buffers: context.readBuffers } : {}) };
}

const DEFAULT_TASK_BYTES = 8 * 1024 * 1024;

/**
 * Results of `items` run through `run`, in order, with at most `lookahead` in flight. Nothing is left
 * running when the consumer stops early or a task fails.
 */
async function* ordered<T, R>(items: AsyncIterable<T> | Iterable<T>, run: (item: T) => Promise<R>, lookahead: number): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  try {
    for await (const item of items) {
      const result = run(item);
      result.catch(() => undefined);
      pending.push(result);
      if (pending.length >= lookahead) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    await Promise.allSettled(pending);
  }
}

function runOn<K extends InitResult["kind"]>(executor: Executor, task: AccumulateTask, kind: K): Promise<Extract<InitResult, { kind: K }>> {
  return executor.run(task).then((result) => {
    if (result.kind !== kind) throw new Error(`expected a ${kind} result, got ${result.kind}`);
    return result as Extract<InitResult, { kind: K }>;
  });
}

function drawSpec(planned: PlannedTensor, scale: number): DrawSpec {
  const draw = planned.row.draw!;
  if (planned.source.kind !== "draw") throw new Error(`${planned.row.tensor} is not drawn`);
  return { muPlain: draw.mu_plain, sigma: draw.sigma, scale, seed: planned.source.seed, stream: planned.source.stream, pinned: draw.pinned };
}

/** The population standard deviation of a reference layer's finite values. */
async function referenceStd(planned: PlannedTensor, context: InitContext): Promise<number> {
  const data = planned.record.data!;
  const codec = createCodec(data.encoding);
  const chunkBytes = context.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const total = tensorBytes(data);
  const sequential = isSequentialData(data) || (codec.type === "codes" && codec.sequential === true);
  const ranges = sequential ? [{ start: 0, end: total }] : splitRanges(total, codec.unitBytes, DEFAULT_RANGE_BYTES);
  let moments = { count: 0, mean: 0, m2: 0 };
  for await (const part of ordered(ranges, (range) => runOn(context.readExecutor, { kind: "moments", data, ...range, chunkBytes }, "moments"), context.readExecutor.parallelism + 1)) {
    moments = mergeMoments(moments, part);
  }
  return moments.count > 0 ? Math.sqrt(moments.m2 / moments.count) : 0;
}

/**
 * Buffers handed back by finished tasks, for the next ones: output and sign buffers travel to a
 * worker and back (transferred, not copied), so a long draw allocates none after the first few —
 * garbage ArrayBuffers would otherwise pile up in every thread until the next collection.
 */
export class BufferRecycler {
  private readonly free: ArrayBuffer[] = [];

  take(bytes: number): ArrayBuffer | undefined {
    const index = this.free.findIndex((buffer) => buffer.byteLength >= bytes);
    return index < 0 ? undefined : this.free.splice(index, 1)[0];
  }

  give(view: ArrayBufferView | undefined): void {
    if (view && view.buffer instanceof ArrayBuffer && view.buffer.byteLength > 0 && this.free.length < 8) this.free.push(view.buffer);
  }
}

/** Element ranges of `elements`, `perTask` each. */
function* elementRanges(elements: number, perTask: number): Generator<{ first: number; count: number }> {
  for (let first = 0; first < elements; first += perTask) yield { first, count: Math.min(perTask, elements - first) };
}

/**
 * Fill in what --match-std needs: the reference's standard deviation (`like`) and each drawn layer's
 * scale. `exact`: the scale that gives the drawn values (all N, the pinned one included) exactly the
 * target root mean square, from a first pass over the draws (Σx², summed in a fixed order); otherwise
 * the expected one, s = target · √(N / ((N − 1) E[x² | x ≤ 1] + 1)) (for --dry-run).
 */
export async function resolveScales(plan: InitPlan, matchStd: string | undefined, context: InitContext, exact: boolean): Promise<void> {
  if (matchStd === undefined) return;
  for (const planned of plan.tensors) {
    const draw = planned.row.draw;
    if (!draw) continue;
    if (matchStd === "like") draw.target_std = await referenceStd(planned, context);
    const target = draw.target_std!;
    const n = planned.record.params;
    let sumSquares: number;
    if (exact) {
      sumSquares = 0;
      const spec = drawSpec(planned, 1);
      // Tasks of whole blocks; the block sums are added here in order, whatever the cut.
      const perTask = Math.max(1, Math.round((context.taskBytes ?? DEFAULT_TASK_BYTES) / 2 / MEASURE_BLOCK)) * MEASURE_BLOCK;
      const run = (range: { first: number; count: number }): Promise<Extract<InitResult, { kind: "draw" }>> => runOn(context.executor, { kind: "draw", spec, ...range, dtype: "F64", measure: true }, "draw");
      for await (const result of ordered(elementRanges(n, perTask), run, context.executor.parallelism + 1)) for (const sum of result.blockSquares!) sumSquares += sum;
    } else {
      sumSquares = (n - 1) * truncatedMeanSquare(draw.mu_plain, draw.sigma) + 1;
    }
    draw.scale = target > 0 ? target * Math.sqrt(n / sumSquares) : 0;
  }
}

/** Draw tasks for a layer, with the reference's signs read in order on this thread when asked. */
async function* drawTasks(planned: PlannedTensor, spec: DrawSpec, dtype: WritableFloatDType, perTask: number, signsLike: boolean, context: InitContext, recycler: BufferRecycler): AsyncGenerator<DrawTask> {
  const n = planned.record.params;
  const size = WRITABLE_FLOAT_BYTES[dtype];
  const output = (count: number): { output?: ArrayBuffer } => {
    const buffer = recycler.take(count * size);
    return buffer ? { output: buffer } : {};
  };
  if (!signsLike) {
    for (const range of elementRanges(n, perTask)) yield { kind: "draw", spec, ...range, dtype, ...output(range.count) };
    return;
  }
  const data = planned.record.data!;
  const codec = createCodec(data.encoding);
  const negativeOf = signReader(codec);
  const signs = (count: number): Uint8Array => {
    const buffer = recycler.take(count);
    return buffer ? new Uint8Array(buffer, 0, count) : new Uint8Array(count);
  };
  let buffer = signs(Math.min(perTask, n));
  let filled = 0;
  let first = 0;
  let element = 0;
  for await (const chunk of readTensorChunks(data, context.pool, readOptions(context, codec.unitBytes))) {
    let negative = negativeOf(chunk, element);
    element += negative.length;
    while (negative.length > 0) {
      const take = Math.min(negative.length, buffer.length - filled);
      buffer.set(negative.subarray(0, take), filled);
      filled += take;
      negative = negative.subarray(take);
      if (filled === buffer.length) {
        yield { kind: "draw", spec, first, count: filled, dtype, negative: buffer, ...output(filled) };
        first += filled;
        filled = 0;
        if (first < n) buffer = signs(Math.min(perTask, n - first));
      }
    }
  }
  if (first !== n) throw new Error(`${planned.row.tensor}: the reference held ${first} elements, not ${n}`);
}

async function writeDrawn(planned: PlannedTensor, writer: SafetensorsFileWriter, signsLike: boolean, context: InitContext): Promise<void> {
  if (planned.source.kind !== "draw") throw new Error("not drawn");
  const dtype = planned.source.dtype;
  const perTask = Math.max(1, Math.floor((context.taskBytes ?? DEFAULT_TASK_BYTES) / (planned.bytes / Math.max(1, planned.record.params))));
  const spec = drawSpec(planned, planned.row.draw!.scale!);
  const run = (task: DrawTask): Promise<Extract<InitResult, { kind: "draw" }>> => runOn(context.executor, task, "draw");
  const recycler = context.recycler ?? new BufferRecycler();
  for await (const result of ordered(drawTasks(planned, spec, dtype, perTask, signsLike, context, recycler), run, context.executor.parallelism + 1)) {
    await writer.write(result.bytes!);
    context.onBytes?.(result.bytes!.length);
    recycler.give(result.bytes);
    recycler.give(result.negative);
  }
}

async function writeCopied(planned: PlannedTensor, writer: SafetensorsFileWriter, context: InitContext): Promise<void> {
  const source = planned.source;
  if (source.kind === "bytes") {
    for await (const chunk of readTensorChunks(source.data, context.pool, readOptions(context, 1))) {
      await writer.write(chunk);
      context.onBytes?.(chunk.length);
    }
    return;
  }
  if (source.kind !== "recode") throw new Error(`${planned.row.tensor}: nothing to copy`);
  const codec = createCodec(source.data.encoding);
  // 8/16-bit float codes in their own dtype are written as their patterns, exactly.
  const asPatterns = codec.type === "codes" && (source.data.encoding.kind === "float" || source.data.encoding.kind === "varint") && source.dtype === source.data.encoding.dtype;
  let element = 0;
  for await (const chunk of readTensorChunks(source.data, context.pool, readOptions(context, codec.unitBytes))) {
    let bytes: Uint8Array;
    if (codec.type === "codes" && asPatterns) {
      const codes = codec.codes(chunk);
      bytes = new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength).slice();
    } else {
      const values = codec.type === "codes" ? Float64Array.from(codec.codes(chunk), (code) => codec.levels[code]!) : codec.decode(chunk, element);
      element += values.length;
      const dtype = source.dtype as WritableFloatDType;
      const out = floatArrayFor(dtype, values.length);
      storeFloats(values, values.length, dtype, out, 0);
      bytes = new Uint8Array(out.buffer);
    }
    await writer.write(bytes);
    context.onBytes?.(bytes.length);
  }
}

/** The files a plan is written to under `output` (one file, or shards and an index). */
export function initLayout(plan: InitPlan, output: string, maxShardBytes: number): CheckpointLayout {
  const written: TensorLayout[] = plan.tensors
    .filter((planned) => planned.row.out_dtype !== null)
    .map((planned) => ({ name: planned.row.tensor, dtype: planned.row.out_dtype!, shape: planned.record.shape, bytes: planned.bytes }));
  return layoutCheckpoint(written, output, maxShardBytes);
}

/**
 * Write the checkpoint: every shard streamed into its temporary, then all renamed. Returns the files
 * written (the index last) and the bytes.
 */
export async function writeInit(plan: InitPlan, layout: CheckpointLayout, metadata: Record<string, string>, signsLike: boolean, context: InitContext): Promise<{ files: string[]; bytes: number }> {
  const byName = new Map(plan.tensors.map((planned) => [planned.row.tensor, planned]));
  const chunkBytes = context.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  context = { ...context, recycler: context.recycler ?? new BufferRecycler(), readBuffers: context.readBuffers ?? [new Uint8Array(chunkBytes), new Uint8Array(chunkBytes)] };
  const finished: AtomicFile[] = [];
  let bytes = 0;
  try {
    for (const shard of layout.shards) {
      const writer = await SafetensorsFileWriter.create(shard, metadata);
      finished.push(writer.file);
      for (let tensor = writer.current; tensor !== undefined; tensor = writer.current) {
        const planned = byName.get(tensor.name)!;
        if (planned.source.kind === "draw") await writeDrawn(planned, writer, signsLike, context);
        else await writeCopied(planned, writer, context);
        writer.endTensor();
      }
      await writer.finish();
      bytes += writer.file.bytesWritten;
    }
    if (layout.index !== undefined) {
      const index = await AtomicFile.create(layout.index);
      finished.push(index);
      const text = Buffer.from(shardIndexText(layout), "utf8");
      await index.write(text);
      await index.finish();
      bytes += text.length;
    }
    for (const file of finished) await file.commit();
  } catch (error) {
    await Promise.all(finished.map((file) => file.abort()));
    throw error;
  }
  return { files: finished.map((file) => file.path), bytes };
}
