/**
 * Reader → accumulator for checkpoint-quantised tensors (src/decode/quant/). A layer whose key space
 * is bounded (MXFP4, NVFP4, FP8 with tensor/channel/block scales, int4 groups with 16-bit scales,
 * int8 with row scales) is counted in one pass: each task returns the sorted (key, value, count) list
 * of its range, the lists merge by key, and the statistics are read off the merged list — exact, with
 * memory proportional to the keys that occur. Other layers (bitsandbytes 4-bit, 8-bit groups, F32
 * group scales, more than 2^21 keys) are decoded to float32 values and take the float path, as a
 * float32 checkpoint of the dequantised weights would.
 */
import type { QuantizedEncoding } from "../io/quantizedEncoding.js";
import type { TensorData } from "../io/tensorData.js";
import { DEFAULT_CHUNK_BYTES } from "../io/chunks.js";
import { tensorBytes } from "../io/tensorChunks.js";
import { quantLayout } from "../decode/quant/index.js";
import type { Executor } from "../parallel/executor.js";
import { type KeyedCounts, mergeKeyedCounts, statisticsFromValueCounts } from "../stats/keyedCounts.js";
import { distinctCapFor } from "../stats/distinctSet.js";
import type { LayerStatistics } from "../stats/layerHistograms.js";
import { type AccumulateOptions, DEFAULT_RANGE_BYTES, accumulateFloatRanges, splitRanges } from "./accumulateFloat.js";

export async function accumulateQuantized(data: TensorData, executor: Executor, options: AccumulateOptions): Promise<LayerStatistics> {
  const encoding = data.encoding as QuantizedEncoding;
  const layout = quantLayout(encoding);
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const total = tensorBytes(data);
  const rangeBytes = options.rangeBytes ?? DEFAULT_RANGE_BYTES;
  // Whole scale groups per task where one fits (tasks then share no keys and their lists concatenate).
  const groupBytes = layout.rangeUnitBytes ?? layout.unitBytes;
  const ranges = splitRanges(total, groupBytes <= rangeBytes ? groupBytes : layout.unitBytes, rangeBytes);
  if (layout.keySpace === undefined) {
    const decodedBytes = (total / layout.unitBytes) * layout.unitElements * 4;
    return accumulateFloatRanges(data, executor, ranges, decodedBytes <= chunkBytes, chunkBytes, options);
  }
  let merged: KeyedCounts | undefined;
  await Promise.all(
    ranges.map((range) =>
      executor.run({ kind: "quant-count", data, ...range, chunkBytes }, options.onBytes, options.signal).then((result) => {
        if (result.kind !== "quant-count") throw new Error(`unexpected ${result.kind} result`);
        merged = merged ? mergeKeyedCounts(merged, result) : result;
      }),
    ),
  );
  const list = merged ?? { keys: new Uint32Array(0), values: new Float64Array(0), counts: new Float64Array(0) };
  return statisticsFromValueCounts(list.values, list.counts, options.bins, distinctCapFor(options.bins), options.normaliser);
}
