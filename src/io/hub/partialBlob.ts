/**
 * The bytes of one remote file that jaynes has downloaded so far, kept in the Hugging Face cache
 * beside the blob they will become: `blobs/<etag>.jaynes-partial` holds them at their own offsets (a
 * sparse file) and `blobs/<etag>.jaynes-partial.json` lists the byte intervals present. Range reads
 * (`--include` of one layer) thus survive for the next run without a truncated file ever appearing
 * under the blob's final name. When every byte is present the file is verified (SHA-256, when the
 * ETag is one: the Hub's ETag of an LFS or Xet file is its SHA-256) and renamed to `blobs/<etag>`.
 *
 * The interval list is written after the bytes it describes, so it never claims bytes that were not
 * written. Two processes filling the same file write identical bytes at identical offsets; the
 * worst a race does is forget an interval (downloaded again later). Python's own `<etag>.incomplete`
 * files are never touched: Python resumes them by appending, which a sparse file would corrupt.
 */
import { createHash, randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

type Interval = [number, number];

const SHA256 = /^[0-9a-f]{64}$/;

/** Insert [start, end) into sorted disjoint intervals, merging neighbours. */
export function addInterval(intervals: readonly Interval[], start: number, end: number): Interval[] {
  const out: Interval[] = [];
  let [s, e] = [start, end];
  let placed = false;
  for (const [a, b] of intervals) {
    if (b < s) out.push([a, b]);
    else if (a > e) {
      if (!placed) out.push([s, e]);
      placed = true;
      out.push([a, b]);
    } else [s, e] = [Math.min(a, s), Math.max(b, e)];
  }
  if (!placed) out.push([s, e]);
  return out;
}

/** The parts of [0, size) not covered. */
export function gapsOf(intervals: readonly Interval[], size: number): Interval[] {
  const gaps: Interval[] = [];
  let at = 0;
  for (const [a, b] of intervals) {
    if (a > at) gaps.push([at, Math.min(a, size)]);
    at = Math.max(at, b);
  }
  if (at < size) gaps.push([at, size]);
  return gaps;
}

export class PartialBlob {
  private intervals: Interval[] = [];
  private loading: Promise<void> | undefined;
  /** Writes to one partial file run one after the other (the interval list is read-modify-write). */
  private queue: Promise<unknown> = Promise.resolve();
  private promoted = false;

  constructor(
    /** Where the complete file goes (`blobs/<etag>`); the partial data and list sit beside it. */
    readonly blobPath: string,
    readonly size: number,
    readonly etag: string,
  ) {}

  get dataPath(): string {
    return `${this.blobPath}.jaynes-partial`;
  }

  private get listPath(): string {
    return `${this.dataPath}.json`;
  }

  private load(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const saved = JSON.parse(await readFile(this.listPath, "utf8")) as { size?: unknown; ranges?: unknown };
        const present = (await stat(this.dataPath)).size;
        if (saved.size !== this.size || !Array.isArray(saved.ranges)) return;
        for (const range of saved.ranges as unknown[]) {
          if (!Array.isArray(range) || range.length !== 2) continue;
          const [start, end] = range as unknown[];
          if (Number.isSafeInteger(start) && Number.isSafeInteger(end) && (start as number) >= 0 && (start as number) < (end as number) && (end as number) <= Math.min(this.size, present)) {
            this.intervals = addInterval(this.intervals, start as number, end as number);
          }
        }
      } catch {
        // Nothing kept yet (or an unreadable list: the bytes are downloaded again).
      }
    })();
    return this.loading;
  }

  /** Fill `target` with bytes [position, position + target.length) if all of them are kept. */
  async read(target: Uint8Array, position: number): Promise<boolean> {
    await this.load();
    const end = position + target.length;
    if (!this.intervals.some(([a, b]) => a <= position && end <= b)) return false;
    return readBytesAt(this.dataPath, target, position);
  }

  /** Keep downloaded bytes; true when the file is now complete. */
  write(position: number, bytes: Uint8Array): Promise<boolean> {
    const task = this.queue.then(async () => {
      await this.load();
      if (this.promoted) return true;
      await mkdir(dirname(this.dataPath), { recursive: true });
      // The file was removed meanwhile (the cache emptied): what was known about it is gone too.
      if (!(await stat(this.dataPath).catch(() => undefined))) this.intervals = [];
      // O_CREAT without O_TRUNC: bytes another process kept stay where they are.
      const handle = await open(this.dataPath, constants.O_RDWR | constants.O_CREAT, 0o644);
      try {
        let written = 0;
        while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written, position + written)).bytesWritten;
      } finally {
        await handle.close();
      }
      this.intervals = addInterval(this.intervals, position, position + bytes.length);
      const temporary = `${this.listPath}.${process.pid}-${randomBytes(4).toString("hex")}`;
      await writeFile(temporary, JSON.stringify({ size: this.size, etag: this.etag, ranges: this.intervals }));
      await rename(temporary, this.listPath);
      return this.missingBytes() === 0;
    });
    this.queue = task.catch(() => undefined);
    return task;
  }

  /** Byte intervals not kept yet. */
  async gaps(): Promise<Interval[]> {
    await this.load();
    return gapsOf(this.intervals, this.size);
  }

  private missingBytes(): number {
    return gapsOf(this.intervals, this.size).reduce((sum, [a, b]) => sum + b - a, 0);
  }

  /**
   * Turn a complete partial file into the blob: verify, rename. Returns false (and discards the
   * partial file) when the bytes do not match the ETag's SHA-256.
   */
  promote(): Promise<boolean> {
    const task = this.queue.then(async () => {
      if (this.promoted) return true;
      await this.load();
      if (this.missingBytes() !== 0) return false;
      if (SHA256.test(this.etag) && (await sha256File(this.dataPath, this.size)) !== this.etag) {
        await this.discard();
        return false;
      }
      if (this.size === 0) await writeFile(this.dataPath, new Uint8Array(0));
      const already = await stat(this.blobPath).catch(() => undefined);
      if (already?.isFile() && already.size === this.size) await unlink(this.dataPath).catch(() => undefined);
      else await rename(this.dataPath, this.blobPath);
      await unlink(this.listPath).catch(() => undefined);
      this.promoted = true;
      return true;
    });
    this.queue = task.catch(() => undefined);
    return task;
  }

  async discard(): Promise<void> {
    this.intervals = [];
    await unlink(this.listPath).catch(() => undefined);
    await unlink(this.dataPath).catch(() => undefined);
  }
}

/** SHA-256 of the first `size` bytes of a file, hex. */
async function sha256File(path: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  const handle = await open(path, "r");
  try {
    const buffer = new Uint8Array(Math.min(8 * 1024 * 1024, Math.max(1, size)));
    for (let at = 0; at < size; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - at), at);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

/**
 * Fill `target` with the bytes of a file at `position`; false when the file is absent, shorter, or
 * (with `wholeSize`) not exactly that long. Kept bytes are an optimisation: any failure means "not kept".
 */
export async function readBytesAt(path: string, target: Uint8Array, position: number, wholeSize?: number): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, "r");
    if (wholeSize !== undefined && (await handle.stat()).size !== wholeSize) return false;
    let filled = 0;
    while (filled < target.length) {
      const { bytesRead } = await handle.read(target, filled, target.length - filled, position + filled);
      if (bytesRead === 0) return false;
      filled += bytesRead;
    }
    return true;
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}
