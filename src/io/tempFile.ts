/**
 * Copies of bytes as local files, for libraries that read only from a path (h5wasm opens HDF5 files
 * through the file system): a zip member of a .keras archive, or an HDF5 file on the Hub. The bytes
 * are streamed — stored ranges by positioned reads, deflated members through the bounded inflater —
 * so memory stays at a few chunks; disk use is bounded by `MAX_TEMP_FILE_BYTES` and by the free
 * space of the temporary folder.
 *
 * The copies live in one folder per process (under os.tmpdir(), `jaynes-copy-<pid>-…`) that is removed
 * when the process exits (or, after a kill, by the next run: io/processTemp.ts): a reader describes
 * tensors that are read later, so a copy must outlive the reader.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { open, statfs } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import type { ByteRange, DeflateCompression } from "./tensorData.js";
import type { SourcePool } from "./byteSource.js";
import { readChunks } from "./chunks.js";
import { assertMemberCrc, crc32 } from "./crc32.js";
import { inflateSpan } from "./inflate.js";
import { makeProcessTempFolder } from "./processTemp.js";

/** Largest copy made (a Keras weights file beyond this is refused). */
export const MAX_TEMP_FILE_BYTES = 16 * 1024 ** 3;

let folder: string | undefined;
let counter = 0;

function tempFolder(): string {
  if (!folder) {
    folder = makeProcessTempFolder("copy");
    process.once("exit", removeTempCopies);
  }
  return folder;
}

/**
 * Remove every copy made so far (done at process exit; call it earlier where the process outlives its
 * analyses, e.g. a test runner's worker that is killed rather than exited). Tensors described by
 * readers opened before the call can no longer be read.
 */
export function removeTempCopies(): void {
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
}

const extraFolders = new Set<string>();

/**
 * A new folder for temporary files of one job (a spill, rewritten model copies): inside this
 * process's folder, or under `parent` — either way removed when the process exits, or earlier by
 * `removeTemporaryFolder`.
 */
export function temporaryFolder(prefix: string, parent?: string): string {
  // Under a folder of the user's, the name carries the pid so the next run removes it after a kill.
  const folder = parent === undefined ? mkdtempSync(join(tempFolder(), prefix)) : makeProcessTempFolder(prefix.replace(/[^a-z]/g, ""), parent);
  if (parent !== undefined) {
    if (extraFolders.size === 0) process.once("exit", () => extraFolders.forEach((path) => rmSync(path, { recursive: true, force: true })));
    extraFolders.add(folder);
  }
  return folder;
}

export function removeTemporaryFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
  extraFolders.delete(folder);
}

export interface TempCopySpec {
  /** The bytes to copy: the concatenation of the ranges (inflated when `compression` is set). */
  ranges: readonly ByteRange[];
  compression?: Pick<DeflateCompression, "inflatedBytes" | "file" | "member">;
  bytes: number;
  /** File name ending of the copy (for readability in error messages), e.g. "model.weights.h5". */
  name: string;
  /** The input the bytes come from, for error messages. */
  file: string;
  /** Stored zip member: the CRC-32 its entry declares for these bytes (a deflated one is checked by the inflater). */
  crc32?: { declared: number; member: string };
}

/** Stream the bytes into a new local file and return its path. */
export async function copyToTempFile(spec: TempCopySpec, pool: SourcePool): Promise<string> {
  if (spec.bytes > MAX_TEMP_FILE_BYTES) {
    throw new InputError("limit", spec.file, `${spec.name} of ${spec.bytes} bytes exceeds the ${MAX_TEMP_FILE_BYTES}-byte limit for a temporary copy`);
  }
  const dir = tempFolder();
  const space = await statfs(dir);
  if (spec.bytes > space.bavail * space.bsize) {
    throw new InputError("limit", spec.file, `${spec.name} needs ${spec.bytes} bytes of temporary space but ${dir} has ${space.bavail * space.bsize} free`);
  }
  const path = join(dir, `${++counter}-${spec.name.replace(/[^\w.-]/g, "_")}`);
  const handle = await open(path, "w");
  try {
    const pieces = spec.compression
      ? inflateSpan({ ranges: spec.ranges, compression: spec.compression, from: 0, to: spec.bytes }, pool)
      : readChunks(spec.ranges, pool, { unitBytes: 1 });
    let written = 0;
    let crc = 0;
    for await (const piece of pieces) {
      if (spec.crc32 && !spec.compression) crc = crc32(piece, crc);
      await handle.write(piece, 0, piece.length, written);
      written += piece.length;
    }
    if (spec.crc32 && !spec.compression) assertMemberCrc(spec.file, spec.crc32.member, spec.crc32.declared, crc);
  } finally {
    await handle.close();
  }
  return path;
}
