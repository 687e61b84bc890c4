/**
 * Writes .npy content as numpy's `format.write_array` does: magic, version, header length, the dict
 * literal `{'descr': …, 'fortran_order': …, 'shape': (…), }` padded with spaces and a newline so the
 * data starts at a multiple of 64.
 */
import { concat } from "./safetensorsWriter.js";

export interface NpyOptions {
  descr: string;
  shape: number[];
  fortranOrder?: boolean;
  /** 1 (u16 header length, Latin-1), 2 (u32) or 3 (u32, UTF-8). numpy picks 1 unless the header is too long. */
  version?: 1 | 2 | 3;
  /** The header text as written (for broken files); default: the dict numpy writes. */
  headerText?: string;
}

export function npyShape(shape: number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

export function encodeNpy(data: Uint8Array, options: NpyOptions): Uint8Array {
  const version = options.version ?? 1;
  const lengthBytes = version === 1 ? 2 : 4;
  let text = options.headerText ?? `{'descr': '${options.descr}', 'fortran_order': ${options.fortranOrder ? "True" : "False"}, 'shape': ${npyShape(options.shape)}, }`;
  const unpadded = 8 + lengthBytes + new TextEncoder().encode(text).length + 1;
  text += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const header = new TextEncoder().encode(text);
  const preamble = new Uint8Array(8 + lengthBytes);
  preamble.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(preamble.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  return concat([preamble, header, data]);
}
