/**
 * Writes GGUF files for tests (ggml/docs/gguf.md, version 3, little-endian): magic "GGUF", version,
 * tensor count and key/value count (u64), the key/values (u64-length strings, u32 value types), the
 * tensor infos (name, n_dims, ne[] as u64 with ne[0] the row length, ggml type, offset), padding to
 * the alignment, then each tensor's data padded to the alignment.
 */
import { concat } from "./safetensorsWriter.js";

export type GgufValue = { type: "u32"; value: number } | { type: "string"; value: string } | { type: "f32"; value: number } | { type: "strings"; value: string[] };

export interface GgufTensor {
  name: string;
  /** Outermost first, like PyTorch (written reversed as ggml's ne[]). */
  shape: number[];
  type: number;
  data: Uint8Array;
  /** Offset to write instead of the real one (for broken files). */
  offset?: bigint;
}

const enc = new TextEncoder();

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

function u64(value: bigint | number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value), true);
  return out;
}

const str = (text: string): Uint8Array => concat([u64(enc.encode(text).length), enc.encode(text)]);

function kv(key: string, value: GgufValue): Uint8Array {
  switch (value.type) {
    case "u32":
      return concat([str(key), u32(4), u32(value.value)]);
    case "f32": {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setFloat32(0, value.value, true);
      return concat([str(key), u32(6), out]);
    }
    case "string":
      return concat([str(key), u32(8), str(value.value)]);
    case "strings":
      return concat([str(key), u32(9), u32(8), u64(value.value.length), ...value.value.map(str)]);
  }
}

export function encodeGguf(tensors: GgufTensor[], metadata: Record<string, GgufValue> = {}, options: { version?: number } = {}): Uint8Array {
  const alignmentEntry = metadata["general.alignment"];
  const alignment = alignmentEntry?.type === "u32" ? alignmentEntry.value : 32;
  const pad = (n: number): number => (alignment - (n % alignment)) % alignment;
  let offset = 0;
  const infos: Uint8Array[] = [];
  for (const tensor of tensors) {
    const ne = [...tensor.shape].reverse();
    infos.push(concat([str(tensor.name), u32(ne.length), ...ne.map((d) => u64(d)), u32(tensor.type), u64(tensor.offset ?? BigInt(offset))]));
    offset += tensor.data.length + pad(tensor.data.length);
  }
  const header = concat([enc.encode("GGUF"), u32(options.version ?? 3), u64(tensors.length), u64(Object.keys(metadata).length), ...Object.entries(metadata).map(([key, value]) => kv(key, value)), ...infos]);
  const parts = [header, new Uint8Array(pad(header.length))];
  for (const tensor of tensors) parts.push(tensor.data, new Uint8Array(pad(tensor.data.length)));
  return concat(parts);
}
