/**
 * GGUF (ggml's file format, versions 1–3; ggml/docs/gguf.md): header, metadata key/values and tensor
 * infos are parsed by @huggingface/gguf; tensor data is described, not read: tensor i's bytes start
 * at tensor_data_offset + offset_i, where tensor_data_offset is the end of the tensor infos padded to
 * `general.alignment` (default 32).
 *
 * @huggingface/gguf reads the header in 2 MB chunks (at most 50 MB in all) through a fetch function;
 * we hand it one that serves its range requests from our ByteSource (`openSource`), so local files
 * and hf:// addresses are read by bounded positioned reads and nothing else of the file is loaded.
 * Since it zero-fills past the end of the file, a header that ends past the file is reported as
 * truncated here, and every tensor's data must lie inside the file without overlapping another.
 *
 * Types: F32/F16/BF16/F64 are plain floats; Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 and the K-quants Q2_K–Q6_K
 * are decoded block by block (dequantize.ts); everything else (integers, IQ*, TQ*, MXFP4, Q8_1/Q8_K)
 * is listed as skipped with its type name. Shapes are reported outermost first (ggml lists ne[0], the
 * row length, first), so a GGUF tensor reads like its PyTorch/safetensors original.
 */
import { type GGUFParseOutput, gguf } from "@huggingface/gguf";
import { InputError } from "../../errors.js";
import { type ByteSource, openSource } from "../../io/byteSource.js";
import { type Encoding, type FloatDType, type OpenedModel, type TensorRecord, shapeProduct } from "../tensor.js";
import { BLOCK_TYPES, GGML_TYPES, type GgmlBlockType } from "./ggmlTypes.js";

const MAGIC = [0x47, 0x47, 0x55, 0x46]; // "GGUF"
const DEFAULT_ALIGNMENT = 32;

export function looksLikeGguf(head: Uint8Array): boolean {
  return head.length >= 8 && MAGIC.every((byte, i) => head[i] === byte);
}

/** A fetch that answers @huggingface/gguf's `Range: bytes=a-b` requests from a byte source. */
function sourceFetch(source: ByteSource): typeof fetch {
  return async (_input, init) => {
    const range = new Headers(init?.headers).get("range") ?? "";
    const match = /^bytes=(\d+)-(\d+)$/.exec(range);
    if (!match) throw new Error(`unexpected range request ${JSON.stringify(range)}`);
    const start = Number(match[1]);
    const end = Math.min(Number(match[2]), source.size - 1);
    const bytes = new Uint8Array(Math.max(0, end - start + 1));
    if (bytes.length > 0) await source.readExact(bytes, start);
    const contentRange = bytes.length > 0 ? `bytes ${start}-${end}/${source.size}` : `bytes */${source.size}`;
    return new Response(bytes, { status: 206, headers: { "content-range": contentRange } });
  };
}

const FLOATS: Record<string, FloatDType> = { F32: "F32", F16: "F16", BF16: "BF16", F64: "F64" };

/** The metadata values worth showing: scalars and short strings (arrays such as the vocabulary are left out). */
function displayMetadata(metadata: Record<string, unknown>): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (Array.isArray(value) || value === undefined) continue;
    const text = String(value);
    if (text.length <= 200) shown[key] = text;
  }
  return shown;
}

export async function openGguf(path: string): Promise<OpenedModel> {
  const source = await openSource(path);
  try {
    let parsed: GGUFParseOutput;
    try {
      parsed = (await gguf(`https://jaynes.invalid/${encodeURIComponent(path)}`, { fetch: sourceFetch(source) })) as GGUFParseOutput;
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError("malformed", path, `GGUF header: ${error instanceof Error ? error.message : String(error)}`);
    }
    const headerEnd = parsed.tensorInfoByteRange[1];
    if (headerEnd > source.size) throw new InputError("truncated", path, `GGUF header needs ${headerEnd} bytes but the file has ${source.size}`);
    const rawAlignment = (parsed.metadata as Record<string, unknown>)["general.alignment"] ?? DEFAULT_ALIGNMENT;
    const alignment = Number(rawAlignment);
    if (!Number.isSafeInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
      throw new InputError("malformed", path, `general.alignment ${String(rawAlignment)} is not a power of two`);
    }
    const dataStart = Math.ceil(headerEnd / alignment) * alignment;
    const tensors = parsed.tensorInfos.map((info) => tensorRecord(path, info, dataStart, alignment, source.size, parsed.littleEndian));
    checkOverlaps(path, tensors);
    const metadata = displayMetadata(parsed.metadata as Record<string, unknown>);
    metadata["tensor_data_offset"] = String(dataStart);
    return { path, format: "gguf", files: [path], bytes: source.size, metadata, tensors: tensors.map((t) => t.record) };
  } finally {
    await source.close();
  }
}

interface Located {
  record: TensorRecord;
  /** Absolute byte span, when the type's size is known. */
  start?: number;
  end?: number;
}

function tensorRecord(file: string, info: GGUFParseOutput["tensorInfos"][number], dataStart: number, alignment: number, fileSize: number, littleEndian: boolean): Located {
  const name = info.name;
  const ne = info.shape.map(Number);
  const shape = [...ne].reverse();
  const params = shapeProduct(ne);
  if (params === undefined) throw new InputError("overflow", file, `shape [${shape.join(", ")}] overflows`, name);
  const type = GGML_TYPES[info.dtype];
  if (!type) return { record: { name, dtype: `TYPE_${info.dtype}`, shape, params, skipReason: `unknown ggml type ${info.dtype}` } };
  const record: TensorRecord = { name, dtype: type.name, shape, params };
  if (info.offset > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError("offsets", file, `tensor offset ${info.offset} exceeds 2^53`, name);
  const offset = Number(info.offset);
  if (offset % alignment !== 0) throw new InputError("offsets", file, `tensor offset ${offset} is not a multiple of the alignment ${alignment}`, name);
  if ((ne[0] ?? 1) % type.blockSize !== 0) throw new InputError("tensor-info", file, `row length ${ne[0]} is not a multiple of ${type.name}'s block of ${type.blockSize}`, name);
  const bytes = (params / type.blockSize) * type.blockBytes;
  const start = dataStart + offset;
  if (start + bytes > fileSize) {
    throw new InputError("offsets", file, `data [${start}, ${start + bytes}) of ${type.name} tensor runs past the end of the file (${fileSize} bytes; truncated?)`, name, start);
  }
  const located = { record, start, end: start + bytes };
  let encoding: Encoding | undefined;
  const float = FLOATS[type.name];
  if (float) encoding = { kind: "float", dtype: float, ...(littleEndian ? {} : { bigEndian: true }) };
  else if (BLOCK_TYPES.has(type.name)) {
    if (!littleEndian) return { ...located, record: { ...record, skipReason: `big-endian ${type.name} blocks are not supported` } };
    encoding = { kind: "ggml", type: type.name as GgmlBlockType };
    record.quantization = `ggml ${type.name}: blocks of ${type.blockSize} values in ${type.blockBytes} bytes (${((8 * type.blockBytes) / type.blockSize).toFixed(4).replace(/\.?0+$/, "")} bits per weight)`;
  }
  if (!encoding) {
    const reason = /^I\d+$/.test(type.name) ? `integer type ${type.name} is not a weight` : `ggml type ${type.name} is not supported`;
    return { ...located, record: { ...record, skipReason: reason } };
  }
  return { ...located, record: { ...record, data: { ranges: [{ source: file, offset: start, length: bytes }], encoding, elements: params } } };
}

function checkOverlaps(file: string, tensors: Located[]): void {
  const spans = tensors.filter((t) => t.start !== undefined && t.end! > t.start).sort((a, b) => a.start! - b.start!);
  for (let i = 1; i < spans.length; i++) {
    const previous = spans[i - 1]!;
    const current = spans[i]!;
    if (current.start! < previous.end!) {
      throw new InputError("offsets", file, `data [${current.start}, ${current.end}) overlaps tensor ${JSON.stringify(previous.record.name)} (which ends at ${previous.end})`, current.record.name);
    }
  }
}
