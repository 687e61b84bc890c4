/**
 * GGUF reader (ggml/docs/gguf.md; checks as ggml's gguf.cpp loader makes them). The header — magic,
 * version, key/value metadata, tensor infos — is parsed by @huggingface/gguf, fed through our byte
 * sources (sourceFetch.ts: bounded 2 MB range reads, never the whole file). Tensor data starts at the
 * first multiple of `general.alignment` (default 32) after the tensor infos; tensor i lies at
 * data start + offset_i, and, as ggml requires, each offset equals the previous tensor's offset plus
 * its size padded to the alignment. A tensor of ne[0] × ne[1] × … values of a block type holds
 * ne[0]/block_size blocks per row, so ne[0] must be a whole number of blocks.
 *
 * Shapes are reported outermost first (ggml lists ne[0], the contiguous dimension, first), so a
 * matrix reads [rows, cols] as in PyTorch and safetensors. F32, F16, BF16 and F64 are read as floats;
 * Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 and Q2_K–Q6_K are dequantised (ggmlBlocks.ts); other types are listed
 * as skipped with their type name. Big-endian files: floats are read, block types skipped.
 */
import { InputError } from "../../errors.js";
import { type ByteSource, openSource } from "../../io/byteSource.js";
import type { Encoding } from "../../io/encoding.js";
import type { OpenedModel, TensorRecord } from "../tensor.js";
import { shapeProduct } from "../tensor.js";
import { GGML_BLOCK_DESCRIPTIONS, GGML_TYPES, type GgmlType } from "./ggmlTypes.js";
import { sourceFetch, sourceUrl } from "./sourceFetch.js";
import { checkTensorCount } from "../bounds.js";

const DEFAULT_ALIGNMENT = 32;
/** Metadata strings longer than this are left out of the report (tokenizer data, chat templates). */
const MAX_METADATA_TEXT = 256;

/** "GGUF" then a version 1–3 as a little- or big-endian u32. */
export function looksLikeGguf(head: Uint8Array): boolean {
  if (head.length < 8 || head[0] !== 0x47 || head[1] !== 0x47 || head[2] !== 0x55 || head[3] !== 0x46) return false;
  const view = new DataView(head.buffer, head.byteOffset, 8);
  const version = view.getUint32(4, true) & 0xffff ? view.getUint32(4, true) : view.getUint32(4, false);
  return version >= 1 && version <= 3;
}

interface ParsedHeader {
  metadata: Record<string, unknown>;
  tensorInfos: { name: string; shape: bigint[]; dtype: number; offset: bigint }[];
  tensorDataOffset: bigint;
  littleEndian: boolean;
  tensorInfoByteRange: [number, number];
}

async function parseHeader(source: ByteSource): Promise<ParsedHeader> {
  const { gguf } = await import("@huggingface/gguf");
  try {
    return (await gguf(sourceUrl(source), { fetch: sourceFetch(source) })) as unknown as ParsedHeader;
  } catch (error) {
    if (error instanceof InputError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    // The parser reads past what it has as a RangeError: a header cut short, or one beyond its 50 MB cap.
    const hint = error instanceof RangeError ? " (truncated header, or a header larger than 50 MB)" : "";
    throw new InputError("malformed", source.name, `GGUF header: ${reason}${hint}`);
  }
}

function metadataText(value: unknown): string | undefined {
  if (Array.isArray(value)) return undefined;
  const text = String(value);
  return text.length <= MAX_METADATA_TEXT ? text : undefined;
}

function skipReason(type: GgmlType): string {
  if (type.integer) return `integer type ${type.name} is not a weight`;
  if (type.block) return `${type.name} blocks of a big-endian GGUF are not decoded`;
  return `ggml type ${type.name} is not decoded (decoded: F32, F16, BF16, F64, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K–Q6_K)`;
}

export async function readGguf(source: ByteSource): Promise<OpenedModel> {
  const file = source.name;
  const header = await parseHeader(source);
  checkTensorCount(source.name, header.tensorInfos.length);
  const headerEnd = header.tensorInfoByteRange[1];
  if (headerEnd > source.size) throw new InputError("truncated", file, `GGUF header runs to byte ${headerEnd} but the file has ${source.size} bytes`);
  const alignment = Number(header.metadata["general.alignment"] ?? DEFAULT_ALIGNMENT);
  if ((alignment & (alignment - 1)) !== 0) throw new InputError("malformed", file, `general.alignment ${alignment} is not a power of 2`);
  const dataStart = Number(header.tensorDataOffset);

  const tensors: TensorRecord[] = [];
  const names = new Set<string>();
  // Where the next tensor must start; undefined after a tensor of a type whose size is unknown.
  let expected: number | undefined = 0;
  for (const info of header.tensorInfos) {
    const name = info.name;
    if (names.has(name)) throw new InputError("tensor-info", file, "tensor name appears twice", name);
    names.add(name);
    const ne = info.shape.map(Number);
    const shape = [...ne].reverse();
    const params = shapeProduct(ne);
    // The dims as stored (bigints): a number above 2^53 would print rounded.
    if (params === undefined) throw new InputError("overflow", file, `shape [${[...info.shape].reverse().join(", ")}] overflows`, name);
    const offset = Number(info.offset);
    if (!Number.isSafeInteger(offset)) throw new InputError("overflow", file, `data offset ${info.offset} exceeds 2^53`, name);
    const type = GGML_TYPES.get(info.dtype);
    const record: TensorRecord = { name, dtype: type?.name ?? `GGML_TYPE_${info.dtype}`, shape, params };
    tensors.push(record);
    if (!type) {
      record.skipReason = `ggml type ${info.dtype} is unknown`;
      if (offset % alignment !== 0) throw new InputError("offsets", file, `data offset ${offset} is not a multiple of the ${alignment}-byte alignment`, name);
      expected = undefined;
      continue;
    }
    if ((ne[0] ?? 1) % type.blockElements !== 0) {
      throw new InputError("tensor-info", file, `${ne[0]} values per row is not a whole number of ${type.name} blocks of ${type.blockElements}`, name);
    }
    const bytes = (params / type.blockElements) * type.blockBytes;
    if (expected !== undefined && offset !== expected) {
      throw new InputError("offsets", file, `data offset ${offset}, expected ${expected} (tensors follow each other, each padded to ${alignment} bytes)`, name);
    }
    if (expected === undefined && offset % alignment !== 0) throw new InputError("offsets", file, `data offset ${offset} is not a multiple of the ${alignment}-byte alignment`, name);
    const start = dataStart + offset;
    if (start + bytes > source.size) {
      throw new InputError("offsets", file, `tensor data [${start}, ${start + bytes}) runs past the end of the file (${source.size} bytes; truncated?)`, name, start);
    }
    expected = offset + Math.ceil(bytes / alignment) * alignment;
    let encoding: Encoding | undefined;
    if (type.float) encoding = { kind: "float", dtype: type.float, ...(header.littleEndian ? {} : { bigEndian: true }) };
    else if (type.block && header.littleEndian) {
      encoding = { kind: "ggml-block", type: type.block };
      record.quantization = GGML_BLOCK_DESCRIPTIONS[type.block];
    }
    if (encoding) record.data = { ranges: [{ source: file, offset: start, length: bytes }], encoding, elements: params };
    else record.skipReason = skipReason(type);
  }

  const metadata: Record<string, string> = { alignment: String(alignment), byte_order: header.littleEndian ? "little-endian" : "big-endian" };
  for (const [key, value] of Object.entries(header.metadata)) {
    const text = metadataText(value);
    if (text !== undefined) metadata[key] = text;
  }
  return { path: file, format: "gguf", files: [file], bytes: source.size, metadata, tensors, order: "written" };
}

export async function openGguf(path: string): Promise<OpenedModel> {
  const source = await openSource(path);
  try {
    return await readGguf(source);
  } finally {
    await source.close();
  }
}

/**
 * A gguf-split series (`model-00001-of-00003.gguf`, llama.cpp's `gguf-split`): each file is a whole
 * GGUF file holding some of the tensors, the first one the model's metadata; `split.no` (0-based),
 * `split.count` and `split.tensors.count` must agree with the files given. One model.
 */
export async function openGgufSplits(paths: readonly string[], display: string): Promise<OpenedModel> {
  const parts: OpenedModel[] = [];
  for (const path of paths) parts.push(await openGguf(path));
  const tensors: TensorRecord[] = [];
  const owner = new Map<string, string>();
  parts.forEach((part, index) => {
    const number = part.metadata["split.no"];
    const count = part.metadata["split.count"];
    if (number !== undefined && Number(number) !== index) throw new InputError("model", part.path, `split.no is ${number}, but the file is split ${index + 1} of the series (split.no counts from 0)`);
    if (count !== undefined && Number(count) !== paths.length) throw new InputError("model", part.path, `split.count is ${count}, but the series has ${paths.length} files`);
    for (const tensor of part.tensors) {
      const previous = owner.get(tensor.name);
      if (previous !== undefined) throw new InputError("model", part.path, `tensor is also in ${previous}; the files of one split must not repeat tensors`, tensor.name);
      owner.set(tensor.name, part.path);
      tensors.push(tensor);
    }
  });
  const first = parts[0]!;
  const declared = first.metadata["split.tensors.count"];
  if (declared !== undefined && Number(declared) !== tensors.length) throw new InputError("model", first.path, `split.tensors.count is ${declared}, but the files hold ${tensors.length} tensors`);
  const bytes = parts.reduce((sum, part) => sum + part.bytes, 0);
  return { path: display, format: "gguf", files: [...paths], bytes, metadata: first.metadata, tensors };
}
