/**
 * The grids of one accumulation (stats/layerHistograms.ts) and duplicates (analysis/duplicates.ts):
 * streamed F32 in many chunks (pass 2 by bucket cuts, the exact quantile by digits) and F16 code
 * tables give exactly the in-memory numbers; aliases and bit-identical tensors count once, a
 * permutation of a tensor (same histogram, other bytes) does not.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { accumulateTensor } from "../src/analysis/accumulate.js";
import { analyzeLayers } from "../src/analysis/analyze.js";
import { analyzeFile } from "../src/analysis/model.js";
import { openModel } from "../src/formats/open.js";
import { binValues } from "../src/stats/binning.js";
import { statisticsFromValues } from "../src/stats/valueStatistics.js";
import { gaussian, mulberry32 } from "./helpers/random.js";

const dir = mkdtempSync(join(tmpdir(), "jaynes-grids-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function safetensors(path: string, tensors: { name: string; dtype: string; data: Uint8Array; shape: number[] }[]): void {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    offset += t.data.length;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += " ";
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const t of tensors) {
    out.set(t.data, at);
    at += t.data.length;
  }
  writeFileSync(path, out);
}

function normalValues(n: number, seed: number): Float32Array {
  const normal = gaussian(mulberry32(seed));
  return Float32Array.from({ length: n }, () => 0.02 * normal());
}

const bytes = (values: Float32Array | Uint16Array): Uint8Array => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

describe("grids from the streamed passes equal the in-memory ones", () => {
  const values = normalValues(300_000, 7);
  values[10] = values[11]!; // a tie
  const path = join(dir, "f32.safetensors");
  safetensors(path, [{ name: "w", dtype: "F32", data: bytes(values), shape: [values.length] }]);

  for (const normaliser of [{ kind: "max" as const }, { kind: "quantile" as const, q: 0.99 }]) {
    it(`F32 in 64 KiB chunks, normaliser ${normaliser.kind}`, async () => {
      const model = await openModel(path);
      const streamed = await accumulateTensor(model.tensors[0]!.data!, undefined, { bins: 100, chunkBytes: 64 * 1024, rangeBytes: 256 * 1024, normaliser });
      const reference = statisticsFromValues(values, 100, normaliser);
      expect(streamed.top).toEqual(reference.top);
      expect(streamed.grids.map((g) => [g.scale, g.bins])).toEqual(reference.grids.map((g) => [g.scale, g.bins]));
      streamed.grids.forEach((grid, g) => expect(Array.from(grid.counts)).toEqual(Array.from(reference.grids[g]!.counts)));
      if (normaliser.kind === "quantile") {
        const sorted = Float64Array.from(values, Math.abs).sort();
        expect(streamed.grids[0]!.scale).toBe(sorted[Math.ceil(0.99 * sorted.length) - 1]);
      }
    });
  }

  it("F16 code tables: every grid equals binning the decoded values", async () => {
    const halfs = new Uint16Array(50_000);
    const f32 = normalValues(halfs.length, 8);
    // F16 bit patterns of the values (round toward zero is enough for a test of the binning).
    const view = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < halfs.length; i++) {
      view.setFloat32(0, f32[i]!);
      const x = view.getUint32(0);
      const sign = (x >>> 16) & 0x8000;
      const exponent = ((x >>> 23) & 0xff) - 127 + 15;
      halfs[i] = exponent <= 0 ? sign : sign | (exponent << 10) | ((x >>> 13) & 0x3ff);
    }
    const path16 = join(dir, "f16.safetensors");
    safetensors(path16, [{ name: "h", dtype: "F16", data: bytes(halfs), shape: [halfs.length] }]);
    const model = await openModel(path16);
    const stats = await accumulateTensor(model.tensors[0]!.data!, undefined, { bins: 100 });
    const decoded = new Float64Array(halfs.length);
    for (let i = 0; i < halfs.length; i++) {
      const h = halfs[i]!;
      const e = (h >>> 10) & 0x1f;
      const m = h & 0x3ff;
      const v = e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
      decoded[i] = h & 0x8000 ? -v : v;
    }
    for (const grid of stats.grids) {
      const direct = new Float64Array(grid.bins);
      binValues(decoded, direct, grid.scale);
      expect(Array.from(grid.counts)).toEqual(Array.from(direct));
    }
    expect(stats.top).toEqual(Array.from(decoded, Math.abs).sort((a, b) => b - a).slice(0, 64));
  });
});

describe("duplicates", () => {
  it("a bit-identical copy is counted once and names the first; a permutation is not a copy", async () => {
    const a = normalValues(20_000, 9);
    const permuted = a.slice().reverse();
    const path = join(dir, "dups.safetensors");
    safetensors(path, [
      { name: "a", dtype: "F32", data: bytes(a), shape: [a.length] },
      { name: "b", dtype: "F32", data: bytes(a.slice()), shape: [a.length] },
      { name: "c", dtype: "F32", data: bytes(permuted), shape: [a.length] },
    ]);
    const result = await analyzeFile(path, { minParams: 0 });
    expect(result.layers.map((layer) => layer.tensor)).toEqual(["a", "c"]);
    expect(result.skipped).toEqual([expect.objectContaining({ tensor: "b", duplicate_of: "a" })]);
    expect(result.summary.layers).toBe(2);
    // Streamed outcomes are final: the copy is yielded as the skipped duplicate, in file order.
    const events: string[] = [];
    for await (const event of analyzeLayers(path, { min_params: 0, jobs: 1 })) events.push(event.kind === "layer" ? event.layer.tensor : `(${event.skipped.tensor} → ${event.skipped.duplicate_of})`);
    expect(events).toEqual(["a", "(b → a)", "c"]);
  });
});
