/** Read a small text file (JSON manifests, indexes) with a size bound, as one InputError on failure. */
import { readFile, stat } from "node:fs/promises";
import { InputError } from "../errors.js";
import { describeIoError } from "../io/byteSource.js";

export async function readSmallFile(path: string, limitBytes: number): Promise<string> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new InputError("io", path, describeIoError(error));
  }
  if (size > limitBytes) throw new InputError("limit", path, `is ${size} bytes; JSON manifests larger than ${limitBytes} bytes are refused`);
  try {
    const bytes = await readFile(path);
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    if (error instanceof TypeError) throw new InputError("header-encoding", path, "is not valid UTF-8");
    throw new InputError("io", path, describeIoError(error));
  }
}
