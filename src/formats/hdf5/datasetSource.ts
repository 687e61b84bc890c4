/**
 * An HDF5 dataset as a byte source: its elements in row-major order, little-endian, as if they were
 * stored contiguously. HDF5 decides where a dataset's bytes are (contiguous, chunked, compressed,
 * filled), and h5wasm offers reads by hyperslab, not file offsets; so the Keras/HDF5 reader describes
 * a dataset's data as one range on this source, and the streaming layer reads it like any file:
 * chunk by chunk, on any thread (worker.ts registers the opener too).
 *
 * A read of elements [e0, e1) becomes hyperslab reads of whole rows along the first dimension, at most
 * MAX_READ_BYTES at a time; a row larger than that is read by recursing into its own rows.
 */
import { InputError } from "../../errors.js";
import { type ByteSource, registerSourceOpener } from "../../io/byteSource.js";
import { acquireH5File, type H5File, hdf5ErrorSummary, releaseH5File } from "./h5wasm.js";

const PREFIX = "hdf5:";
const MAX_READ_BYTES = 64 * 1024 * 1024;

/** The source name of a dataset of a local HDF5 file; `display` names the input in errors. */
export function datasetSourceName(path: string, dataset: string, display: string): string {
  return PREFIX + JSON.stringify([path, dataset, display]);
}

type Slice = [number, number];
type DatasetHandle = { slice(ranges: Slice[]): ArrayLike<number> | null } & { metadata: { shape: number[] | null; size: number } };

class DatasetSource implements ByteSource {
  readonly size: number;
  private readonly shape: number[];
  private readonly itemBytes: number;

  constructor(
    readonly name: string,
    private readonly path: string,
    private readonly datasetPath: string,
    private readonly dataset: DatasetHandle,
  ) {
    this.shape = dataset.metadata.shape ?? [];
    this.itemBytes = dataset.metadata.size;
    this.size = this.shape.reduce((product, dim) => product * dim, 1) * this.itemBytes;
  }

  async readExact(target: Uint8Array, position: number): Promise<void> {
    const item = this.itemBytes;
    if (position < 0 || position + target.length > this.size || position % item !== 0 || target.length % item !== 0) {
      throw new RangeError(`dataset ${this.datasetPath}: read of ${target.length} bytes at ${position} is not whole elements inside its ${this.size} bytes`);
    }
    let written = 0;
    const write = (values: ArrayLike<number> | null, from: number, to: number): void => {
      const view = values as unknown as ArrayBufferView | null;
      if (!view || !ArrayBuffer.isView(view)) throw new InputError("malformed", this.name, `dataset ${this.datasetPath} could not be read`);
      const bytes = new Uint8Array(view.buffer, view.byteOffset + from * item, (to - from) * item);
      target.set(bytes, written);
      written += bytes.length;
    };
    try {
      this.readElements([], position / item, (position + target.length) / item, write);
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError("malformed", this.name, `HDF5 read failed (${hdf5ErrorSummary(error)})`, this.datasetPath);
    }
  }

  /** Elements [from, to) of the sub-array at the fixed leading indices `fixed`, in order. */
  private readElements(fixed: number[], from: number, to: number, write: (values: ArrayLike<number> | null, from: number, to: number) => void): void {
    const at = fixed.map((index): Slice => [index, index + 1]);
    const rest = this.shape.slice(fixed.length);
    if (rest.length === 0) return write(this.dataset.slice(at), 0, 1);
    const rowElements = rest.slice(1).reduce((product, dim) => product * dim, 1);
    const rowBytes = rowElements * this.itemBytes;
    const firstRow = Math.floor(from / rowElements);
    const endRow = Math.ceil(to / rowElements);
    if (rowBytes > MAX_READ_BYTES) {
      for (let row = firstRow; row < endRow; row++) {
        const base = row * rowElements;
        this.readElements([...fixed, row], Math.max(from, base) - base, Math.min(to, base + rowElements) - base, write);
      }
      return;
    }
    const rowsPerRead = Math.max(1, Math.floor(MAX_READ_BYTES / rowBytes));
    for (let row = firstRow; row < endRow; row += rowsPerRead) {
      const last = Math.min(endRow, row + rowsPerRead);
      const base = row * rowElements;
      const values = this.dataset.slice([...at, [row, last]]);
      write(values, Math.max(from, base) - base, Math.min(to, last * rowElements) - base);
    }
  }

  async close(): Promise<void> {
    releaseH5File(this.path);
  }
}

async function openDatasetSource(name: string): Promise<ByteSource> {
  const [path, dataset, display] = JSON.parse(name.slice(PREFIX.length)) as [string, string, string];
  const file: H5File = await acquireH5File(path, display);
  const handle = file.get(dataset) as unknown as DatasetHandle | null;
  if (!handle || typeof handle.slice !== "function") {
    releaseH5File(path);
    throw new InputError("malformed", display, `HDF5 dataset ${JSON.stringify(dataset)} is missing`);
  }
  return new DatasetSource(display, path, dataset, handle);
}

registerSourceOpener((name) => name.startsWith(PREFIX), openDatasetSource, { mainThreadOnly: true });
