/**
 * Minimal GGUF writer for fixtures (ggml/docs/gguf.md, version 3, little-endian): header, key/value
 * metadata, tensor infos, padding to the alignment, then each tensor's bytes padded to the alignment.
 * `offsets`/`truncate` exist to build malformed files.
 */
export type GgufValue = { type: "u32"; value: number } | { type: "string"; value: string } | { type: "f32"; value: number } | { type: "strings"; value: string[] };

export interface GgufTensorSpec {
  name: string;
  /** ggml order: ne[0] (the contiguous dimension) first. */
  ne: number[];
  /** ggml type id (0 F32, 1 F16, 30 BF16, 2 Q4_0, …). */
  type: number;
  data: Uint8Array;
  /** Override the data offset written in the tensor info. */
  offset?: number;
}

class ByteWriter {
  private chunks: Uint8Array[] = [];
  length = 0;
  bytes(data: Uint8Array): void {
    this.chunks.push(data);
    this.length += data.length;
  }
  u32(value: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value, true);
    this.bytes(b);
  }
  u64(value: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(value), true);
    this.bytes(b);
  }
  f32(value: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.bytes(b);
  }
  string(text: string): void {
    const b = new TextEncoder().encode(text);
    this.u64(b.length);
    this.bytes(b);
  }
  pad(alignment: number): void {
    const extra = (alignment - (this.length % alignment)) % alignment;
    if (extra) this.bytes(new Uint8Array(extra));
  }
  result(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

const VALUE_TYPE = { u32: 4, f32: 6, string: 8 } as const;

export function encodeGguf(tensors: GgufTensorSpec[], metadata: Record<string, GgufValue> = {}, options: { alignment?: number } = {}): Uint8Array {
  const alignment = options.alignment ?? 32;
  const w = new ByteWriter();
  w.bytes(new TextEncoder().encode("GGUF"));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(Object.keys(metadata).length);
  for (const [key, entry] of Object.entries(metadata)) {
    w.string(key);
    if (entry.type === "strings") {
      w.u32(9);
      w.u32(VALUE_TYPE.string);
      w.u64(entry.value.length);
      for (const text of entry.value) w.string(text);
      continue;
    }
    w.u32(VALUE_TYPE[entry.type]);
    if (entry.type === "u32") w.u32(entry.value);
    else if (entry.type === "f32") w.f32(entry.value);
    else w.string(entry.value);
  }
  let offset = 0;
  for (const tensor of tensors) {
    w.string(tensor.name);
    w.u32(tensor.ne.length);
    for (const dim of tensor.ne) w.u64(dim);
    w.u32(tensor.type);
    w.u64(tensor.offset ?? offset);
    offset += Math.ceil(tensor.data.length / alignment) * alignment;
  }
  w.pad(alignment);
  for (const tensor of tensors) {
    w.bytes(tensor.data);
    w.pad(alignment);
  }
  return w.result();
}
