/**
 * The parts of `jaynes activations`: the accumulators against their references (WebAssembly and
 * JavaScript paths, paged against dense), the graph walk and rewrite, input parsing and conversion.
 */
import { readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { UnitMeans, unitAxisFor } from "../src/analysis/activations/unitMeans.js";
import { parseInputSpec, parseShape } from "../src/cli/activations.js";
import { walkModelGraph } from "../src/formats/onnx/graph.js";
import { createWorkspace, flattenGraph, writeRewrittenModel } from "../src/formats/onnx/rewrite.js";
import { WireStream } from "../src/formats/protobuf/wireStream.js";
import { openSource } from "../src/io/byteSource.js";
import { SPILL_BUFFER_BYTES, SpillFile } from "../src/io/spillFile.js";
import { packGroups } from "../src/run/activations.js";
import { activationCandidates } from "../src/runtime/onnxModel.js";
import { convertValues, elementTypeOfOrt, elementTypeOfStored } from "../src/runtime/elementTypes.js";
import { bucketCuts, compactCuts, countAboveCompactCuts, countAboveCuts, expandCompactAbove, gridsFromCuts } from "../src/stats/bucketCuts.js";
import { FloatScan } from "../src/stats/floatScan.js";
import { acquireKernels } from "../src/stats/kernels.js";
import { layerGrids } from "../src/stats/layerHistograms.js";
import { PagedFloatScan } from "../src/stats/pagedFloatScan.js";
import { statisticsFromValues } from "../src/stats/valueStatistics.js";
import { GENERATED } from "./fixtures/make.js";
import { gaussian, mulberry32 } from "./helpers/random.js";

const DIR = `${GENERATED}activations/`;

/** ReLU-like activations with a long tail, exact zeros, a NaN and an infinity. */
function activations(count: number, seed: number): Float32Array {
  const normal = gaussian(mulberry32(seed));
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = Math.max(0, normal()) * Math.exp(normal());
  values[17] = Number.NaN;
  values[23] = -Infinity;
  return values;
}

describe("PagedFloatScan", () => {
  it("equals FloatScan (counts, max, zeros, NaN/Inf, log-moments) fed in pieces, on the JavaScript and WebAssembly paths; `keep` collects the values at or above a pattern", () => {
    const values = activations(300_000, 1);
    const bits = new Uint32Array(values.buffer);
    const dense = new FloatScan(400);
    dense.addFloat32Bits(bits);
    const kernels = acquireKernels(1 << 20, 100)!;
    try {
      for (const useKernels of [false, true]) {
        const paged = new PagedFloatScan(400);
        const kept: number[] = [];
        const into = new Uint32Array(bits.length);
        const from = 0x3f000000; // 0.5
        for (let start = 0; start < bits.length; start += 70_001) {
          let piece = bits.subarray(start, Math.min(bits.length, start + 70_001));
          if (useKernels) {
            const buffer = kernels.buffers()[0];
            const view = new Uint32Array(buffer.buffer, buffer.byteOffset, piece.length);
            view.set(piece);
            piece = view;
          }
          kept.push(...paged.add(piece, { from, into }, useKernels ? kernels : undefined));
        }
        const scan = paged.toFloatScan();
        expect(scan.summary()).toEqual(dense.summary());
        expect([...scan.float32Buckets()!]).toEqual([...dense.float32Buckets()!]);
        expect(kept).toEqual([...bits].filter((x) => (x & 0x7fffffff) >= from && (x & 0x7fffffff) < 0x7f800000));
      }
    } finally {
      kernels.release();
    }
  });
});

describe("compact cuts", () => {
  it("count the same values above each cut as countAboveCuts, and every grid follows (B, 2B, ⌊B/2⌋ at the max, B at the second largest)", () => {
    const values = activations(200_000, 2).map((v) => (Number.isFinite(v) ? v : 0));
    const scan = new FloatScan(400);
    scan.addFloat32Bits(new Uint32Array(values.buffer));
    const summary = scan.summary();
    const buckets = scan.float32Buckets()!;
    const specs = layerGrids(100, summary.maxAbs, summary.top, true);
    expect(specs).toHaveLength(4);
    const cuts = bucketCuts(specs, buckets, summary.top)!;
    const above = new Float64Array(cuts.cuts.length);
    countAboveCuts(values, cuts, above);
    const compact = compactCuts(buckets, cuts)!;
    const compactAbove = new Float64Array(compact.cuts.length);
    const maxBits = countAboveCompactCuts(new Uint32Array(values.buffer), compact, compactAbove);
    expect(maxBits).toBe(new Uint32Array(new Float32Array([summary.maxAbs]).buffer)[0]);
    const grids = gridsFromCuts(buckets, expandCompactAbove(compact, compactAbove), cuts, specs, summary.top);
    expect(grids.map((grid) => [...grid.counts])).toEqual(gridsFromCuts(buckets, above, cuts, specs, summary.top).map((grid) => [...grid.counts]));
    const binned = statisticsFromValues(values, 100);
    expect(grids.map((grid) => [...grid.counts])).toEqual(binned.grids.map((grid) => [...grid.counts]));
  });
});

describe("UnitMeans", () => {
  it("chooses the unit axis: rank 2 and channels-first → 1, channels-last → the last, explicit axes counted from the end", () => {
    expect(unitAxisFor(2, false, "auto")).toBe(1);
    expect(unitAxisFor(4, true, "auto")).toBe(1);
    expect(unitAxisFor(3, false, "auto")).toBe(2);
    expect(unitAxisFor(1, false, "auto")).toBeUndefined();
    expect(unitAxisFor(4, true, -1)).toBe(3);
    expect(unitAxisFor(2, false, 5)).toBeUndefined();
  });

  it("means |a| per unit over every other axis, leaving out NaN/Inf; the WebAssembly loop gives the same sums", () => {
    const dims = [5, 3, 4];
    const values = Float32Array.from({ length: 60 }, (_, i) => (i % 7) - 3.5);
    const expected = [0, 1, 2].map((u) => {
      let sum = 0;
      for (let n = 0; n < 5; n++) for (let i = 0; i < 4; i++) sum += Math.abs(values[n * 12 + u * 4 + i]!);
      return sum / 20;
    });
    const plain = new UnitMeans(1);
    plain.add(values, dims);
    expect([...plain.means()!]).toEqual(expected);
    const kernels = acquireKernels(1 << 20, 100)!;
    try {
      const buffer = kernels.buffers()[0];
      const inKernel = new Float32Array(buffer.buffer, buffer.byteOffset, values.length);
      inKernel.set(values);
      const fast = new UnitMeans(1);
      fast.add(inKernel, dims, kernels);
      expect([...fast.means()!]).toEqual(expected);
    } finally {
      kernels.release();
    }
    const withNaN = values.slice();
    withNaN[0] = Number.NaN;
    const skipping = new UnitMeans(1);
    skipping.add(withNaN, dims);
    expect(skipping.means()![0]).toBeCloseTo((expected[0]! * 20 - 3.5) / 19, 12);
    expect(skipping.nonfinite).toBe(1);
    const changing = new UnitMeans(1);
    changing.add(values, dims);
    changing.add(values.subarray(0, 40), [5, 2, 4]);
    expect(changing.means()).toBeUndefined();
    expect(changing.problem).toMatch(/3 units in one batch and 2 in another/);
  });
});

describe("the ONNX graph rewrite", () => {
  it("exposes values as outputs and inlines a branch, copying everything else verbatim; the original is untouched", async () => {
    const path = `${DIR}if.onnx`;
    const before = readFileSync(path);
    const source = await openSource(path);
    try {
      const model = await walkModelGraph(new WireStream(source));
      expect(model.graph.nodes.map((node) => node.opType)).toEqual(["ReduceSum", "Greater", "If", "Sigmoid"]);
      expect(model.graph.inputs).toEqual([{ name: "x", elemType: 1, shape: ["n", 8] }]);
      const inline = new Map([["If_0", "then_branch" as const]]);
      const flat = flattenGraph(model.graph, inline);
      expect(flat.nodes.map((item) => (item.kind === "node" ? item.node.label : `identity ${item.input}→${item.output}`))).toEqual(["sum", "positive", "then/mm", "then/relu", "identity then_out→y", "after"]);
      const candidates = activationCandidates(flat, ["x"]);
      expect([...candidates.keys()]).toEqual(["total", "cond", "then_mm", "then_out", "z"]);
      expect(candidates.get("then_mm")!.node).toBe("If_0/then_branch/then/mm");
      const workspace = await createWorkspace(path, []);
      try {
        const copy = `${workspace.folder}/copy.onnx`;
        await writeRewrittenModel(source, model, { inline, expose: ["then_mm", "z"] }, copy);
        const copySource = await openSource(copy);
        const rewritten = await walkModelGraph(new WireStream(copySource));
        await copySource.close();
        expect(rewritten.graph.nodes.map((node) => node.opType)).toEqual(["ReduceSum", "Greater", "MatMul", "Relu", "Identity", "Sigmoid"]);
        expect(rewritten.graph.outputs.map((output) => output.name)).toEqual(["z", "then_mm"]);
        expect([...rewritten.graph.initializers].sort()).toEqual(["w_else", "w_then", "zero"]);
        expect(statSync(copy).size).toBeLessThan(before.length);
      } finally {
        await workspace.remove();
      }
    } finally {
      await source.close();
    }
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe("inputs", () => {
  it("--input: FILE, NAME=FILE, NAME=NUMBER; --shape NAME=DxD", () => {
    expect(parseInputSpec("digits.npy", [])).toEqual([{ kind: "file", path: "digits.npy" }]);
    expect(parseInputSpec("ids=tokens.npy", [])).toEqual([{ kind: "file", name: "ids", path: "tokens.npy" }]);
    expect(parseInputSpec("sr=16000", [])).toEqual([{ kind: "fill", name: "sr", value: 16000 }]);
    expect(parseInputSpec("state=-0.5e-3", [])).toEqual([{ kind: "fill", name: "state", value: -0.0005 }]);
    expect(parseInputSpec("./a=b.npy", [])).toEqual([{ kind: "file", path: "./a=b.npy" }]);
    expect(() => parseInputSpec("x=", [])).toThrow(/nothing after "="/);
    expect(parseShape("x=3x48x320", [])).toEqual([["x", [3, 48, 320]]]);
    expect(() => parseShape("x=3,48", [])).toThrow(/NAME=DxDx/);
  });

  it("stored values convert to the graph's type exactly, or are refused", () => {
    const f64 = new Float64Array([1.5, -2.25]);
    expect([...(convertValues(new Uint8Array(f64.buffer), 2, elementTypeOfStored("F64")!, elementTypeOfOrt("float32")!) as Float32Array)]).toEqual([1.5, -2.25]);
    const i32 = new Int32Array([7, -3]);
    expect([...(convertValues(new Uint8Array(i32.buffer), 2, elementTypeOfStored("INT32")!, elementTypeOfOrt("int64")!) as BigInt64Array)]).toEqual([7n, -3n]);
    const big = new BigInt64Array([300n]);
    expect(() => convertValues(new Uint8Array(big.buffer), 1, elementTypeOfStored("I64")!, elementTypeOfOrt("uint8")!)).toThrow(/value 300 at element 0 does not fit uint8/);
    const be = new Uint8Array([0x3f, 0x80, 0, 0]);
    expect([...(convertValues(be, 1, elementTypeOfStored("FLOAT32_BE")!, elementTypeOfOrt("float32")!, true) as Float32Array)]).toEqual([1]);
  });

  it("value groups close before the budget is passed; a value larger than it stands alone", () => {
    const sizes: Record<string, number> = { a: 10, b: 20, c: 15, d: 100, e: 5 };
    expect(packGroups(Object.keys(sizes), (name) => sizes[name]!, 30)).toEqual([["a", "b"], ["c"], ["d"], ["e"]]);
  });
});

describe("SpillFile", () => {
  it("streams read back as their records in order, adjacent records merged, across buffer flushes", async () => {
    const spill = await SpillFile.create();
    try {
      const big = new Uint8Array(SPILL_BUFFER_BYTES + 1000).map((_, i) => i % 251);
      await spill.append(0, Uint8Array.from([1, 2, 3]));
      await spill.append(0, Uint8Array.from([4]));
      await spill.append(1, big);
      await spill.append(0, Uint8Array.from([5, 6]));
      await spill.finish();
      const file = readFileSync(spill.path);
      const read = (stream: number): Buffer => Buffer.concat(spill.ranges(stream).map((range) => file.subarray(range.offset, range.offset + range.length)));
      expect([...read(0)]).toEqual([1, 2, 3, 4, 5, 6]);
      expect(spill.ranges(0).length).toBe(2);
      expect(read(1).equals(Buffer.from(big))).toBe(true);
      expect(spill.bytes).toBe(6 + big.length);
    } finally {
      await spill.remove();
    }
  });
});
