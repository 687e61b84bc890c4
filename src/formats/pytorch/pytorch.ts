/**
 * PyTorch checkpoints written by torch.save since 1.6 (`.pt`, `.pth`, `pytorch_model.bin`): a zip
 * archive `<name>/data.pkl` (the pickled object), `<name>/data/<key>` (one member per storage, stored
 * uncompressed), `<name>/byteorder` ("little"/"big", absent before 1.10) and `<name>/version`. The
 * pickle is read by the data-only unpickler (pickle.ts), which turns each
 * torch._utils._rebuild_tensor_v2/_v3 call into a storage reference, offset, size and stride; every
 * tensor in the object — a state_dict, or any nesting of dicts and lists around one — becomes a
 * tensor record named by its key path ("model.0.weight"), its bytes described as byte ranges of its
 * storage member (strided.ts decides which storage runs a view covers).
 *
 * The pre-1.6 format (a bare pickle stream starting with torch's magic number) and TorchScript
 * archives are recognised in order to say so; neither is read.
 */
import { InputError } from "../../errors.js";
import { SourcePool } from "../../io/byteSource.js";
import type { ByteRange, DeflateCompression } from "../../io/tensorData.js";
import type { FloatDType } from "../../io/encoding.js";
import { type OpenedModel, type TensorRecord, shapeProduct } from "../tensor.js";
import { METHOD_STORED, type ZipArchive, type ZipEntry, type ZipMember, attachMemberChecksum, checkInflateRatio, memberSpan, openMember, readMemberBytes, readZipArchive } from "../zip/zip.js";
import { PyDict, PyStorage, PyTensor, PyUnsupportedTensor, type PyValue, unpickle } from "./pickle.js";
import { viewLayout } from "./strided.js";
import { TensorBudget } from "../bounds.js";

/** A state_dict's pickle is kilobytes to a few megabytes (≈ 150 bytes per tensor); larger ones are refused. */
export const MAX_PICKLE_BYTES = 32 * 1024 * 1024;
/** Tensors nested deeper than this in the checkpoint object are not looked for. */
export const MAX_NESTING = 64;

/** torch's legacy magic number 0x1950a86a20f9469cfc6c pickled as LONG1 after PROTO 2. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

export function looksLikeLegacyTorch(head: Uint8Array): boolean {
  return head.length >= LEGACY_MAGIC.length && LEGACY_MAGIC.every((byte, i) => head[i] === byte);
}

export async function openLegacyTorch(path: string): Promise<OpenedModel> {
  throw new InputError(
    "legacy-format",
    path,
    "PyTorch legacy format (torch.save before 1.6, a bare pickle stream) is not supported: re-save it with a current torch.save, or convert it to safetensors",
  );
}

/** The archive's `<prefix>/data.pkl` member, or undefined when it is not a torch.save archive. */
export function torchPickleEntry(archive: ZipArchive): ZipEntry | undefined {
  const candidates = archive.entries.filter((entry) => /^([^/]+\/)?data\.pkl$/.test(entry.name));
  return candidates.length === 1 ? candidates[0] : undefined;
}

interface DtypeInfo {
  name: string;
  bytes: number;
  float?: FloatDType;
  /** Why tensors of this dtype are not analysed. */
  skip?: string;
  /** Not analysed, but `name` is a safetensors dtype, so the bytes can be copied as they are. */
  copyable?: boolean;
}

const integer = (name: string, bytes: number): DtypeInfo => ({ name, bytes, skip: `integer dtype ${name} is not a weight`, copyable: true });
const quantized = (name: string, bytes: number): DtypeInfo => ({ name, bytes, skip: `quantized storage ${name} is not read` });

/** Legacy storage classes (the persistent id's storage type) → element dtype. */
const STORAGE_DTYPES: Record<string, DtypeInfo> = {
  DoubleStorage: { name: "F64", bytes: 8, float: "F64" },
  FloatStorage: { name: "F32", bytes: 4, float: "F32" },
  HalfStorage: { name: "F16", bytes: 2, float: "F16" },
  BFloat16Storage: { name: "BF16", bytes: 2, float: "BF16" },
  LongStorage: integer("I64", 8),
  IntStorage: integer("I32", 4),
  ShortStorage: integer("I16", 2),
  CharStorage: integer("I8", 1),
  ByteStorage: integer("U8", 1),
  BoolStorage: integer("BOOL", 1),
  ComplexDoubleStorage: { name: "C128", bytes: 16, skip: "complex dtype C128 is not analysed" },
  ComplexFloatStorage: { name: "C64", bytes: 8, skip: "complex dtype C64 is not analysed" },
  QInt8Storage: quantized("QINT8", 1),
  QInt32Storage: quantized("QINT32", 4),
  QUInt8Storage: quantized("QUINT8", 1),
  QUInt4x2Storage: quantized("QUINT4X2", 1),
  QUInt2x4Storage: quantized("QUINT2X4", 1),
  UntypedStorage: integer("U8", 1),
};

/** torch dtypes named by _rebuild_tensor_v3 (dtypes without a legacy storage class). */
const TORCH_DTYPES: Record<string, DtypeInfo> = {
  float64: STORAGE_DTYPES.DoubleStorage!,
  float32: STORAGE_DTYPES.FloatStorage!,
  float16: STORAGE_DTYPES.HalfStorage!,
  bfloat16: STORAGE_DTYPES.BFloat16Storage!,
  float8_e4m3fn: { name: "F8_E4M3", bytes: 1, float: "F8_E4M3" },
  float8_e5m2: { name: "F8_E5M2", bytes: 1, float: "F8_E5M2" },
  float8_e4m3fnuz: { name: "F8_E4M3FNUZ", bytes: 1, float: "F8_E4M3FNUZ" },
  float8_e5m2fnuz: { name: "F8_E5M2FNUZ", bytes: 1, float: "F8_E5M2FNUZ" },
  float8_e8m0fnu: { name: "F8_E8M0", bytes: 1, skip: "F8_E8M0 holds power-of-two scales, not weights" },
  float4_e2m1fn_x2: { name: "F4_X2", bytes: 1, skip: "dtype F4_X2 (packed 4-bit float) is not supported yet" },
  int64: integer("I64", 8),
  int32: integer("I32", 4),
  int16: integer("I16", 2),
  int8: integer("I8", 1),
  uint8: integer("U8", 1),
  uint16: integer("U16", 2),
  uint32: integer("U32", 4),
  uint64: integer("U64", 8),
  bool: integer("BOOL", 1),
  complex64: STORAGE_DTYPES.ComplexFloatStorage!,
  complex128: STORAGE_DTYPES.ComplexDoubleStorage!,
};

/**
 * Every tensor in the unpickled object with its key path. Containers are visited once (cycles and
 * shared sub-structures are harmless) and at most MAX_NESTING deep; a path is kept as a parent chain
 * and joined only for a tensor, so the walk is linear in the number of containers.
 */
function tensorsIn(root: PyValue, file: string): { name: string; value: PyTensor | PyUnsupportedTensor }[] {
  const budget = new TensorBudget(file);
  interface Step {
    key: string;
    parent: Step | undefined;
    depth: number;
  }
  const nameOf = (step: Step | undefined): string => {
    const keys: string[] = [];
    for (let s = step; s; s = s.parent) keys.push(s.key);
    return keys.length > 0 ? keys.reverse().join(".") : "tensor";
  };
  const found: { name: string; value: PyTensor | PyUnsupportedTensor }[] = [];
  const seen = new Set<object>();
  const pending: { step: Step | undefined; value: PyValue }[] = [{ step: undefined, value: root }];
  while (pending.length > 0) {
    const { step, value } = pending.pop()!;
    if (value instanceof PyTensor || value instanceof PyUnsupportedTensor) {
      // Counted before the name is built: a small pickle can reference one tensor a million times.
      budget.add();
      found.push({ name: nameOf(step), value });
      continue;
    }
    const depth = step?.depth ?? 0;
    if (value === null || typeof value !== "object" || seen.has(value) || depth >= MAX_NESTING) continue;
    seen.add(value);
    const children: { step: Step; value: PyValue }[] = [];
    const child = (key: string, item: PyValue): void => void children.push({ step: { key, parent: step, depth: depth + 1 }, value: item });
    if (value instanceof PyDict) {
      for (const { key, value: item } of value.entries.values()) child(typeof key === "string" || typeof key === "number" || typeof key === "bigint" ? String(key) : `#${children.length}`, item);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => child(String(i), item));
    }
    // Reversed onto the stack so tensors come out in file order.
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]!);
  }
  return found;
}

/** Key paths are unique unless keys of different types print alike (1 and "1"): number the repeats. */
function uniqueNames(names: string[]): (string | undefined)[] {
  const count = new Map<string, number>();
  return names.map((name) => {
    const n = (count.get(name) ?? 0) + 1;
    count.set(name, n);
    return n === 1 ? undefined : `${name}#${n}`;
  });
}

export async function openPytorch(path: string): Promise<OpenedModel> {
  const pool = new SourcePool();
  try {
    const source = await pool.get(path);
    const archive = await readZipArchive(source);
    const pickleEntry = torchPickleEntry(archive);
    if (!pickleEntry) throw new InputError("malformed", path, "zip archive has no single <name>/data.pkl member: not a torch.save checkpoint");
    const prefix = pickleEntry.name.slice(0, -"data.pkl".length);
    if (archive.byName.has(`${prefix}constants.pkl`) || archive.entries.some((entry) => entry.name.startsWith(`${prefix}code/`))) {
      throw new InputError("unknown-format", path, "TorchScript archive (torch.jit.save) holds a program, not a state_dict: save model.state_dict() with torch.save, or export safetensors");
    }
    if (pickleEntry.size > MAX_PICKLE_BYTES) throw new InputError("limit", path, `${pickleEntry.name} of ${pickleEntry.size} bytes exceeds the ${MAX_PICKLE_BYTES}-byte limit`);
    checkInflateRatio(path, pickleEntry);
    const pickleBytes = await readMemberBytes(pool, await openMember(source, pickleEntry), 0, pickleEntry.size);
    const root = unpickle(pickleBytes, { file: path, member: pickleEntry.name });

    let bigEndian = false;
    const byteorderEntry = archive.byName.get(`${prefix}byteorder`);
    if (byteorderEntry && byteorderEntry.size <= 16) {
      const text = new TextDecoder().decode(await readMemberBytes(pool, await openMember(source, byteorderEntry), 0, byteorderEntry.size)).trim();
      if (text !== "little" && text !== "big") throw new InputError("malformed", path, `${byteorderEntry.name} says ${JSON.stringify(text)}, not "little" or "big"`);
      bigEndian = text === "big";
    }

    const members = new Map<string, ZipMember>();
    const storageMember = async (storage: PyStorage, tensor: string): Promise<ZipMember> => {
      let member = members.get(storage.key);
      if (!member) {
        const entry = archive.byName.get(`${prefix}data/${storage.key}`);
        if (!entry) throw new InputError("malformed", path, `storage ${JSON.stringify(storage.key)} (${prefix}data/${storage.key}) is missing from the archive`, tensor);
        checkInflateRatio(path, entry);
        member = await openMember(source, entry);
        members.set(storage.key, member);
      }
      return member;
    };

    const found = tensorsIn(root, path);
    const renamed = uniqueNames(found.map((f) => f.name));
    const tensors: TensorRecord[] = [];
    for (const [i, { name: originalName, value }] of found.entries()) {
      const name = renamed[i] ?? originalName;
      const naming = renamed[i] ? { name, originalName } : { name };
      if (value instanceof PyUnsupportedTensor) {
        tensors.push({ ...naming, dtype: "UNKNOWN", shape: [], params: 0, skipReason: value.reason });
        continue;
      }
      const member = await storageMember(value.storage, name);
      const record = await tensorRecord(path, naming, value, member, bigEndian);
      await attachMemberChecksum(pool, member, record.data);
      tensors.push(record);
    }
    const metadata: Record<string, string> = { archive: prefix.replace(/\/$/, ""), byteorder: bigEndian ? "big" : "little", storages: String(new Set(found.flatMap((f) => (f.value instanceof PyTensor ? [f.value.storage.key] : []))).size) };
    return { path, format: "pytorch", files: [path], bytes: source.size, metadata, tensors, order: "written" };
  } finally {
    await pool.close();
  }
}

async function tensorRecord(file: string, naming: { name: string; originalName?: string }, tensor: PyTensor, member: ZipMember, bigEndian: boolean): Promise<TensorRecord> {
  const { name } = naming;
  const storageInfo = STORAGE_DTYPES[tensor.storage.storageType];
  if (!storageInfo) throw new InputError("malformed", file, `unknown storage type ${tensor.storage.storageType}`, name);
  const info = tensor.dtype !== undefined ? TORCH_DTYPES[tensor.dtype] : storageInfo;
  const shape = tensor.size;
  const params = shapeProduct(shape);
  if (params === undefined) throw new InputError("overflow", file, `shape [${shape.join(", ")}] overflows`, name);
  const record: TensorRecord = { ...naming, dtype: info?.name ?? tensor.dtype!.toUpperCase(), shape, params };
  // Runs come in storage order: row-major over the shape only if the strides of the dims that move
  // decrease from the first dim to the last.
  const moving = shape.flatMap((dim, i) => (dim > 1 ? [tensor.stride[i]!] : []));
  if (moving.some((stride, i) => i > 0 && moving[i - 1]! <= stride)) record.permuted = true;
  if (!info) return { ...record, skipReason: `dtype ${tensor.dtype} is not supported` };

  const storageBytes = tensor.storage.numel * storageInfo.bytes;
  if (!Number.isSafeInteger(storageBytes)) throw new InputError("overflow", file, `storage ${JSON.stringify(tensor.storage.key)} size overflows`, name);
  if (member.entry.size < storageBytes) {
    throw new InputError("truncated", file, `storage member ${member.entry.name} has ${member.entry.size} bytes but its ${tensor.storage.numel} ${tensor.storage.storageType} elements need ${storageBytes}`, name);
  }
  const layout = viewLayout(shape, tensor.stride, tensor.offset, Math.floor(storageBytes / info.bytes));
  if (layout.kind === "outside") {
    throw new InputError("malformed", file, `view (offset ${tensor.offset}, size [${shape.join(", ")}], stride [${tensor.stride.join(", ")}]) reaches element ${layout.lastElement} of a storage of ${Math.floor(storageBytes / info.bytes)}`, name);
  }
  if (info.skip) {
    // Integer tensors (e.g. BatchNorm's num_batches_tracked) are located for copying when stored
    // little-endian in a stored (not deflated) member.
    const copyable = info.copyable === true && !record.permuted && layout.kind === "runs" && member.entry.method === METHOD_STORED && (!bigEndian || info.bytes === 1);
    const storage = copyable ? { ranges: layout.runs.flatMap((run) => memberSpan(member, run.offset * info.bytes, run.length * info.bytes).ranges), itemBytes: info.bytes } : undefined;
    return { ...record, skipReason: info.skip, ...(storage ? { storage } : {}) };
  }
  if (layout.kind === "skip") return { ...record, skipReason: layout.reason };
  const encoding = { kind: "float" as const, dtype: info.float!, ...(bigEndian ? { bigEndian: true } : {}) };
  const span = (offset: number, length: number): { ranges: ByteRange[]; compression?: DeflateCompression } => memberSpan(member, offset * info.bytes, length * info.bytes);
  if (member.entry.method !== METHOD_STORED) {
    // A deflated storage (an archive re-zipped by another tool) streams only as one run.
    if (layout.runs.length > 1) return { ...record, skipReason: "strided view inside a deflate-compressed zip member" };
    const run = layout.runs[0] ?? { offset: 0, length: 0 };
    return { ...record, data: { ...span(run.offset, run.length), encoding, elements: params } };
  }
  const ranges = layout.runs.flatMap((run) => span(run.offset, run.length).ranges);
  return { ...record, data: { ranges, encoding, elements: params } };
}
