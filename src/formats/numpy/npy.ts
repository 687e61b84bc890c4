/**
 * NumPy .npy (numpy/lib/format.py, "NEP 1"): the magic "\x93NUMPY", a major/minor version byte, the
 * header length (u16 in version 1, u32 in versions 2 and 3), then the header — the Python literal of
 * a dict {'descr': <dtype str>, 'fortran_order': <bool>, 'shape': <tuple of ints>} (Latin-1 in v1/v2,
 * UTF-8 in v3) padded with spaces to a multiple of 64 — then the array's bytes.
 *
 * Fortran order changes only where values sit, and a histogram does not depend on order, so both
 * orders stream the same way. Float dtypes f2/f4/f8 in either byte order are read; everything else
 * (integers, complex, strings, structured and object arrays — the latter are pickles and are never
 * unpickled) is listed as skipped.
 */
import { InputError } from "../../errors.js";
import type { ByteRange, DeflateCompression } from "../../io/tensorData.js";
import type { Encoding, FloatDType } from "../../io/encoding.js";
import type { TensorRecord } from "../tensor.js";
import { shapeProduct } from "../tensor.js";
import { LiteralSyntaxError, parsePythonLiteral } from "./pythonLiteral.js";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
/** numpy refuses headers over 10,000 bytes by default; a header past this bound is refused. */
export const MAX_NPY_HEADER_BYTES = 1024 * 1024;
/** Bytes that always hold the magic, the version and the (v2/v3) header length. */
export const NPY_PREAMBLE_BYTES = 12;

export function looksLikeNpy(head: Uint8Array): boolean {
  return head.length >= 8 && MAGIC.every((byte, i) => head[i] === byte) && head[6]! >= 1 && head[6]! <= 3;
}

export interface NpyHeader {
  /** Bytes before the array data (preamble + header). */
  dataOffset: number;
  descr: unknown;
  fortranOrder: boolean;
  shape: number[];
}

/** Reads `length` bytes at `start` of the .npy content (a file, or a zip member's content). */
export type ContentReader = (start: number, length: number) => Promise<Uint8Array>;

/**
 * Parse an .npy header from content of `contentBytes` bytes. `where` names the file; `tensor` the
 * array inside an archive.
 */
export async function readNpyHeader(read: ContentReader, contentBytes: number, file: string, tensor?: string): Promise<NpyHeader> {
  const fail = (code: "malformed" | "truncated" | "limit", detail: string, offset?: number): never => {
    throw new InputError(code, file, detail, tensor, offset);
  };
  if (contentBytes < 10) fail("truncated", `is ${contentBytes} bytes, shorter than an .npy preamble`);
  const preamble = await read(0, Math.min(NPY_PREAMBLE_BYTES, contentBytes));
  if (!MAGIC.every((byte, i) => preamble[i] === byte)) fail("malformed", "does not start with the .npy magic \\x93NUMPY");
  const major = preamble[6]!;
  if (major < 1 || major > 3) fail("malformed", `.npy format version ${major}.${preamble[7]} is not 1, 2 or 3`, 6);
  const view = new DataView(preamble.buffer, preamble.byteOffset, preamble.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (preamble.length < 8 + lengthBytes) fail("truncated", "ends inside the .npy preamble");
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  if (headerLength > MAX_NPY_HEADER_BYTES) fail("limit", `.npy header of ${headerLength} bytes exceeds the ${MAX_NPY_HEADER_BYTES}-byte limit`, 8);
  if (headerStart + headerLength > contentBytes) fail("truncated", `.npy header of ${headerLength} bytes runs past the end (${contentBytes} bytes)`, 8);
  const headerBytes = await read(headerStart, headerLength);
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? "utf-8" : "latin1", { fatal: true }).decode(headerBytes);
  } catch {
    return fail("malformed", ".npy header is not valid UTF-8", headerStart);
  }
  let literal: ReturnType<typeof parsePythonLiteral>;
  try {
    literal = parsePythonLiteral(text);
  } catch (error) {
    if (!(error instanceof LiteralSyntaxError)) throw error;
    return fail("malformed", `.npy header is not a Python literal: ${error.message}`, headerStart);
  }
  if (literal === null || typeof literal !== "object" || Array.isArray(literal)) return fail("malformed", ".npy header is not a dict", headerStart);
  const keys = Object.keys(literal).sort().join(",");
  if (keys !== "descr,fortran_order,shape") fail("malformed", `.npy header keys are {${keys}}, not {descr, fortran_order, shape}`, headerStart);
  const { descr, fortran_order: fortranOrder, shape } = literal;
  if (typeof fortranOrder !== "boolean") fail("malformed", ".npy header fortran_order is not a bool", headerStart);
  if (!Array.isArray(shape) || !shape.every((dim) => typeof dim === "number" && Number.isSafeInteger(dim) && dim >= 0)) {
    fail("malformed", ".npy header shape is not a tuple of non-negative integers", headerStart);
  }
  return { dataOffset: headerStart + headerLength, descr, fortranOrder: fortranOrder as boolean, shape: shape as number[] };
}

const FLOAT_SIZES: Record<number, FloatDType> = { 2: "F16", 4: "F32", 8: "F64" };
const KIND_NAMES: Record<string, string> = { f: "FLOAT", i: "INT", u: "UINT", b: "BOOL", c: "COMPLEX", m: "TIMEDELTA", M: "DATETIME", S: "BYTES", U: "STR", V: "VOID", O: "OBJECT" };

interface DtypeInfo {
  /** numpy's name, upper-cased (FLOAT32; FLOAT32_BE when big-endian). */
  dtype: string;
  itemBytes?: number;
  encoding?: Encoding;
  skipReason?: string;
}

/** What a `descr` means for the analysis. */
export function npyDtype(descr: unknown): DtypeInfo {
  if (typeof descr !== "string") return { dtype: "STRUCTURED", skipReason: "structured (record) dtype is not a weight" };
  // numpy writes object arrays as '|O' (no item size).
  if (/^[<>|=]?O\d*$/.test(descr)) return { dtype: "OBJECT", skipReason: "object array: pickled Python objects are never unpickled" };
  const match = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  if (!match) return { dtype: descr.toUpperCase(), skipReason: `dtype ${JSON.stringify(descr)} is not supported` };
  const [, order, kind, sizeText] = match as unknown as [string, string, string, string];
  const size = Number(sizeText);
  const bits = ["U"].includes(kind) ? size * 32 : size * 8;
  const bigEndian = order === ">";
  const name = `${KIND_NAMES[kind] ?? kind.toUpperCase()}${kind === "b" || kind === "O" ? "" : bits}${bigEndian ? "_BE" : ""}`;
  if (kind === "O") return { dtype: name, skipReason: "object array: pickled Python objects are never unpickled" };
  const itemBytes = kind === "U" ? size * 4 : size;
  if (kind === "f") {
    const floatDtype = FLOAT_SIZES[size];
    if (!floatDtype) return { dtype: name, itemBytes, skipReason: `${bits}-bit float (long double) is not supported` };
    return { dtype: name, itemBytes, encoding: { kind: "float", dtype: floatDtype, ...(bigEndian ? { bigEndian: true } : {}) } };
  }
  if (kind === "i" || kind === "u" || kind === "b") return { dtype: name, itemBytes, skipReason: `integer dtype ${name} is not a weight` };
  if (kind === "c") return { dtype: name, itemBytes, skipReason: `complex dtype ${name} is not analysed` };
  return { dtype: name, itemBytes, skipReason: `dtype ${name} is not a weight` };
}

/**
 * The tensor record of an .npy whose array data is [dataOffset, contentBytes) of some content;
 * `span` turns a content byte span into ranges (and compression) of the underlying file.
 */
export function npyTensor(
  name: string,
  header: NpyHeader,
  contentBytes: number,
  span: (start: number, bytes: number) => { ranges: ByteRange[]; compression?: DeflateCompression },
  file: string,
): TensorRecord {
  const info = npyDtype(header.descr);
  const params = shapeProduct(header.shape);
  if (params === undefined) throw new InputError("overflow", file, `shape [${header.shape.join(", ")}] overflows`, name);
  const record: TensorRecord = { name, dtype: info.dtype, shape: header.shape, params };
  if (header.fortranOrder && header.shape.filter((dim) => dim > 1).length > 1) record.permuted = true;
  // Object arrays hold a pickle of unknown length after the header: not checked, never read.
  if (info.dtype === "OBJECT") return { ...record, skipReason: info.skipReason! };
  if (info.itemBytes !== undefined) {
    const bytes = params * info.itemBytes;
    const available = contentBytes - header.dataOffset;
    if (!Number.isSafeInteger(bytes)) throw new InputError("overflow", file, `shape [${header.shape.join(", ")}] overflows`, name);
    if (available < bytes) throw new InputError("truncated", file, `array data has ${available} bytes but shape [${header.shape.join(", ")}] of ${info.dtype} needs ${bytes}`, name, header.dataOffset);
    if (available > bytes) throw new InputError("malformed", file, `${available - bytes} bytes follow the array data (shape [${header.shape.join(", ")}] of ${info.dtype} needs ${bytes})`, name);
    const bigEndian = typeof header.descr === "string" && header.descr.startsWith(">") && info.itemBytes > 1;
    record.storage = { ...span(header.dataOffset, bytes), itemBytes: info.itemBytes, ...(bigEndian ? { bigEndian } : {}), ...(header.fortranOrder ? { columnMajor: true } : {}) };
    if (info.encoding) return { ...record, data: { ...span(header.dataOffset, bytes), encoding: info.encoding, elements: params } };
  }
  return { ...record, skipReason: info.skipReason ?? "not analysed" };
}
