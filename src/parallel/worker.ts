/**
 * Worker thread body: run accumulation tasks posted by WorkerPool, one at a time. A task's ranges name
 * sources made in another thread, so every backend a task may name is registered here explicitly:
 * local files and the zero source are built into io/byteSource.ts; HDF5 dataset sources are
 * registered below (h5wasm itself loads on first use). Hub sources are never sent to workers (the
 * analysis reads `mainThreadOnly` sources inline), so the Hub is not registered here.
 */
import { parentPort } from "node:worker_threads";
import { registerDatasetSources } from "../formats/hdf5/datasetSource.js";
import { SourcePool } from "../io/byteSource.js";
import { type SerializedError, serializeError } from "./pool.js";
import { type AccumulateTask, runAccumulateTask, transferables } from "./tasks.js";

registerDatasetSources();

const sources = new SourcePool();
const port = parentPort;
if (!port) throw new Error("parallel/worker.js must run as a worker thread");

port.on("message", async ({ id, task }: { id: number; task: AccumulateTask }) => {
  try {
    const result = await runAccumulateTask(task, sources, (bytes) => port.postMessage({ id, type: "bytes", bytes }));
    await closeSources();
    port.postMessage({ id, type: "done", result }, transferables(result));
  } catch (error) {
    await closeSources();
    const serialized: SerializedError = serializeError(error);
    port.postMessage({ id, type: "error", error: serialized });
  }
});

/**
 * Files are closed after every task: a pool shared by a batch (jaynes scan) would otherwise keep one
 * descriptor per file it ever read, per worker, until EMFILE. Reopening per task costs one open().
 */
async function closeSources(): Promise<void> {
  await sources.close().catch(() => undefined);
}
