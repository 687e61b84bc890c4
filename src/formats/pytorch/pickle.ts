/**
 * A safe, data-only unpickler for PyTorch checkpoints (pickle opcodes as defined by CPython's
 * Lib/pickletools.py, protocols 0–5). It never executes anything: a GLOBAL names a callable only
 * from a fixed allowlist (the rebuild functions, storage types, dtypes and containers a state_dict
 * needs — the same families as torch.load(weights_only=True)), and REDUCE/NEWOBJ apply our own
 * data-only interpretation of that name. Any other global (os.system, builtins.eval, a user class, …)
 * is refused with an InputError of code "unsafe" before anything else happens; opcodes that only
 * make sense for arbitrary objects (INST, OBJ, EXT*, out-of-band buffers) are refused too.
 *
 * Bounds: the input is a bounded in-memory buffer; every length is checked against the bytes left
 * before slicing; each opcode pushes at most one value, so the stack, the memo and every container
 * are bounded by the pickle's length; integers are limited to 64 bytes; the run is one linear pass.
 */
import { InputError } from "../../errors.js";

export class PyDict {
  readonly entries = new Map<string, { key: PyValue; value: PyValue }>();
  private objectKeys = 0;
  /** Keys compare by value for strings, numbers and constants; any other key is its own entry. */
  set(key: PyValue, value: PyValue): void {
    this.entries.set(keyOf(key) ?? `o:${this.objectKeys++}`, { key, value });
  }
}

/** A tuple or a list (the unpickler does not need to tell them apart). */
export type PyList = PyValue[];

export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A value we keep only as a description (torch.device, a numpy scalar, bytes, a set, …). */
export class PyOpaque {
  constructor(readonly what: string) {}
}

/** A storage reference from a persistent id: ('storage', storage type, key, location, numel). */
export class PyStorage {
  constructor(
    readonly storageType: string,
    readonly key: string,
    readonly location: string,
    readonly numel: number,
  ) {}
}

/** A dense tensor view: `dtype` set for _rebuild_tensor_v3 (otherwise the storage type's). */
export class PyTensor {
  constructor(
    readonly storage: PyStorage,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
    readonly dtype?: string,
  ) {}
}

/** A tensor we recognise but do not read (quantized, sparse, meta, nested, device-specific). */
export class PyUnsupportedTensor {
  constructor(readonly reason: string) {}
}

export type PyValue = null | boolean | number | bigint | string | PyList | PyDict | PyGlobal | PyOpaque | PyStorage | PyTensor | PyUnsupportedTensor;

function keyOf(key: PyValue): string | undefined {
  if (typeof key === "string") return `s:${key}`;
  if (typeof key === "number" || typeof key === "bigint") return `n:${key}`;
  if (key === null || typeof key === "boolean") return `v:${String(key)}`;
  return undefined;
}

const STORAGE_TYPES = new Set([
  "DoubleStorage",
  "FloatStorage",
  "HalfStorage",
  "BFloat16Storage",
  "LongStorage",
  "IntStorage",
  "ShortStorage",
  "CharStorage",
  "ByteStorage",
  "BoolStorage",
  "ComplexDoubleStorage",
  "ComplexFloatStorage",
  "QInt8Storage",
  "QInt32Storage",
  "QUInt8Storage",
  "QUInt4x2Storage",
  "QUInt2x4Storage",
  "UntypedStorage",
]);

const DTYPES = new Set([
  "float64",
  "float32",
  "float16",
  "bfloat16",
  "float8_e4m3fn",
  "float8_e5m2",
  "float8_e4m3fnuz",
  "float8_e5m2fnuz",
  "float8_e8m0fnu",
  "float4_e2m1fn_x2",
  "int64",
  "int32",
  "int16",
  "int8",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "bool",
  "complex64",
  "complex128",
  "qint8",
  "qint32",
  "quint8",
  "quint4x2",
  "quint2x4",
]);

const UNSUPPORTED_REBUILDS: Record<string, string> = {
  "torch._utils._rebuild_qtensor": "quantized tensor",
  "torch._utils._rebuild_sparse_tensor": "sparse tensor",
  "torch._utils._rebuild_meta_tensor_no_storage": "meta tensor (no data)",
  "torch._utils._rebuild_nested_tensor": "nested tensor",
  "torch._utils._rebuild_wrapper_subclass": "tensor subclass",
  "torch._utils._rebuild_device_tensor_from_numpy": "device tensor",
  "torch._utils._rebuild_device_tensor_from_cpu_tensor": "device tensor",
};

/** Globals that become inert descriptions: we never call them, only note what they were. */
const INERT = new Set([
  "torch.device",
  "torch.serialization._get_layout",
  "torch.nn.parameter.Parameter",
  "torch.Tensor",
  "_codecs.encode",
  "builtins.set",
  "builtins.frozenset",
  "builtins.bytearray",
  "builtins.slice",
  "builtins.complex",
  "numpy.core.multiarray.scalar",
  "numpy._core.multiarray.scalar",
  "numpy.dtype",
  "collections.Counter",
]);

const REBUILDS = new Set([
  "torch._utils._rebuild_tensor",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_tensor_v3",
  "torch._utils._rebuild_parameter",
  "torch._utils._rebuild_parameter_with_state",
  "torch._tensor._rebuild_from_type_v2",
  "collections.OrderedDict",
  "builtins.dict",
  "builtins.list",
  "builtins.tuple",
  "torch.Size",
]);

/** Whether a global may appear in a checkpoint we read. */
export function isAllowedGlobal(module: string, name: string): boolean {
  const qualified = `${module}.${name}`;
  if (REBUILDS.has(qualified) || INERT.has(qualified) || qualified in UNSUPPORTED_REBUILDS) return true;
  if ((module === "torch" || module === "torch.storage") && STORAGE_TYPES.has(name)) return true;
  return module === "torch" && DTYPES.has(name);
}

/** Integers beyond this many bytes (LONG1/LONG4) are refused: no state_dict needs them. */
const MAX_LONG_BYTES = 64;

export interface UnpickleOptions {
  /** File the pickle came from (for messages) and the member inside an archive. */
  file: string;
  member: string;
}

/** Run the pickle in `bytes` and return its top-level value. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): PyValue {
  const { file, member } = options;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let opcodeAt = 0;
  const fail = (detail: string, code: "malformed" | "unsafe" | "limit" = "malformed"): never => {
    // The offset is inside the pickle member, not the file: named with the member.
    throw new InputError(code, file, code === "unsafe" ? `${member}: ${detail}` : `${member} byte ${opcodeAt}: ${detail}`);
  };
  const need = (length: number): void => {
    if (!Number.isSafeInteger(length) || length < 0 || at + length > bytes.length) fail(`needs ${length} bytes but only ${bytes.length - at} are left (truncated?)`);
  };
  const take = (length: number): Uint8Array => {
    need(length);
    const out = bytes.subarray(at, at + length);
    at += length;
    return out;
  };
  const u8 = (): number => (need(1), bytes[at++]!);
  const u16 = (): number => (need(2), (at += 2), view.getUint16(at - 2, true));
  const u32 = (): number => (need(4), (at += 4), view.getUint32(at - 4, true));
  const i32 = (): number => (need(4), (at += 4), view.getInt32(at - 4, true));
  const u64 = (): number => {
    need(8);
    const value = view.getBigUint64(at, true);
    at += 8;
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${value} exceeds 2^53`);
    return Number(value);
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) fail("text argument has no terminating newline (truncated?)");
    const text = latin1.decode(bytes.subarray(at, end));
    at = end + 1;
    return text;
  };
  const utf8Text = (raw: Uint8Array): string => {
    try {
      return utf8.decode(raw);
    } catch {
      return fail("string is not valid UTF-8");
    }
  };

  const stack: PyValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  // Values below the last MARK belong to an enclosing frame: reaching them is a stack underflow.
  const frameEmpty = (): boolean => stack.length <= (marks.length > 0 ? marks[marks.length - 1]! : 0);
  const pop = (): PyValue => {
    if (frameEmpty()) fail("pops an empty stack");
    return stack.pop()!;
  };
  const top = (): PyValue => {
    if (frameEmpty()) fail("reads an empty stack");
    return stack[stack.length - 1]!;
  };
  const popMark = (): PyValue[] => {
    const mark = marks.pop();
    if (mark === undefined) fail("has no MARK to pop to");
    return stack.splice(mark!);
  };
  const signedLong = (raw: Uint8Array): number | bigint => {
    if (raw.length > MAX_LONG_BYTES) fail(`integer of ${raw.length} bytes is too large`);
    let value = 0n;
    for (let i = raw.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]!);
    if (raw.length > 0 && raw[raw.length - 1]! & 0x80) value -= 1n << BigInt(8 * raw.length);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  };
  const global = (rawModule: string, name: string): PyGlobal => {
    // Protocols < 3 name Python 2 modules; pickle's fix_imports maps them (Lib/_compat_pickle.py).
    const module = rawModule === "__builtin__" ? "builtins" : rawModule;
    if (!isAllowedGlobal(module, name)) {
      fail(`pickle asks for the global ${module}.${name}, which a checkpoint of tensors never needs: refused (nothing in the file is executed)`, "unsafe");
    }
    return new PyGlobal(module, name);
  };
  const call = (callable: PyValue, args: PyValue): PyValue => {
    if (!(callable instanceof PyGlobal)) return fail("REDUCE on something that is not an allowed global");
    if (!Array.isArray(args)) return fail(`${callable.qualified} called with non-tuple arguments`);
    return applyGlobal(callable, args, fail);
  };

  for (;;) {
    opcodeAt = at;
    if (at >= bytes.length) fail("ends without a STOP opcode (truncated?)");
    const op = bytes[at++]!;
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail("uses a pickle protocol above 5");
        break;
      case 0x95: // FRAME: the frame length is informational here (the whole pickle is in memory)
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length !== 0) fail(`STOP with ${stack.length} values on the stack`);
        return stack[0]!;
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(signedLong(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        const length = i32();
        if (length < 0) fail("LONG4 with a negative length");
        stack.push(signedLong(take(length)));
        break;
      }
      case 0x49: {
        // INT (text); "01"/"00" are protocol 0's True/False
        const text = line();
        if (text === "01" || text === "00") stack.push(text === "01");
        else stack.push(parseDecimal(text, fail));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(parseDecimal(line().replace(/L$/, ""), fail));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(at, false));
        at += 8;
        break;
      case 0x46: {
        // FLOAT (text)
        const value = Number(line());
        if (Number.isNaN(value)) fail("FLOAT is not a number");
        stack.push(value);
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(utf8Text(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8Text(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8Text(take(u64())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape text; state_dict keys are plain)
        stack.push(line());
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(latin1.decode(take(i32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(take(u8())));
        break;
      case 0x53: {
        // STRING (quoted repr)
        const text = line();
        stack.push(text.length >= 2 ? text.slice(1, -1) : fail("STRING is not quoted"));
        break;
      }
      case 0x42: // BINBYTES
        take(u32());
        stack.push(new PyOpaque("bytes"));
        break;
      case 0x43: // SHORT_BINBYTES
        take(u8());
        stack.push(new PyOpaque("bytes"));
        break;
      case 0x8e: // BINBYTES8
        take(u64());
        stack.push(new PyOpaque("bytes"));
        break;
      case 0x96: // BYTEARRAY8
        take(u64());
        stack.push(new PyOpaque("bytearray"));
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const dict = new PyDict();
        if (items.length % 2 !== 0) fail("DICT with an odd number of items");
        for (let i = 0; i < items.length; i += 2) dict.set(items[i]!, items[i + 1]!);
        stack.push(dict);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new PyOpaque("set"));
        break;
      case 0x90: // ADDITEMS
        popMark();
        if (!(top() instanceof PyOpaque)) fail("ADDITEMS on something that is not a set");
        break;
      case 0x91: // FROZENSET
        popMark();
        stack.push(new PyOpaque("frozenset"));
        break;
      case 0x61: {
        // APPEND
        const value = pop();
        const list = top();
        if (!Array.isArray(list)) fail("APPEND on something that is not a list");
        (list as PyList).push(value);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail("APPENDS on something that is not a list");
        for (const item of items) (list as PyList).push(item);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        const dict = top();
        if (!(dict instanceof PyDict)) fail("SETITEM on something that is not a dict");
        (dict as PyDict).set(key, value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const dict = top();
        if (!(dict instanceof PyDict)) fail("SETITEMS on something that is not a dict");
        if (items.length % 2 !== 0) fail("SETITEMS with an odd number of items");
        for (let i = 0; i < items.length; i += 2) (dict as PyDict).set(items[i]!, items[i + 1]!);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") fail("STACK_GLOBAL needs two strings");
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ cls.__new__(cls, *args)
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX cls.__new__(cls, *args, **kwargs)
        pop();
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD: state for __setstate__; our values keep no state (e.g. a state_dict's _metadata).
        pop();
        const target = top();
        if (target === null || typeof target !== "object") fail("BUILD on a value that takes no state");
        break;
      }
      case 0x51: {
        // BINPERSID
        stack.push(persistentLoad(pop(), fail));
        break;
      }
      case 0x50: // PERSID (text id)
        fail("text persistent ids are not used by torch.save");
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT
        memo.set(parseDecimal(line(), fail), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const index = op === 0x68 ? u8() : op === 0x6a ? u32() : parseDecimal(line(), fail);
        if (!memo.has(index)) fail(`reads memo entry ${index}, which was never stored`);
        stack.push(memo.get(index)!);
        break;
      }
      default: {
        const name = FORBIDDEN_OPCODES[op];
        if (name) fail(`opcode ${name} builds arbitrary objects: refused (nothing in the file is executed)`, "unsafe");
        fail(`unknown pickle opcode 0x${op.toString(16).padStart(2, "0")}`);
      }
    }
  }
}

const FORBIDDEN_OPCODES: Record<number, string> = {
  0x69: "INST",
  0x6f: "OBJ",
  0x82: "EXT1",
  0x83: "EXT2",
  0x84: "EXT4",
  0x97: "NEXT_BUFFER",
  0x98: "READONLY_BUFFER",
};

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");

function parseDecimal(text: string, fail: (detail: string) => never): number {
  if (!/^-?\d{1,16}$/.test(text.trim())) fail(`${JSON.stringify(text.slice(0, 40))} is not a small integer`);
  return Number(text.trim());
}

type Fail = (detail: string) => never;

function integer(value: PyValue, what: string, fail: Fail): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) fail(`${what} is not an integer`);
  return value as number;
}

function integers(value: PyValue, what: string, fail: Fail): number[] {
  if (!Array.isArray(value)) fail(`${what} is not a tuple`);
  return (value as PyList).map((item, i) => integer(item, `${what}[${i}]`, fail));
}

/** torch.save's persistent id of a storage: ('storage', storage type, key, location, numel). */
function persistentLoad(pid: PyValue, fail: Fail): PyStorage {
  if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== "storage") return fail("persistent id is not ('storage', type, key, location, numel)");
  const [, type, key, location, numel] = pid;
  if (!(type instanceof PyGlobal) || !STORAGE_TYPES.has(type.name)) return fail("persistent id does not name a storage type");
  if (typeof key !== "string" || typeof location !== "string") return fail("persistent id key or location is not a string");
  const count = integer(numel ?? null, "storage numel", fail);
  if (count < 0) fail("storage numel is negative");
  return new PyStorage(type.name, key, location, count);
}

function tensorFrom(args: PyList, dtypeIndex: number | undefined, fail: Fail): PyTensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof PyStorage)) return fail("tensor rebuild without a storage");
  const dims = integers(size ?? null, "tensor size", fail);
  const strides = integers(stride ?? null, "tensor stride", fail);
  if (dims.length !== strides.length) fail(`tensor size has ${dims.length} dims but stride has ${strides.length}`);
  if (dims.some((dim) => dim < 0) || strides.some((s) => s < 0)) fail("tensor size or stride is negative");
  let dtype: string | undefined;
  if (dtypeIndex !== undefined) {
    const given = args[dtypeIndex];
    if (!(given instanceof PyGlobal) || given.module !== "torch" || !DTYPES.has(given.name)) fail("_rebuild_tensor_v3 without a torch dtype");
    dtype = (given as PyGlobal).name;
  }
  const start = integer(offset ?? null, "storage offset", fail);
  if (start < 0) fail("storage offset is negative");
  return new PyTensor(storage, start, dims, strides, dtype);
}

/** What an allowed global means when called (REDUCE/NEWOBJ) — data only, nothing is run. */
function applyGlobal(callable: PyGlobal, args: PyList, fail: Fail): PyValue {
  const name = callable.qualified;
  const unsupported = UNSUPPORTED_REBUILDS[name];
  if (unsupported) return new PyUnsupportedTensor(`${unsupported} (${name}) is not read`);
  switch (name) {
    case "torch._utils._rebuild_tensor":
    case "torch._utils._rebuild_tensor_v2":
      if (args.length < 4) fail(`${name} needs (storage, offset, size, stride, …)`);
      return tensorFrom(args, undefined, fail);
    case "torch._utils._rebuild_tensor_v3":
      if (args.length < 7) fail(`${name} needs (storage, offset, size, stride, requires_grad, hooks, dtype, …)`);
      return tensorFrom(args, 6, fail);
    case "torch._utils._rebuild_parameter":
    case "torch._utils._rebuild_parameter_with_state":
      if (args.length < 1) fail(`${name} needs the tensor`);
      return args[0]!;
    case "torch._tensor._rebuild_from_type_v2": {
      // (func, type, args, state): the tensor is func(*args); type and state are attributes only.
      const [func, , inner] = args;
      if (!(func instanceof PyGlobal) || !Array.isArray(inner)) return fail(`${name} needs (func, type, args, state)`);
      return applyGlobal(func, inner, fail);
    }
    case "collections.OrderedDict":
    case "builtins.dict": {
      const dict = new PyDict();
      const items = args[0];
      if (Array.isArray(items)) {
        for (const pair of items) {
          if (!Array.isArray(pair) || pair.length !== 2) fail(`${name} built from something that is not (key, value) pairs`);
          dict.set((pair as PyList)[0]!, (pair as PyList)[1]!);
        }
      }
      return dict;
    }
    case "builtins.list":
    case "builtins.tuple":
    case "torch.Size":
      return Array.isArray(args[0]) ? [...(args[0] as PyList)] : [];
    default:
      return new PyOpaque(name);
  }
}
