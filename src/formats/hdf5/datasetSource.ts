/**
 * An HDF5 dataset as a byte source: its elements in row-major order, little-endian, as if they were
 * stored contiguously. HDF5 decides where a dataset's bytes are (contiguous, chunked, compressed,
 * filled), and h5wasm offers reads by hyperslab, not file offsets; so the Keras/HDF5 reader describes
 * a dataset's data as one range on this source, and the streaming layer reads it like any file,
 * chunk by chunk. The library itself runs in the HDF5 worker (hdf5Client.ts); sources are read on
 * the main thread only (one library instance per process).
 *
 * A read of elements [e0, e1) becomes hyperslab reads of whole rows along the first dimension, at most
 * MAX_READ_BYTES at a time; a row larger than that is read by recursing into its own rows. Rows are
 * read as raw little-endian bytes of the dataset's type (any float width, either stored byte order).
 */
import { type ByteSource, registerSourceOpener } from "../../io/byteSource.js";
import { hdf5Acquire, hdf5Call, hdf5Release } from "./hdf5Client.js";

const PREFIX = "hdf5:";
/** Largest hyperslab read at once (the worker's memory holds it twice: HDF5's buffer and the copy out). */
export const MAX_READ_BYTES = 16 * 1024 * 1024;

/** The source name of a dataset of a local HDF5 file; `display` names the input in errors. */
export function datasetSourceName(path: string, dataset: string, display: string): string {
  registerDatasetSources();
  return PREFIX + JSON.stringify([path, dataset, display]);
}

type Slice = [number, number];

class DatasetSource implements ByteSource {
  readonly size: number;
  private readonly shape: number[];
  private readonly itemBytes: number;

  constructor(
    readonly name: string,
    private readonly path: string,
    private readonly datasetPath: string,
    metadata: { shape: number[] | null; size: number },
  ) {
    this.shape = metadata.shape ?? [];
    this.itemBytes = metadata.size;
    this.size = this.shape.reduce((product, dim) => product * dim, 1) * this.itemBytes;
  }

  async readExact(target: Uint8Array, position: number): Promise<void> {
    const item = this.itemBytes;
    if (position < 0 || position + target.length > this.size || position % item !== 0 || target.length % item !== 0) {
      throw new RangeError(`dataset ${this.datasetPath}: read of ${target.length} bytes at ${position} is not whole elements inside its ${this.size} bytes`);
    }
    let written = 0;
    const write = (bytes: Uint8Array, from: number, to: number): void => {
      const piece = bytes.subarray(from * item, to * item);
      target.set(piece, written);
      written += piece.length;
    };
    await this.readElements([], position / item, (position + target.length) / item, write);
  }

  private readBox(ranges: Slice[]): Promise<Uint8Array> {
    const elements = ranges.reduce((product, [lo, hi]) => product * (hi - lo), 1);
    return hdf5Call<Uint8Array>(this.name, {
      op: "read",
      path: this.path,
      dataset: this.datasetPath,
      offset: ranges.map(([lo]) => lo),
      count: ranges.map(([lo, hi]) => hi - lo),
      bytes: elements * this.itemBytes,
    });
  }

  /** Elements [from, to) of the sub-array at the fixed leading indices `fixed`, in order. */
  private async readElements(fixed: number[], from: number, to: number, write: (bytes: Uint8Array, from: number, to: number) => void): Promise<void> {
    const at = fixed.map((index): Slice => [index, index + 1]);
    const rest = this.shape.slice(fixed.length);
    if (rest.length === 0) return write(await this.readBox(at), 0, 1);
    const rowElements = rest.slice(1).reduce((product, dim) => product * dim, 1);
    const rowBytes = rowElements * this.itemBytes;
    const firstRow = Math.floor(from / rowElements);
    const endRow = Math.ceil(to / rowElements);
    if (rowBytes > MAX_READ_BYTES) {
      for (let row = firstRow; row < endRow; row++) {
        const base = row * rowElements;
        await this.readElements([...fixed, row], Math.max(from, base) - base, Math.min(to, base + rowElements) - base, write);
      }
      return;
    }
    const rowsPerRead = Math.max(1, Math.floor(MAX_READ_BYTES / rowBytes));
    const inner = rest.slice(1).map((dim): Slice => [0, dim]);
    for (let row = firstRow; row < endRow; row += rowsPerRead) {
      const last = Math.min(endRow, row + rowsPerRead);
      const base = row * rowElements;
      write(await this.readBox([...at, [row, last], ...inner]), Math.max(from, base) - base, Math.min(to, last * rowElements) - base);
    }
  }

  async close(): Promise<void> {
    hdf5Release(this.path);
  }
}

async function openDatasetSource(name: string): Promise<ByteSource> {
  const [path, dataset, display] = JSON.parse(name.slice(PREFIX.length)) as [string, string, string];
  hdf5Acquire(path);
  try {
    const metadata = await hdf5Call<{ shape: number[] | null; size: number }>(display, { op: "meta", path, dataset });
    return new DatasetSource(display, path, dataset, metadata);
  } catch (error) {
    hdf5Release(path);
    throw error;
  }
}

let registered = false;

/**
 * Register the opener of dataset sources in this thread (idempotent, explicit: no import registers
 * anything). Making a name registers it, so a name never exists where it cannot be opened; worker
 * threads, which receive names made elsewhere, call it at start (parallel/worker.ts). `mainThreadOnly`:
 * the analysis reads these inline (h5wasm costs ~80 MB per thread); tests may still send them to workers.
 */
export function registerDatasetSources(): void {
  if (registered) return;
  registered = true;
  registerSourceOpener((name) => name.startsWith(PREFIX), openDatasetSource, { mainThreadOnly: true });
}
