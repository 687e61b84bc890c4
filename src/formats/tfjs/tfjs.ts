/**
 * TF.js reader: `model.json` of graph models and layers models, and bare weight manifests. The
 * weights of a manifest group are stored back to back in the concatenation of its shard files, in
 * `paths` order, so a tensor may cross a shard boundary (its TensorData then has several ranges).
 *
 * Sizes: float32/int32 4 bytes, bool 1, complex64 8; with `quantization` the stored dtype's size
 * (uint8 1, uint16 2, float16 2); a string tensor is, per element, a uint32 byte length and the
 * bytes, so those lengths are read to find where the next tensor starts. float32 weights are
 * analysed: plain (F32), float16-quantised (F16, exact), and uint8/uint16-quantised decoded as
 * tfjs does, value = q·scale + min in float32 (`affine` with offset = min). int32, bool, string and
 * complex64 tensors are listed as skipped.
 *
 * Order: a graph model's weights are listed in the graph's execution order (graphOrder.ts; weights
 * no node reads last); layers models and bare manifests in manifest order, which is the model's
 * weight order.
 *
 * Shard paths must stay inside the manifest's folder; the shards must hold exactly the bytes the
 * manifest describes (a mismatch means the manifest or the shards are wrong, and offsets would be).
 */
import { InputError } from "../../errors.js";
import { SourcePool } from "../../io/byteSource.js";
import { parentOf } from "../../io/location.js";
import { resolveInside } from "../safetensorsSharded.js";
import type { ByteRange } from "../../io/tensorData.js";
import type { Encoding } from "../../io/encoding.js";
import { type OpenedModel, type TensorRecord, shapeProduct } from "../tensor.js";
import { type TfjsEntry, manifestFromJson, readManifest, readManifestJson } from "./manifest.js";

const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };
/** Bytes of one string element's length prefix. */
const STRING_LENGTH_BYTES = 4;
/** Bytes of the shards read at once while walking the length prefixes of a string tensor. */
const WINDOW_BYTES = 64 * 1024;

/** Content test: JSON (an object with `weightsManifest`, or an array of {paths, weights} groups). */
export async function looksLikeTfjs(head: Uint8Array, path: string): Promise<boolean> {
  const first = head.find((byte) => byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09);
  if (first !== 0x7b && first !== 0x5b) return false;
  try {
    return manifestFromJson(await readManifestJson(path)) !== undefined;
  } catch {
    return false;
  }
}

/** The concatenation of a group's shard files, addressed by offset. */
class ShardStream {
  readonly total: number;
  private readonly starts: number[] = [];

  constructor(
    readonly files: string[],
    readonly sizes: number[],
    private readonly pool: SourcePool,
  ) {
    let start = 0;
    for (const size of sizes) {
      this.starts.push(start);
      start += size;
    }
    this.total = start;
  }

  /** The byte ranges of [offset, offset + length) of the stream, one per shard it touches. */
  ranges(offset: number, length: number): ByteRange[] {
    const ranges: ByteRange[] = [];
    for (let i = 0; i < this.files.length && length > 0; i++) {
      const start = this.starts[i]!;
      const end = start + this.sizes[i]!;
      if (offset >= end) continue;
      const take = Math.min(length, end - offset);
      if (take > 0) ranges.push({ source: this.files[i]!, offset: offset - start, length: take });
      offset += take;
      length -= take;
    }
    return ranges;
  }

  /** Bytes [window, window + windowBytes) of the stream, read once for many length prefixes. */
  private window = new Uint8Array(0);
  private windowStart = 0;

  /**
   * The little-endian u32 at `offset`. String tensors hold one length prefix per element, mostly a
   * few bytes apart: they are parsed from a 64 KiB window, not read (and awaited) one by one.
   */
  async uint32(offset: number): Promise<number> {
    if (offset < this.windowStart || offset + STRING_LENGTH_BYTES > this.windowStart + this.window.length) {
      const length = Math.min(WINDOW_BYTES, this.total - offset);
      const bytes = new Uint8Array(length);
      let filled = 0;
      for (const range of this.ranges(offset, length)) {
        await (await this.pool.get(range.source)).readExact(bytes.subarray(filled, filled + range.length), range.offset);
        filled += range.length;
      }
      this.window = bytes;
      this.windowStart = offset;
    }
    const at = offset - this.windowStart;
    return (this.window[at]! | (this.window[at + 1]! << 8) | (this.window[at + 2]! << 16) | (this.window[at + 3]! << 24)) >>> 0;
  }
}

/** Size of a manifest or shard (local or on the Hub); a failure names the manifest. */
async function fileSize(path: string, manifest: string, pool: SourcePool): Promise<number> {
  try {
    return (await pool.get(path)).size;
  } catch (error) {
    if (error instanceof InputError && path !== manifest) throw new InputError(error.code, manifest, `weight shard ${path}: ${error.detail}`);
    throw error;
  }
}

/** Bytes a tensor occupies in its group's stream, starting at `offset`. */
async function storedBytes(entry: TfjsEntry, params: number, offset: number, stream: ShardStream, manifest: string): Promise<number> {
  if (entry.dtype !== "string") return params * STORED_BYTES[entry.quantization?.dtype ?? entry.dtype]!;
  // Each element takes at least its 4-byte length, so the loop ends within the shards' size.
  let position = offset;
  for (let i = 0; i < params && position <= stream.total; i++) {
    if (position + STRING_LENGTH_BYTES > stream.total) position = Infinity;
    else position += STRING_LENGTH_BYTES + (await stream.uint32(position));
  }
  if (position > stream.total) throw new InputError("truncated", manifest, `string tensor at byte ${offset} of its group's shards runs past their end (${stream.total} bytes)`, entry.name);
  return position - offset;
}

function describe(entry: TfjsEntry, name: string, params: number, ranges: ByteRange[]): TensorRecord {
  const quantization = entry.quantization;
  const dtype = (quantization?.dtype ?? entry.dtype).toUpperCase();
  const record: TensorRecord = { name, ...(name !== entry.name ? { originalName: entry.name } : {}), dtype, shape: entry.shape, params };
  switch (entry.dtype) {
    case "int32":
    case "bool":
      return { ...record, skipReason: `integer dtype ${entry.dtype.toUpperCase()} is not a weight` };
    case "string":
      return { ...record, skipReason: "string tensor" };
    case "complex64":
      return { ...record, skipReason: "complex dtype COMPLEX64 is not analysed" };
    case "float32":
      break;
  }
  let encoding: Encoding = { kind: "float", dtype: "F32" };
  if (quantization?.dtype === "float16") {
    encoding = { kind: "float", dtype: "F16" };
    record.quantization = "float16 storage of float32 weights";
  } else if (quantization) {
    const { scale, min } = quantization as Required<typeof quantization>;
    encoding = { kind: "affine", storage: quantization.dtype === "uint8" ? "u8" : "u16", scale, zeroPoint: 0, offset: min };
    record.quantization = `${quantization.dtype} affine: q·${scale} + ${min}`;
  }
  return { ...record, data: { ranges, encoding, elements: params } };
}

export async function openTfjs(path: string): Promise<OpenedModel> {
  const manifest = await readManifest(path);
  const folder = parentOf(path);
  const files = [path];
  const tensors: TensorRecord[] = [];
  const seen = new Map<string, number>();
  const pool = new SourcePool();
  try {
    let bytes = await fileSize(path, path, pool);
    for (const group of manifest.groups) {
      const shards = group.paths.map((shard) => resolveInside(folder, shard, path));
      const sizes: number[] = [];
      for (const shard of shards) sizes.push(await fileSize(shard, path, pool));
      for (const shard of shards) files.push(shard);
      bytes += sizes.reduce((sum, size) => sum + size, 0);
      const stream = new ShardStream(shards, sizes, pool);
      let offset = 0;
      for (const entry of group.weights) {
        const params = shapeProduct(entry.shape);
        if (params === undefined) throw new InputError("overflow", path, `shape [${entry.shape.join(", ")}] overflows`, entry.name);
        const length = await storedBytes(entry, params, offset, stream, path);
        if (offset + length > stream.total) {
          throw new InputError("truncated", path, `needs bytes ${offset}..${offset + length} of its group's shards, which hold ${stream.total} (${group.paths.join(", ")})`, entry.name);
        }
        const count = (seen.get(entry.name) ?? 0) + 1;
        seen.set(entry.name, count);
        const name = count > 1 ? `${entry.name}#${count}` : entry.name;
        tensors.push(describe(entry, name, params, stream.ranges(offset, length)));
        offset += length;
      }
      if (offset !== stream.total) {
        throw new InputError("model", path, `the weights of shards ${group.paths.join(", ")} take ${offset} bytes but the shards hold ${stream.total}`);
      }
    }
    const metadata = { ...manifest.metadata, groups: String(manifest.groups.length) };
    const format = manifest.kind === "weights-manifest" ? "tfjs-weights-manifest" : `tfjs-${manifest.kind}`;
    const ranks = manifest.executionRanks;
    if (!ranks) return { path, format, files, bytes, metadata, tensors, order: "written" };
    const rank = (tensor: TensorRecord): number => ranks.get(tensor.originalName ?? tensor.name) ?? ranks.size;
    return { path, format, files, bytes, metadata, tensors: [...tensors].sort((a, b) => rank(a) - rank(b)), order: "execution" };
  } finally {
    await pool.close();
  }
}

/** The shard files of a manifest (so a directory listing does not treat them as models). */
export async function tfjsCompanions(path: string): Promise<string[]> {
  const manifest = await readManifest(path);
  return manifest.groups.flatMap((group) => group.paths.map((shard) => resolveInside(parentOf(path), shard, path)));
}
