/**
 * Writes safetensors files for tests: valid ones from typed arrays, and — through `rawSafetensors` —
 * deliberately broken ones (any header text, any declared length, any data bytes).
 */
import { writeFileSync } from "node:fs";

export interface TensorSpec {
  name: string;
  dtype: string;
  shape: number[];
  data: Uint8Array;
}

export function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** A valid file: tensors laid out in the given order, header padded with spaces to 8 bytes. */
export function encodeSafetensors(tensors: TensorSpec[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const tensor of tensors) {
    header[tensor.name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.data.length] };
    offset += tensor.data.length;
  }
  let text = JSON.stringify(header);
  text += " ".repeat((8 - (Buffer.byteLength(text) % 8)) % 8);
  return rawSafetensors(text, concat(tensors.map((t) => t.data)));
}

/** Header text and data bytes, length prefix = header byte length unless `declaredLength` is given. */
export function rawSafetensors(headerText: string | Uint8Array, data: Uint8Array, declaredLength?: bigint): Uint8Array {
  const header = typeof headerText === "string" ? new TextEncoder().encode(headerText) : headerText;
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function writeSafetensors(path: string, tensors: TensorSpec[], metadata?: Record<string, string>): void {
  writeFileSync(path, encodeSafetensors(tensors, metadata));
}

/** A safetensors file whose header lists `count` empty F32 tensors: a small file claiming a huge tensor list. */
export function manyEmptyEntries(count: number): Uint8Array {
  const parts: string[] = ["{"];
  for (let i = 0; i < count; i++) parts.push(`${i ? "," : ""}"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
  parts.push("}");
  let header = parts.join("");
  header += " ".repeat((8 - (header.length % 8)) % 8);
  return rawSafetensors(header, new Uint8Array(0));
}
