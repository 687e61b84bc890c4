/**
 * Sharded PyTorch checkpoints are one model: `pytorch_model.bin.index.json` (the same
 * `{"metadata": …, "weight_map": {tensor: shard file}}` as safetensors' index) over torch.save
 * shards. Each shard is opened by the PyTorch reader; a tensor must be in the shard the index names
 * and in no other.
 */
import { InputError } from "../../errors.js";
import { openSource } from "../../io/byteSource.js";
import { parentOf } from "../../io/location.js";
import { readShardIndex, resolveInside } from "../safetensorsSharded.js";
import type { OpenedModel, TensorRecord } from "../tensor.js";
import { looksLikeZip } from "../zip/zip.js";
import { openPytorch } from "./pytorch.js";

/** True when the index's first shard is a zip archive (torch.save), not a safetensors file. */
export async function isPytorchShardIndex(indexPath: string): Promise<boolean> {
  const { weightMap } = await readShardIndex(indexPath);
  const first = weightMap.values().next().value;
  if (first === undefined) return false;
  const source = await openSource(resolveInside(parentOf(indexPath), first, indexPath));
  try {
    const head = new Uint8Array(Math.min(4, source.size));
    await source.readExact(head, 0);
    return looksLikeZip(head);
  } finally {
    await source.close();
  }
}

export async function openPytorchShardIndex(indexPath: string): Promise<OpenedModel> {
  const { metadata, weightMap } = await readShardIndex(indexPath);
  const folder = parentOf(indexPath);
  const files = [...new Set(weightMap.values())].map((file) => resolveInside(folder, file, indexPath));
  const tensors: TensorRecord[] = [];
  const owner = new Map<string, string>();
  let bytes = 0;
  for (const file of files) {
    const shard = await openPytorch(file);
    bytes += shard.bytes;
    for (const tensor of shard.tensors) {
      const previous = owner.get(tensor.name);
      if (previous !== undefined) throw new InputError("model", file, `tensor is also in ${previous}; shards of one model must not repeat tensors`, tensor.name);
      owner.set(tensor.name, file);
      tensors.push(tensor);
    }
  }
  for (const [tensor, file] of weightMap) {
    if (owner.get(tensor) !== resolveInside(folder, file, indexPath)) throw new InputError("model", indexPath, `listed in weight_map under ${file} but that shard does not hold it`, tensor);
  }
  return { path: indexPath, format: "pytorch", files: [indexPath, ...files], bytes, metadata, tensors, order: "written" };
}
