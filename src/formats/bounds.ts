/**
 * What a model may declare, whatever its header claims — so that memory follows what is analysed,
 * not what a few bytes of header promise (README "Limits"):
 * - at most MAX_TENSORS tensors per model (all shards together). Readers count before they build
 *   records where the format says the count up front (safetensors keys, GGUF's tensor_count, zip
 *   entries, TFLite vectors, TF.js manifests, ONNX initializers as they are walked), so a header
 *   declaring a million tensors is refused in its first pass. A model's list of tensors costs about
 *   1–2 KB per tensor while it is open (header objects, records, results).
 * - at most MAX_DESCRIBED_RATIO × its file bytes (+ MAX_DESCRIBED_FREE_BYTES) of tensor data to
 *   read: a small file whose tensors all point at one storage (a .pt referencing one tensor 900,000
 *   times) would otherwise cost hours. Implicit zeros of sparse tensors are bounded by their readers.
 */
import { InputError } from "../errors.js";
import { ZERO_SOURCE } from "../io/zeroSource.js";
import type { OpenedModel } from "./tensor.js";

/** Most tensors one model may declare: the largest public checkpoints (mixture-of-experts models with per-expert scales) hold ~100,000. */
export const MAX_TENSORS = 200_000;
/** Tensor bytes a model may describe per byte of its files, beyond the free allowance. */
export const MAX_DESCRIBED_RATIO = 64;
export const MAX_DESCRIBED_FREE_BYTES = 1024 ** 3;

/** Throw when `count` tensors are more than a model may declare. */
export function checkTensorCount(file: string, count: number, what = "tensors"): void {
  if (count > MAX_TENSORS) throw new InputError("limit", file, `declares ${count} ${what}, more than the ${MAX_TENSORS} tensors a model may hold`);
}

/** Counts tensors as a reader finds them, and stops it at the limit. */
export class TensorBudget {
  private count = 0;
  constructor(private readonly file: string) {}

  add(count = 1): void {
    this.count += count;
    if (this.count > MAX_TENSORS) throw new InputError("limit", this.file, `holds more than the ${MAX_TENSORS} tensors a model may hold`);
  }
}

/** Sources that are not bytes of the model's files (implicit zeros, HDF5 datasets with their own bounds). */
const isVirtual = (source: string): boolean => source === ZERO_SOURCE || source.startsWith("hdf5:");

/** Check an opened model against the limits above. */
export function checkModelBounds(model: OpenedModel): void {
  checkTensorCount(model.path, model.tensors.length);
  let described = 0;
  for (const tensor of model.tensors) {
    for (const range of tensor.data?.ranges ?? []) if (!isVirtual(range.source)) described += range.length;
  }
  const allowed = MAX_DESCRIBED_FREE_BYTES + MAX_DESCRIBED_RATIO * model.bytes;
  if (described > allowed) {
    throw new InputError("limit", model.path, `its tensors describe ${described} bytes to read from ${model.bytes} bytes of files (more than ${MAX_DESCRIBED_RATIO}× beyond ${MAX_DESCRIBED_FREE_BYTES}): many tensors point at the same data`);
  }
}
