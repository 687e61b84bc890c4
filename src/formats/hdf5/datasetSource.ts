/**
 * An HDF5 dataset as a byte source: its elements in row-major order, little-endian, as if they were
 * stored contiguously. HDF5 decides where a dataset's bytes are (contiguous, chunked, compressed,
 * filled), and h5wasm offers reads by hyperslab, not file offsets; so the Keras/HDF5 reader describes
 * a dataset's data as one range on this source, and the streaming layer reads it like any file:
 * chunk by chunk, on any thread (worker.ts registers the opener too).
 *
 * A read of elements [e0, e1) becomes hyperslab reads of whole rows along the first dimension, at most
 * MAX_READ_BYTES at a time; a row larger than that is read by recursing into its own rows. Rows are
 * read as raw little-endian bytes of the dataset's type (any float width, either stored byte order).
 */
import { InputError } from "../../errors.js";
import { type ByteSource, registerSourceOpener } from "../../io/byteSource.js";
import { acquireH5File, type H5File, hdf5ErrorSummary, loadH5wasm, releaseH5File } from "./h5wasm.js";

const PREFIX = "hdf5:";
const MAX_READ_BYTES = 64 * 1024 * 1024;

/** The source name of a dataset of a local HDF5 file; `display` names the input in errors. */
export function datasetSourceName(path: string, dataset: string, display: string): string {
  registerDatasetSources();
  return PREFIX + JSON.stringify([path, dataset, display]);
}

type Slice = [number, number];
type H5Module = Awaited<ReturnType<typeof loadH5wasm>>["module"];

class DatasetSource implements ByteSource {
  readonly size: number;
  private readonly shape: number[];
  private readonly itemBytes: number;

  constructor(
    readonly name: string,
    private readonly path: string,
    private readonly datasetPath: string,
    private readonly file: H5File,
    private readonly module: H5Module,
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
    try {
      this.readElements([], position / item, (position + target.length) / item, write);
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError("malformed", this.name, `HDF5 read failed (${hdf5ErrorSummary(error)})`, this.datasetPath);
    }
  }

  /**
   * The raw bytes of one hyperslab box. HDF5 reads in the dataset's own type with little-endian byte
   * order (h5wasm's memory type), converting big-endian data and running the chunk filters; raw
   * bytes rather than h5wasm's typed arrays, so float16 (no Float16Array in Node 20) reads too.
   */
  private readBox(ranges: Slice[]): Uint8Array {
    const elements = ranges.reduce((product, [lo, hi]) => product * (hi - lo), 1);
    const bytes = elements * this.itemBytes;
    const pointer = this.module._malloc(bytes);
    if (pointer === 0) throw new InputError("limit", this.name, `HDF5 could not allocate ${bytes} bytes`, this.datasetPath);
    try {
      const rank = ranges.length;
      this.module.get_dataset_data(
        this.file.file_id,
        this.datasetPath,
        rank ? ranges.map(([lo, hi]) => BigInt(hi - lo)) : null,
        rank ? ranges.map(([lo]) => BigInt(lo)) : null,
        rank ? ranges.map(() => 1n) : null,
        BigInt(pointer),
      );
      return this.module.HEAPU8.slice(pointer, pointer + bytes);
    } finally {
      this.module._free(pointer);
    }
  }

  /** Elements [from, to) of the sub-array at the fixed leading indices `fixed`, in order. */
  private readElements(fixed: number[], from: number, to: number, write: (bytes: Uint8Array, from: number, to: number) => void): void {
    const at = fixed.map((index): Slice => [index, index + 1]);
    const rest = this.shape.slice(fixed.length);
    if (rest.length === 0) return write(this.readBox(at), 0, 1);
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
    const inner = rest.slice(1).map((dim): Slice => [0, dim]);
    for (let row = firstRow; row < endRow; row += rowsPerRead) {
      const last = Math.min(endRow, row + rowsPerRead);
      const base = row * rowElements;
      write(this.readBox([...at, [row, last], ...inner]), Math.max(from, base) - base, Math.min(to, last * rowElements) - base);
    }
  }

  async close(): Promise<void> {
    releaseH5File(this.path);
  }
}

async function openDatasetSource(name: string): Promise<ByteSource> {
  const [path, dataset, display] = JSON.parse(name.slice(PREFIX.length)) as [string, string, string];
  const { module } = await loadH5wasm();
  const file: H5File = await acquireH5File(path, display);
  let metadata: { shape: number[] | null; size: number };
  try {
    metadata = module.get_dataset_metadata(file.file_id, dataset);
  } catch (error) {
    releaseH5File(path);
    throw new InputError("malformed", display, `HDF5 dataset ${JSON.stringify(dataset)} is missing (${hdf5ErrorSummary(error)})`);
  }
  return new DatasetSource(display, path, dataset, file, module, metadata);
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
