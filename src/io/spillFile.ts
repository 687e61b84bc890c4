/**
 * A temporary file that several streams of bytes are appended to, interleaved (one stream per
 * observed layer, one record per batch), so that each stream can later be read back as one tensor:
 * its records, in order, are the `ranges` of a TensorData. Records go through two 8 MiB buffers
 * written in turn (one is written while the other fills), so memory stays bounded whatever the
 * amount spilled, and a stream's records that end up adjacent are merged into one range.
 *
 * The file lives in a temporary folder of its own (io/tempFile.ts) removed by `remove()`, or at exit
 * when a run is interrupted.
 */
import { type FileHandle, open, statfs } from "node:fs/promises";
import { join } from "node:path";
import type { ByteRange } from "./tensorData.js";
import { removeTemporaryFolder, temporaryFolder } from "./tempFile.js";

export const SPILL_BUFFER_BYTES = 8 * 1024 * 1024;

export class SpillFile {
  private readonly buffers: [Uint8Array, Uint8Array] = [new Uint8Array(SPILL_BUFFER_BYTES), new Uint8Array(SPILL_BUFFER_BYTES)];
  private turn = 0;
  private filled = 0;
  /** File offset where the current buffer will be written. */
  private bufferStart = 0;
  private writing: Promise<unknown> = Promise.resolve();
  private readonly streams = new Map<number, ByteRange[]>();

  private constructor(
    readonly folder: string,
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** A new spill in a folder of its own (under `parent`, default: this process's temporary folder). */
  static async create(parent?: string): Promise<SpillFile> {
    const folder = temporaryFolder("spill-", parent);
    const path = join(folder, "activations.f32");
    return new SpillFile(folder, path, await open(path, "w+"));
  }

  /** Bytes appended so far. */
  get bytes(): number {
    return this.bufferStart + this.filled;
  }

  /** Free bytes on the file's file system. */
  async freeBytes(): Promise<number> {
    const space = await statfs(this.folder);
    return space.bavail * space.bsize;
  }

  /** Append a record to `stream`. The bytes are copied (or written) before this resolves. */
  async append(stream: number, bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return;
    const at = this.bytes;
    let ranges = this.streams.get(stream);
    if (!ranges) this.streams.set(stream, (ranges = []));
    const last = ranges[ranges.length - 1];
    if (last && last.offset + last.length === at) last.length += bytes.length;
    else ranges.push({ source: this.path, offset: at, length: bytes.length });

    let rest = bytes;
    while (rest.length > 0) {
      const take = Math.min(rest.length, SPILL_BUFFER_BYTES - this.filled);
      this.buffers[this.turn]!.set(rest.subarray(0, take), this.filled);
      this.filled += take;
      rest = rest.subarray(take);
      if (this.filled === SPILL_BUFFER_BYTES) await this.flush();
    }
  }

  /** Start writing the current buffer and switch to the other (waiting for its previous write). */
  private async flush(): Promise<void> {
    if (this.filled === 0) return;
    const buffer = this.buffers[this.turn]!.subarray(0, this.filled);
    const position = this.bufferStart;
    const previous = this.writing;
    this.writing = previous.then(() => this.handle.write(buffer, 0, buffer.length, position));
    this.bufferStart += this.filled;
    this.filled = 0;
    this.turn ^= 1;
    // The other buffer may still be in flight: it is reused only after its write ends.
    await previous;
  }

  /** Write everything appended so far; call before reading the streams back. */
  async finish(): Promise<void> {
    await this.flush();
    await this.writing;
  }

  /** The ranges of a stream (empty when nothing was appended to it). */
  ranges(stream: number): ByteRange[] {
    return this.streams.get(stream) ?? [];
  }

  async remove(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.handle.close().catch(() => undefined);
    removeTemporaryFolder(this.folder);
  }
}
