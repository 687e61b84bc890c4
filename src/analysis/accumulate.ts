/**
 * Reader → accumulator: stream one tensor's bytes and reduce them to LayerStatistics.
 * - ≤ 16-bit codes: one pass counting codes (stats/codeTable.ts).
 * - F32/F64 and decoded formats: pass 1 (FloatScan) then pass 2 (binning with the final max|w|).
 *   A tensor that fits in one chunk is read once and both passes run on the buffer in memory.
 * `start`/`end` select whole units of the tensor's byte stream, so parts of one tensor can be
 * accumulated separately (e.g. on worker threads) and merged.
 */
import { createCodec, type Codec, type FloatCodec } from "../formats/encodings.js";
import type { TensorData } from "../formats/tensor.js";
import type { SourcePool } from "../io/byteSource.js";
import { DEFAULT_CHUNK_BYTES, readChunks, totalBytes } from "../io/chunks.js";
import { binFloat32, binFloat64 } from "../stats/binning.js";
import { countCodes16, countCodes8, newCodeTable, statisticsFromCodeTable } from "../stats/codeTable.js";
import { FloatScan } from "../stats/floatScan.js";
import type { LayerStatistics } from "../stats/valueSummary.js";

export interface AccumulateOptions {
  bins: number;
  chunkBytes?: number;
  onBytes?: (bytes: number) => void;
}

export async function accumulateTensor(data: TensorData, pool: SourcePool, options: AccumulateOptions): Promise<LayerStatistics> {
  const codec = createCodec(data.encoding);
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (codec.type === "codes") {
    const table = newCodeTable(codec.bits);
    for await (const chunk of readChunks(data.ranges, pool, { unitBytes: codec.unitBytes, chunkBytes, onBytes: options.onBytes })) {
      const codes = codec.codes(chunk);
      if (codes instanceof Uint16Array) countCodes16(codes, table);
      else countCodes8(codes, table);
    }
    return statisticsFromCodeTable(codec.levels, table, options.bins);
  }
  return accumulateFloats(codec, data, pool, options, chunkBytes);
}

async function accumulateFloats(codec: FloatCodec, data: TensorData, pool: SourcePool, options: AccumulateOptions, chunkBytes: number): Promise<LayerStatistics> {
  const scan = new FloatScan();
  const bytes = totalBytes(data.ranges);
  const counts = new Float64Array(options.bins);
  if (bytes <= chunkBytes) {
    // One read; both passes over the same decoded values.
    let values: Float32Array | Float64Array | undefined;
    for await (const chunk of readChunks(data.ranges, pool, { unitBytes: codec.unitBytes, chunkBytes, onBytes: options.onBytes })) {
      values = codec.decode(chunk, 0);
      scanValues(scan, values);
    }
    const summary = scan.summary();
    if (values && summary.maxAbs > 0) binValues(values, counts, summary.maxAbs);
    return { ...summary, counts };
  }
  let element = 0;
  for await (const chunk of readChunks(data.ranges, pool, { unitBytes: codec.unitBytes, chunkBytes, onBytes: options.onBytes })) {
    const values = codec.decode(chunk, element);
    element += values.length;
    scanValues(scan, values);
  }
  const summary = scan.summary();
  if (summary.maxAbs > 0) {
    element = 0;
    for await (const chunk of readChunks(data.ranges, pool, { unitBytes: codec.unitBytes, chunkBytes })) {
      const values = codec.decode(chunk, element);
      element += values.length;
      binValues(values, counts, summary.maxAbs);
    }
  }
  return { ...summary, counts };
}

function scanValues(scan: FloatScan, values: Float32Array | Float64Array): void {
  if (values instanceof Float32Array) scan.addFloat32Bits(new Uint32Array(values.buffer, values.byteOffset, values.length));
  else scan.addFloat64(values);
}

function binValues(values: Float32Array | Float64Array, counts: Float64Array, maxAbs: number): void {
  if (values instanceof Float32Array) binFloat32(values, counts, maxAbs);
  else binFloat64(values, counts, maxAbs);
}

export type { Codec };
