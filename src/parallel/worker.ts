/** Worker thread body: run accumulation tasks posted by WorkerPool, one at a time. */
import { parentPort } from "node:worker_threads";
import { SourcePool } from "../io/byteSource.js";
// Sparse tensors' implicit zeros are ranges on the zero source: register its opener in this thread.
import "../io/zeroSource.js";
// Keras/HDF5 tensors are ranges on dataset sources: register that opener too (h5wasm loads on first use).
import "../formats/hdf5/datasetSource.js";
import { type SerializedError, serializeError } from "./pool.js";
import { type AccumulateTask, runAccumulateTask, transferables } from "./tasks.js";

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
