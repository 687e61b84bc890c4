/**
 * Read a small text file (JSON manifests, indexes) with a size bound, as one InputError on failure.
 * Through a byte source, so a manifest on the Hub is read like a local one.
 */
import { InputError } from "../errors.js";
import { openSource } from "../io/byteSource.js";

export async function readSmallFile(path: string, limitBytes: number): Promise<string> {
  const source = await openSource(path);
  try {
    if (source.size > limitBytes) throw new InputError("limit", path, `is ${source.size} bytes; JSON manifests larger than ${limitBytes} bytes are refused`);
    const bytes = new Uint8Array(source.size);
    await source.readExact(bytes, 0);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new InputError("header-encoding", path, "is not valid UTF-8");
    }
  } finally {
    await source.close();
  }
}
