/**
 * safetensors reader, strict like the reference implementation (huggingface/safetensors,
 * `tensor.rs`, `Metadata::validate`): 8-byte little-endian header length n (≤ 100 MB, inside the
 * file), n bytes of UTF-8 JSON that is an object, `__metadata__` a map of strings, every tensor
 * `{dtype, shape, data_offsets: [begin, end]}`, offsets relative to the data section, sorted by
 * begin they must tile the data section exactly (no gap, no overlap, nothing after the last tensor),
 * and end − begin = product(shape) × dtype size. Only the header is read here; tensor bytes are
 * described by `TensorData` and streamed later.
 */
import { InputError } from "../errors.js";
import { type ByteSource, openSource, readU64 } from "../io/byteSource.js";
import { isPlainObject, parseStrictJson, topLevelKeyCount } from "./strictJson.js";
import { checkTensorCount } from "./bounds.js";
import type { Encoding, FloatDType } from "../io/encoding.js";
import { type OpenedModel, type TensorRecord, shapeProduct } from "./tensor.js";

export const MAX_HEADER_BYTES = 100_000_000;

/** Every dtype the format defines, with its size in bits (sub-byte types pack). */
export const DTYPE_BITS: Record<string, number> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

const ANALYSED: ReadonlySet<string> = new Set<FloatDType>(["F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2"]);

function skipReasonFor(dtype: string): string {
  if (/^[IU]\d+$/.test(dtype) || dtype === "BOOL") return `integer dtype ${dtype} is not a weight`;
  if (dtype === "F8_E8M0") return "F8_E8M0 holds power-of-two scales, not weights";
  if (dtype === "C64") return "complex dtype C64 is not analysed";
  return `dtype ${dtype} (sub-byte float) is not supported yet`;
}

/** A validated safetensors header. */
export interface SafetensorsHeader {
  file: string;
  /** Bytes before the data section: 8 + header length. */
  dataStart: number;
  fileSize: number;
  metadata: Record<string, string>;
  tensors: TensorRecord[];
}

/** Parse and validate a safetensors header from an open source. */
export async function readSafetensorsHeader(source: ByteSource): Promise<SafetensorsHeader> {
  const file = source.name;
  if (source.size < 8) throw new InputError("header-too-small", file, `file has ${source.size} bytes; a safetensors file starts with an 8-byte header length`);
  const lengthBytes = new Uint8Array(8);
  await source.readExact(lengthBytes, 0);
  const headerLength = readU64(lengthBytes, 0);
  if (headerLength === undefined || headerLength > MAX_HEADER_BYTES) {
    throw new InputError("header-too-large", file, `header length ${headerLength ?? "≥ 2^53"} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  if (8 + headerLength > source.size) {
    throw new InputError("header-length", file, `header length ${headerLength} points past the end of the file (${source.size} bytes)`);
  }
  const headerBytes = new Uint8Array(headerLength);
  await source.readExact(headerBytes, 8);
  // Counted before decoding and parsing: JSON objects cost ~20× the header's bytes (README "Limits").
  if (headerBytes[0] === 0x7b) checkTensorCount(file, topLevelKeyCount(headerBytes), "header entries");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch {
    throw new InputError("header-encoding", file, "header is not valid UTF-8");
  }
  if (!text.startsWith("{")) throw new InputError("header-encoding", file, "header does not start with '{' (not a safetensors file?)");

  const parsed = parseStrictJson(text);
  if ("error" in parsed) throw new InputError(parsed.error.startsWith("duplicate") ? "duplicate-key" : "header-json", file, `header: ${parsed.error}`);
  if (!isPlainObject(parsed.value)) throw new InputError("header-json", file, "header JSON is not an object");

  const dataStart = 8 + headerLength;
  const dataLength = source.size - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { record: TensorRecord; begin: number; end: number }[] = [];

  for (const [name, info] of Object.entries(parsed.value)) {
    if (name === "__metadata__") {
      if (!isPlainObject(info)) throw new InputError("metadata", file, "__metadata__ is not an object");
      for (const [key, value] of Object.entries(info)) {
        if (typeof value !== "string") throw new InputError("metadata", file, `__metadata__ value for ${JSON.stringify(key)} is not a string`);
        metadata[key] = value;
      }
      continue;
    }
    entries.push(parseTensorInfo(file, name, info));
  }

  // Validate the layout exactly as the reference: sorted by offsets the tensors tile the data section.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const entry of byOffset) {
    const name = entry.record.name;
    if (entry.begin < expected) throw new InputError("offsets", file, `data_offsets [${entry.begin}, ${entry.end}] overlap the previous tensor (which ends at ${expected})`, name);
    if (entry.begin > expected) throw new InputError("offsets", file, `data_offsets [${entry.begin}, ${entry.end}] leave a gap after byte ${expected} of the data section`, name);
    if (entry.end > dataLength) {
      throw new InputError("offsets", file, `data_offsets [${entry.begin}, ${entry.end}] extend past the data section (${dataLength} bytes; file truncated?)`, name);
    }
    expected = entry.end;
  }
  if (expected !== dataLength) {
    throw new InputError("offsets", file, `tensors cover ${expected} bytes but the data section has ${dataLength} (trailing bytes)`);
  }

  for (const entry of entries) {
    if (entry.record.data) entry.record.data.ranges[0]!.offset += dataStart;
    if (entry.record.storage) entry.record.storage.ranges[0]!.offset += dataStart;
  }
  return { file, dataStart, fileSize: source.size, metadata, tensors: entries.map((entry) => entry.record) };
}

function parseTensorInfo(file: string, name: string, info: unknown): { record: TensorRecord; begin: number; end: number } {
  if (!isPlainObject(info)) throw new InputError("tensor-info", file, "entry is not an object", name);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== "string") throw new InputError("tensor-info", file, "dtype is missing or not a string", name);
  const bits = DTYPE_BITS[dtype];
  if (bits === undefined) throw new InputError("unsupported-dtype", file, `unknown dtype ${JSON.stringify(dtype)}`, name);
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw new InputError("tensor-info", file, "shape is not a list of non-negative integers", name);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new InputError("tensor-info", file, "data_offsets is not a pair of non-negative integers", name);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new InputError("offsets", file, `data_offsets [${begin}, ${end}] end before they begin`, name);
  const dims = shape as number[];
  const params = shapeProduct(dims);
  if (params === undefined || !Number.isSafeInteger(params * bits)) {
    throw new InputError("overflow", file, `shape [${dims.join(", ")}] overflows`, name);
  }
  if ((params * bits) % 8 !== 0) throw new InputError("tensor-info", file, `${params} elements of ${bits}-bit ${dtype} do not fill whole bytes`, name);
  const bytes = (params * bits) / 8;
  if (end - begin !== bytes) {
    throw new InputError("tensor-info", file, `data_offsets span ${end - begin} bytes but shape [${dims.join(", ")}] of ${dtype} needs ${bytes}`, name);
  }
  const record: TensorRecord = { name, dtype, shape: dims, params };
  if (bits % 8 === 0) record.storage = { ranges: [{ source: file, offset: begin, length: bytes }], itemBytes: bits / 8 };
  if (ANALYSED.has(dtype)) {
    const encoding: Encoding = { kind: "float", dtype: dtype as FloatDType };
    // Offsets are made absolute by the caller once the data section start is known.
    record.data = { ranges: [{ source: file, offset: begin, length: bytes }], encoding, elements: params };
  } else {
    record.skipReason = skipReasonFor(dtype);
  }
  return { record, begin, end };
}

/** True when the first bytes look like a safetensors file: a sane u64 length, then '{'. */
export function looksLikeSafetensors(head: Uint8Array): boolean {
  if (head.length < 9) return false;
  const length = readU64(head, 0);
  return length !== undefined && length >= 2 && length <= MAX_HEADER_BYTES && head[8] === 0x7b;
}

/** Open one safetensors file as a model. */
export async function openSafetensorsFile(path: string): Promise<OpenedModel> {
  const source = await openSource(path);
  try {
    const header = await readSafetensorsHeader(source);
    return { path, format: "safetensors", files: [path], bytes: source.size, metadata: header.metadata, tensors: header.tensors };
  } finally {
    await source.close();
  }
}
