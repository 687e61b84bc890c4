/**
 * HDF5 datasets as byte sources, so their tensors stream through the shared layers like any other:
 * a TensorData range on source `hdf5:{"file":…,"dataset":…}` covers the dataset's elements as
 * little-endian bytes, and `readExact(target, position)` reads the elements it spans by hyperslab
 * (hdf5.ts). Importing this module registers the opener (the worker threads import it too); h5wasm
 * itself is loaded only when such a source is first opened.
 */
import { InputError } from "../../errors.js";
import { type ByteSource, registerSourceOpener } from "../../io/byteSource.js";

const PREFIX = "hdf5:";

export function hdf5SourceName(file: string, dataset: string): string {
  return `${PREFIX}${JSON.stringify({ file, dataset })}`;
}

function parseName(name: string): { file: string; dataset: string } {
  const parsed = JSON.parse(name.slice(PREFIX.length)) as { file: string; dataset: string };
  return parsed;
}

async function openDatasetSource(name: string): Promise<ByteSource> {
  const { file: localPath, dataset } = parseName(name);
  const { acquireFile, hdf5ErrorSummary, readDatasetElements, releaseFile } = await import("./hdf5.js");
  let file;
  try {
    file = await acquireFile(localPath);
  } catch (error) {
    throw new InputError("malformed", localPath, hdf5ErrorSummary(error), dataset);
  }
  const metadata = (() => {
    try {
      const entity = file.get(dataset);
      return entity && "metadata" in entity ? (entity.metadata as { shape: number[] | null; size: number }) : undefined;
    } catch (error) {
      throw new InputError("malformed", localPath, hdf5ErrorSummary(error), dataset);
    }
  })();
  if (!metadata) throw new InputError("malformed", localPath, "dataset not found", dataset);
  const shape = metadata.shape ?? [];
  const itemBytes = metadata.size;
  const size = shape.reduce((product, dim) => product * dim, 1) * itemBytes;
  let closed = false;
  return {
    name: localPath,
    size,
    async readExact(target, position) {
      if (position % itemBytes !== 0 || target.length % itemBytes !== 0 || position + target.length > size) {
        throw new RangeError(`HDF5 read [${position}, ${position + target.length}) is not whole ${itemBytes}-byte elements of the dataset's ${size} bytes`);
      }
      try {
        await readDatasetElements(file, `/${dataset}`, shape, itemBytes, position / itemBytes, (position + target.length) / itemBytes, target);
      } catch (error) {
        throw new InputError("malformed", localPath, hdf5ErrorSummary(error), dataset, position);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await releaseFile(localPath);
    },
  };
}

registerSourceOpener((name) => name.startsWith(PREFIX), openDatasetSource);
