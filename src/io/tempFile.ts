/**
 * Copies of byte spans in temporary files, for libraries that only open files by path (h5wasm opens
 * HDF5 files by path, so the weights member of a .keras zip, or an HDF5 file on the Hub, is copied to
 * disk first). The copy streams (positioned reads, or the inflater for a deflated member) — it never
 * holds the content in memory — and is bounded by `limit`. Copies live in one private temporary
 * folder removed when the process exits; a span copied once is reused for the rest of the process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "../errors.js";
import type { ByteRange, DeflateCompression } from "../formats/tensor.js";
import type { SourcePool } from "./byteSource.js";
import { readChunks, totalBytes } from "./chunks.js";
import { inflateSpan } from "./inflate.js";

/** Largest span copied to a temporary file (the disk is the limit, not memory). */
export const MAX_TEMP_COPY_BYTES = 8 * 1024 ** 3;

let folder: string | undefined;
function tempFolder(): string {
  if (!folder) {
    const created = mkdtempSync(join(tmpdir(), "jaynes-"));
    folder = created;
    process.once("exit", () => rmSync(created, { recursive: true, force: true }));
  }
  return folder;
}

const copies = new Map<string, Promise<string>>();
let counter = 0;

export interface SpanToCopy {
  ranges: ByteRange[];
  compression?: DeflateCompression;
  /** What the copy is of, for messages (e.g. "member model.weights.h5"). */
  label: string;
  /** Named like this inside the temporary folder (the extension can matter to the reader). */
  fileName: string;
}

/** The path of a temporary file holding the span's bytes (inflated when compressed). */
export function copyToTempFile(span: SpanToCopy, pool: SourcePool, limit = MAX_TEMP_COPY_BYTES): Promise<string> {
  const bytes = span.compression ? span.compression.bytes : totalBytes(span.ranges);
  const file = span.ranges[0]?.source ?? "";
  if (bytes > limit) {
    return Promise.reject(new InputError("limit", file, `${span.label} is ${bytes} bytes; copies of more than ${limit} bytes to a temporary file are refused`));
  }
  const key = JSON.stringify([span.ranges, span.compression ?? null]);
  let copy = copies.get(key);
  if (!copy) {
    copy = writeCopy(span, pool);
    copies.set(key, copy);
    copy.catch(() => copies.delete(key));
  }
  return copy;
}

async function writeCopy(span: SpanToCopy, pool: SourcePool): Promise<string> {
  const path = join(tempFolder(), `${counter++}-${span.fileName}`);
  const handle = await open(path, "w");
  try {
    const chunks = span.compression
      ? inflateSpan({ ranges: span.ranges, compression: span.compression, from: span.compression.start, to: span.compression.start + span.compression.bytes }, pool)
      : readChunks(span.ranges, pool, { unitBytes: 1 });
    for await (const chunk of chunks) await handle.write(chunk);
  } catch (error) {
    await handle.close();
    rmSync(path, { force: true });
    throw error;
  }
  await handle.close();
  return path;
}
