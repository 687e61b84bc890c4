/**
 * safetensors writing, the mirror of safetensors.ts: what the strict reader (and the reference
 * implementation) accept. A file is an 8-byte little-endian header length n, n bytes of JSON —
 * `__metadata__` (a map of strings) and per tensor `{dtype, shape, data_offsets}` — padded with
 * spaces to a multiple of 8, then the tensors' bytes back to back, tiling the data section.
 *
 * Tensors are laid out by element size, largest first (stable otherwise), as the reference
 * serializer does: with the header a multiple of 8 bytes every tensor then starts aligned to its
 * element size, which readers that map the file (safetensors.torch) need. Large models are split
 * into shards of at most `maxShardBytes` of tensor data (a larger tensor gets a shard of its own),
 * named as Hugging Face names them, `<stem>-00001-of-00003.safetensors`, with an index
 * `<stem>.safetensors.index.json` mapping every tensor to its shard.
 *
 * The header is fixed before any tensor byte is written (offsets follow from dtypes and shapes), so
 * a file is written in one sequential pass with bounded memory: `SafetensorsFileWriter` takes each
 * tensor's bytes in chunks, in layout order, and checks that each tensor gets exactly its size.
 */
import { InputError } from "../errors.js";
import { baseNameOf } from "../io/location.js";
import { AtomicFile } from "../io/atomicWrite.js";
import { DTYPE_BITS } from "./safetensors.js";

/** One tensor of a shard: name, dtype, shape and byte length. */
export interface TensorLayout {
  name: string;
  dtype: string;
  shape: readonly number[];
  /** Byte size: product(shape) × dtype size. */
  bytes: number;
}

/** One shard file and its tensors in data order. */
export interface ShardLayout {
  /** Path of the shard file. */
  file: string;
  /** Its tensors in data order. */
  tensors: TensorLayout[];
  dataBytes: number;
}

/** Where a checkpoint's tensors go: its shards, and the index when there are several. */
export interface CheckpointLayout {
  shards: ShardLayout[];
  /** The index file, when there is more than one shard. */
  index?: string;
}

/** Byte size of `elements` elements of a safetensors dtype, or undefined for an unknown dtype. */
export function safetensorsBytes(dtype: string, elements: number): number | undefined {
  const bits = DTYPE_BITS[dtype];
  return bits === undefined ? undefined : (elements * bits) / 8;
}

/** The data order within a file: element size descending, otherwise as given. */
function alignedOrder(tensors: readonly TensorLayout[]): TensorLayout[] {
  return tensors
    .map((tensor, position) => ({ tensor, position, bits: DTYPE_BITS[tensor.dtype] ?? 8 }))
    .sort((a, b) => b.bits - a.bits || a.position - b.position)
    .map(({ tensor }) => tensor);
}

/** `out.safetensors` → `out`; other names are kept whole. */
function stemOf(path: string): string {
  return path.endsWith(".safetensors") ? path.slice(0, -".safetensors".length) : path;
}

/**
 * Group tensors (in the given order) into shards of at most `maxShardBytes` of data each, and name
 * the files: one shard is `output` itself; several are `<stem>-0000i-of-0000N.safetensors` beside
 * it with the index `<stem>.safetensors.index.json`.
 */
export function layoutCheckpoint(tensors: readonly TensorLayout[], output: string, maxShardBytes = Infinity): CheckpointLayout {
  for (const tensor of tensors) {
    if (tensor.name === "__metadata__") throw new InputError("model", output, 'a tensor named "__metadata__" cannot be written to safetensors', tensor.name);
  }
  const groups: TensorLayout[][] = [];
  let current: TensorLayout[] = [];
  let size = 0;
  for (const tensor of tensors) {
    if (current.length > 0 && size + tensor.bytes > maxShardBytes) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(tensor);
    size += tensor.bytes;
  }
  groups.push(current);
  const total = groups.length;
  const digits = Math.max(5, String(total).length);
  const number = (i: number): string => String(i).padStart(digits, "0");
  const shards = groups.map((group, i) => ({
    file: total === 1 ? output : `${stemOf(output)}-${number(i + 1)}-of-${number(total)}.safetensors`,
    tensors: alignedOrder(group),
    dataBytes: group.reduce((sum, tensor) => sum + tensor.bytes, 0),
  }));
  return total === 1 ? { shards } : { shards, index: `${stemOf(output)}.safetensors.index.json` };
}

/** The bytes before the data section: length prefix and JSON header padded to a multiple of 8. */
export function safetensorsHeaderBytes(tensors: readonly TensorLayout[], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const tensor of tensors) {
    header[tensor.name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.bytes] };
    offset += tensor.bytes;
  }
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const padded = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(padded), true);
  bytes.set(json, 8);
  return bytes;
}

/** The shard index: Hugging Face's `{"metadata": {"total_size"}, "weight_map": {tensor: file}}`. */
export function shardIndexText(layout: CheckpointLayout): string {
  const weightMap: Record<string, string> = {};
  let total = 0;
  for (const shard of layout.shards) {
    total += shard.dataBytes;
    for (const tensor of shard.tensors) weightMap[tensor.name] = baseNameOf(shard.file);
  }
  return `${JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2)}\n`;
}

/**
 * Writes one safetensors file through an AtomicFile: the header at once, then each tensor's bytes,
 * in layout order. A tensor given more or fewer bytes than its size is a bug and throws.
 */
export class SafetensorsFileWriter {
  private next = 0;
  private written = 0;

  private constructor(
    readonly file: AtomicFile,
    private readonly tensors: readonly TensorLayout[],
  ) {}

  /** Create the shard file (atomically: it appears when committed) and write its header. */
  static async create(shard: ShardLayout, metadata: Record<string, string>): Promise<SafetensorsFileWriter> {
    const file = await AtomicFile.create(shard.file);
    try {
      await file.write(safetensorsHeaderBytes(shard.tensors, metadata));
    } catch (error) {
      await file.abort();
      throw error;
    }
    return new SafetensorsFileWriter(file, shard.tensors);
  }

  /** The tensor whose bytes come next, or undefined when all have been written. */
  get current(): TensorLayout | undefined {
    return this.tensors[this.next];
  }

  /** Append the next bytes of the current tensor, in layout order. */
  async write(bytes: Uint8Array): Promise<void> {
    const tensor = this.current;
    if (!tensor || this.written + bytes.length > tensor.bytes) throw new Error(`safetensors writer: ${bytes.length} bytes past the end of ${tensor ? JSON.stringify(tensor.name) : "the last tensor"}`);
    await this.file.write(bytes);
    this.written += bytes.length;
  }

  /** Close the current tensor: it must have received exactly its size. */
  endTensor(): void {
    const tensor = this.current;
    if (!tensor || this.written !== tensor.bytes) throw new Error(`safetensors writer: ${tensor ? JSON.stringify(tensor.name) : "no tensor"} got ${this.written} of ${tensor?.bytes ?? 0} bytes`);
    this.next++;
    this.written = 0;
  }

  /** Flush the file; every tensor must have been written. The caller commits or aborts `file`. */
  async finish(): Promise<void> {
    if (this.next !== this.tensors.length) throw new Error(`safetensors writer: ${this.tensors.length - this.next} tensors not written`);
    await this.file.finish();
  }
}
