/** Encodings added for ONNX/TFLite: sequential varints across chunks, per-channel affine, implicit zeros. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openModel, type TensorData } from "../src/index.js";
import { SourcePool, accumulateTensor } from "../src/pipeline.js";
import { createCodec, type FloatCodec } from "../src/decode/encodings.js";
import { float16FromBits } from "../src/decode/floatBits.js";
import { zeroRange } from "../src/io/zeroSource.js";
import { GENERATED } from "./fixtures/make.js";
import { toFloat16 } from "./helpers/floatEncode.js";
import { varint } from "./helpers/protobufWriter.js";
import { concat } from "./helpers/safetensorsWriter.js";
import { gaussian, mulberry32 } from "./helpers/random.js";

const normal = gaussian(mulberry32(5));
const values = Float32Array.from({ length: 30_000 }, () => 0.05 * normal());
const patterns = Array.from(values, toFloat16);

async function statistics(data: TensorData, chunkBytes?: number, rangeBytes?: number): Promise<unknown> {
  const pool = new SourcePool();
  try {
    const stats = await accumulateTensor(data, pool, { bins: 100, ...(chunkBytes ? { chunkBytes } : {}), ...(rangeBytes ? { rangeBytes } : {}) });
    return { ...stats, counts: Array.from(stats.counts) };
  } finally {
    await pool.close();
  }
}

describe("varint encoding (ONNX int32_data)", () => {
  const file = join(GENERATED, "varints.bin");
  const bytes = concat(patterns.map(varint));
  writeFileSync(file, bytes);
  const data = (elements = patterns.length, length = bytes.length): TensorData => ({
    ranges: [{ source: file, offset: 0, length }],
    encoding: { kind: "varint", dtype: "F16", elements, bytes: length, file, tensor: "w" },
    elements,
  });

  it("decodes identically whatever the chunk size (varints split across chunk boundaries)", async () => {
    expect(bytes.length).toBeGreaterThan(2 * patterns.length); // multi-byte varints
    const f16 = join(GENERATED, "varints-f16.bin");
    writeFileSync(f16, new Uint8Array(Uint16Array.from(patterns).buffer));
    const reference = await statistics({ ranges: [{ source: f16, offset: 0, length: 2 * patterns.length }], encoding: { kind: "float", dtype: "F16" }, elements: patterns.length });
    for (const chunk of [7, 1000, 65_537, undefined]) expect(await statistics(data(), chunk)).toEqual(reference);
    // Tensors are cut into ranges for parallel tasks; a sequential encoding is never cut.
    expect(await statistics(data(), 1000, 4096)).toEqual(reference);
  });

  it("refuses a stream whose count differs from the dims, or that ends inside a varint", async () => {
    await expect(statistics(data(patterns.length + 1))).rejects.toMatchObject({ code: "malformed", message: expect.stringContaining(`holds ${patterns.length} values but its dims promise ${patterns.length + 1}`) });
    await expect(statistics(data(patterns.length - 1))).rejects.toMatchObject({ message: expect.stringContaining("holds more than") });
    const cut = bytes.length - 1; // the last varint is 3 bytes (|w| ≥ 2^-14 has a 5-bit exponent ≥ 1)
    await expect(statistics(data(patterns.length, cut))).rejects.toMatchObject({ message: expect.stringContaining("ends inside a varint") });
  });
});

describe("per-channel affine encoding (TFLite)", () => {
  it("assigns channels by ⌊i / stride⌋ mod channels, also when decoding starts mid-tensor", () => {
    const scales = [0.5, 0.25, 2];
    const zeroPoints = [0, 1, -1];
    const codec = createCodec({ kind: "affine-per-channel", storage: "i8", scales, zeroPoints, channelStride: 2 }) as FloatCodec;
    const q = Int8Array.from([1, -1, 3, 4, -128, 127, 5, 6]);
    const bytes = new Uint8Array(q.buffer);
    const expected = [0.5, -0.5, 0.5, 0.75, -254, 256, 2.5, 3];
    expect(Array.from(codec.decode(bytes, 0))).toEqual(expected);
    expect(Array.from(codec.decode(bytes.subarray(3), 3))).toEqual(expected.slice(3));
    const wide = createCodec({ kind: "affine-per-channel", storage: "u16", scales, zeroPoints, channelStride: 1 }) as FloatCodec;
    expect(Array.from(wide.decode(new Uint8Array(Uint16Array.from([10, 10, 10, 10]).buffer), 2))).toEqual([22, 5, 2.25, 22]);
  });
});

describe("per-channel affine across task ranges", () => {
  it("a quantised TFLite tensor cut into small ranges gives the same statistics", async () => {
    const model = await openModel(join(GENERATED, "tflite", "quantized.tflite"));
    const data = model.tensors.find((t) => t.name === "0.weight")!.data!;
    expect(data.encoding.kind).toBe("affine-per-channel");
    expect(await statistics(data, 10_000, 30_001)).toEqual(await statistics(data));
  });
});

describe("implicit zeros", () => {
  it("a zero range appends exact zeros for F16 data", async () => {
    const f16 = join(GENERATED, "zeros-f16.bin");
    writeFileSync(f16, new Uint8Array(Uint16Array.from(patterns.slice(0, 100)).buffer));
    const stats = (await statistics({ ranges: [{ source: f16, offset: 0, length: 200 }, zeroRange(50)], encoding: { kind: "float", dtype: "F16" }, elements: 125 })) as { zeros: number; finite: number; maxAbs: number };
    expect(stats.finite).toBe(125);
    expect(stats.zeros).toBe(25 + patterns.slice(0, 100).filter((p) => float16FromBits(p) === 0).length);
  });
});
