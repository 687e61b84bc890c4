/**
 * Writes PyTorch checkpoints the way torch.save does (torch/serialization.py `_save` and pickle's
 * `save_reduce`), opcode by opcode, without torch:
 *
 * - the pickle: protocol 2 (torch's default; GLOBAL, BINPUT/BINGET memo) or protocol 4 (FRAME,
 *   SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE); a tensor is
 *   REDUCE(torch._utils._rebuild_tensor_v2, (BINPERSID(('storage', torch.<Type>Storage, key, 'cpu',
 *   numel)), offset, size, stride, False, OrderedDict())); an OrderedDict is REDUCE(OrderedDict, ())
 *   followed by MARK … SETITEMS and, for a state_dict, BUILD with {'_metadata': …};
 * - the archive: `<name>/data.pkl`, `<name>/data/<key>` per storage (stored, data aligned to 64
 *   bytes), `<name>/byteorder`, `<name>/version`, `<name>/.data/serialization_id`.
 */
import { concat } from "./safetensorsWriter.js";
import { encodeZip, type ZipMemberSpec } from "./zipWriter.js";

export interface TorchStorage {
  key: string;
  /** Legacy storage class name (FloatStorage, …) or UntypedStorage. */
  type: string;
  numel: number;
  bytes: Uint8Array;
}

export type TorchValue =
  | { kind: "tensor"; storage: TorchStorage; offset?: number; size: number[]; stride?: number[]; v3dtype?: string; parameter?: boolean }
  | { kind: "dict"; entries: [string | number, TorchValue][]; ordered?: boolean; stateDictMetadata?: boolean }
  | { kind: "list"; items: TorchValue[] }
  | { kind: "global-call"; module: string; name: string; args: TorchValue[] }
  | { kind: "same"; value: TorchValue }
  | string
  | number
  | boolean
  | null;

const enc = new TextEncoder();

export class PickleWriter {
  private readonly out: number[] = [];
  private readonly memo = new Map<unknown, number>();
  private nextMemo = 0;

  constructor(readonly protocol: 2 | 4) {
    this.out.push(0x80, protocol);
  }

  bytes(): Uint8Array {
    const body = Uint8Array.from([...this.out, 0x2e]);
    if (this.protocol < 4) return body;
    // One frame around everything after PROTO, as pickle's framer does for small pickles.
    const frame = new Uint8Array(9);
    frame[0] = 0x95;
    new DataView(frame.buffer).setBigUint64(1, BigInt(body.length - 2), true);
    return concat([body.subarray(0, 2), frame, body.subarray(2)]);
  }

  raw(...bytes: number[]): this {
    this.out.push(...bytes);
    return this;
  }

  private u32(value: number): number[] {
    return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
  }

  /** Memoize the value on top of the stack (BINPUT n, or MEMOIZE in protocol 4). */
  put(key?: unknown): void {
    const index = this.nextMemo++;
    if (key !== undefined) this.memo.set(key, index);
    if (this.protocol >= 4) this.out.push(0x94);
    else if (index < 256) this.out.push(0x71, index);
    else this.out.push(0x72, ...this.u32(index));
  }

  /** Push a memoized value again (BINGET n); false when not memoized. */
  get(key: unknown): boolean {
    const index = this.memo.get(key);
    if (index === undefined) return false;
    if (index < 256) this.out.push(0x68, index);
    else this.out.push(0x6a, ...this.u32(index));
    return true;
  }

  string(text: string): void {
    if (this.get(`str:${text}`)) return;
    const bytes = enc.encode(text);
    if (this.protocol >= 4 && bytes.length < 256) this.out.push(0x8c, bytes.length, ...bytes);
    else this.out.push(0x58, ...this.u32(bytes.length), ...bytes);
    this.put(`str:${text}`);
  }

  int(value: number): void {
    if (value >= 0 && value < 256) this.out.push(0x4b, value);
    else if (value >= 0 && value < 65536) this.out.push(0x4d, value & 0xff, value >>> 8);
    else if (value >= -(2 ** 31) && value < 2 ** 31) this.out.push(0x4a, ...this.u32(value));
    else {
      const bytes: number[] = [];
      let v = BigInt(value);
      for (let i = 0; i < 8; i++, v >>= 8n) bytes.push(Number(v & 0xffn));
      this.out.push(0x8a, 8, ...bytes);
    }
  }

  global(module: string, name: string): void {
    if (this.get(`global:${module}.${name}`)) return;
    if (this.protocol >= 4) {
      this.string(module);
      this.string(name);
      this.out.push(0x93);
    } else {
      this.out.push(0x63, ...enc.encode(`${module}\n${name}\n`));
    }
    this.put(`global:${module}.${name}`);
  }

  /** A tuple of the values pushed by `items` (count known): EMPTY_TUPLE, TUPLE1–3, or MARK … TUPLE. */
  tuple(count: number, items: () => void): void {
    if (count === 0) {
      this.out.push(0x29);
      return;
    }
    if (count > 3) this.out.push(0x28);
    items();
    this.out.push(count === 1 ? 0x85 : count === 2 ? 0x86 : count === 3 ? 0x87 : 0x74);
    this.put();
  }

  ints(values: number[]): void {
    this.tuple(values.length, () => values.forEach((v) => this.int(v)));
  }

  emptyOrderedDict(): void {
    this.global("collections", "OrderedDict");
    this.out.push(0x29, 0x52);
    this.put();
  }

  value(value: TorchValue): void {
    if (value === null) this.out.push(0x4e);
    else if (value === true) this.out.push(0x88);
    else if (value === false) this.out.push(0x89);
    else if (typeof value === "number") this.int(value);
    else if (typeof value === "string") this.string(value);
    else if (value.kind === "same") {
      if (!this.get(value.value)) throw new Error("'same' refers to a value not pickled yet");
    } else if (value.kind === "tensor") this.tensor(value);
    else if (value.kind === "list") {
      this.out.push(0x5d);
      this.put(value);
      if (value.items.length > 0) {
        this.out.push(0x28);
        value.items.forEach((item) => this.value(item));
        this.out.push(0x65);
      }
    } else if (value.kind === "global-call") {
      this.global(value.module, value.name);
      this.tuple(value.args.length, () => value.args.forEach((arg) => this.value(arg)));
      this.out.push(0x52);
      this.put(value);
    } else this.dict(value);
  }

  private dict(value: Extract<TorchValue, { kind: "dict" }>): void {
    if (value.ordered) this.emptyOrderedDict();
    else {
      this.out.push(0x7d);
      this.put();
    }
    this.memo.set(value, this.nextMemo - 1);
    if (value.entries.length > 0) {
      this.out.push(0x28);
      for (const [key, item] of value.entries) {
        this.value(key);
        this.value(item);
      }
      this.out.push(0x75);
    }
    if (value.stateDictMetadata) {
      // state = {'_metadata': OrderedDict({'': {'version': 1}})}, then BUILD.
      this.out.push(0x7d);
      this.put();
      this.string("_metadata");
      this.emptyOrderedDict();
      this.string("");
      this.out.push(0x7d);
      this.put();
      this.string("version");
      this.int(1);
      this.out.push(0x73, 0x73, 0x73, 0x62);
    }
  }

  private tensor(t: Extract<TorchValue, { kind: "tensor" }>): void {
    if (t.parameter) this.global("torch._utils", "_rebuild_parameter");
    this.global("torch._utils", t.v3dtype ? "_rebuild_tensor_v3" : "_rebuild_tensor_v2");
    const stride = t.stride ?? contiguousStride(t.size);
    this.out.push(0x28); // MARK: the rebuild's argument tuple
    this.out.push(0x28); // MARK: the persistent id tuple
    this.string("storage");
    this.global("torch", t.storage.type);
    this.string(t.storage.key);
    this.string("cpu");
    this.int(t.storage.numel);
    this.out.push(0x74);
    this.put();
    this.out.push(0x51); // BINPERSID
    this.int(t.offset ?? 0);
    this.ints(t.size);
    this.ints(stride);
    this.out.push(0x89); // requires_grad False
    this.emptyOrderedDict(); // backward_hooks
    if (t.v3dtype) this.global("torch", t.v3dtype);
    this.out.push(0x74);
    this.put();
    this.out.push(0x52);
    this.put();
    if (t.parameter) {
      // _rebuild_parameter(data, requires_grad, backward_hooks)
      this.out.push(0x88);
      this.emptyOrderedDict();
      this.out.push(0x87, 0x52);
      this.put();
    }
    this.memo.set(t, this.nextMemo - 1);
  }
}

export function contiguousStride(size: number[]): number[] {
  const stride = new Array<number>(size.length).fill(1);
  for (let i = size.length - 2; i >= 0; i--) stride[i] = stride[i + 1]! * size[i + 1]!;
  return stride;
}

export interface TorchArchiveOptions {
  name?: string;
  protocol?: 2 | 4;
  byteorder?: "little" | "big" | null;
  /** Replace the pickle (for broken files). */
  pickle?: Uint8Array;
  extraMembers?: ZipMemberSpec[];
}

/** The zip archive torch.save writes for `root` and the given storages. */
export function encodeTorchSave(root: TorchValue, storages: TorchStorage[], options: TorchArchiveOptions = {}): Uint8Array {
  const name = options.name ?? "archive";
  let pickle = options.pickle;
  if (!pickle) {
    const writer = new PickleWriter(options.protocol ?? 2);
    writer.value(root);
    pickle = writer.bytes();
  }
  const members: ZipMemberSpec[] = [{ name: `${name}/data.pkl`, data: pickle }];
  if (options.byteorder !== null) members.push({ name: `${name}/byteorder`, data: enc.encode(options.byteorder ?? "little") });
  for (const storage of storages) members.push({ name: `${name}/data/${storage.key}`, data: storage.bytes });
  members.push({ name: `${name}/version`, data: enc.encode("3\n") }, { name: `${name}/.data/serialization_id`, data: enc.encode("1234567890") });
  members.push(...(options.extraMembers ?? []));
  return encodeZip(members, { align: 64 });
}
