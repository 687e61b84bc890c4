/**
 * The parts of `jaynes init` on their own: the safetensors writer (layout, alignment, shards, the
 * strict reader accepting what it writes), the fit-file reader, and the draw on worker threads giving
 * the bytes of the inline draw however the work is cut.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type InitPlan, planInit } from "../src/analysis/init/plan.js";
import { type InitContext, initLayout, resolveScales, writeInit } from "../src/run/initWrite.js";
import { analyzeOpenedModel } from "../src/analysis/model.js";
import { resolveSettings } from "../src/analysis/settings.js";
import { parseCsv, readFitFile } from "../src/formats/fitFile.js";
import { openModel } from "../src/formats/open.js";
import { readSafetensorsHeader } from "../src/formats/safetensors.js";
import { SafetensorsFileWriter, layoutCheckpoint, shardIndexText } from "../src/formats/safetensorsWrite.js";
import { AtomicFile, checkOutputPath } from "../src/io/atomicWrite.js";
import { FileSource, SourcePool } from "../src/io/byteSource.js";
import { InlineExecutor } from "../src/parallel/executor.js";
import { WorkerPool } from "../src/parallel/pool.js";
import { REAL_MODEL } from "./fixtures/make.js";

const dir = mkdtempSync(join(tmpdir(), "jaynes-init-parts-"));

describe("safetensors writer", () => {
  const tensors = [
    { name: "flag", dtype: "BOOL", shape: [3], bytes: 3 },
    { name: "half", dtype: "BF16", shape: [5], bytes: 10 },
    { name: "double", dtype: "F64", shape: [2], bytes: 16 },
    { name: "single", dtype: "F32", shape: [3], bytes: 12 },
    { name: "empty", dtype: "F32", shape: [0], bytes: 0 },
  ];

  it("lays tensors out by element size (each aligned) and the strict reader accepts the file", async () => {
    const layout = layoutCheckpoint(tensors, join(dir, "mixed.safetensors"));
    expect(layout.index).toBeUndefined();
    expect(layout.shards[0]!.tensors.map((t) => t.name)).toEqual(["double", "single", "empty", "half", "flag"]);
    const writer = await SafetensorsFileWriter.create(layout.shards[0]!, { format: "pt", note: "ü" });
    for (let tensor = writer.current; tensor; tensor = writer.current) {
      await writer.write(new Uint8Array(tensor.bytes).fill(tensor.bytes));
      writer.endTensor();
    }
    await writer.finish();
    await writer.file.commit();
    const source = await FileSource.open(join(dir, "mixed.safetensors"));
    const header = await readSafetensorsHeader(source);
    await source.close();
    expect(header.dataStart % 8).toBe(0);
    expect(header.metadata).toEqual({ format: "pt", note: "ü" });
    for (const record of header.tensors) {
      const range = (record.data?.ranges ?? record.storage?.ranges)![0]!;
      const size = { F64: 8, F32: 4, BF16: 2, BOOL: 1 }[record.dtype]!;
      expect((range.offset - header.dataStart) % size).toBe(0);
    }
  });

  it("refuses a tensor given the wrong number of bytes, and a tensor named __metadata__", async () => {
    const layout = layoutCheckpoint([tensors[3]!], join(dir, "short.safetensors"));
    const writer = await SafetensorsFileWriter.create(layout.shards[0]!, {});
    await writer.write(new Uint8Array(8));
    expect(() => writer.endTensor()).toThrow(/got 8 of 12 bytes/);
    await expect(writer.write(new Uint8Array(8))).rejects.toThrow(/past the end/);
    await writer.file.abort();
    expect(readdirSync(dir).filter((name) => name.includes("short"))).toEqual([]);
    expect(() => layoutCheckpoint([{ name: "__metadata__", dtype: "F32", shape: [1], bytes: 4 }], "x.safetensors")).toThrow(/__metadata__/);
  });

  it("shards greedily in order, a tensor larger than the limit alone, with Hugging Face names and index", () => {
    const big = (name: string, bytes: number) => ({ name, dtype: "U8", shape: [bytes], bytes });
    const layout = layoutCheckpoint([big("a", 40), big("b", 70), big("c", 200), big("d", 30), big("e", 60)], "/m/model.safetensors", 100);
    expect(layout.shards.map((shard) => [shard.file, shard.tensors.map((t) => t.name)])).toEqual([
      ["/m/model-00001-of-00004.safetensors", ["a"]],
      ["/m/model-00002-of-00004.safetensors", ["b"]],
      ["/m/model-00003-of-00004.safetensors", ["c"]],
      ["/m/model-00004-of-00004.safetensors", ["d", "e"]],
    ]);
    expect(layout.index).toBe("/m/model.safetensors.index.json");
    expect(JSON.parse(shardIndexText(layout))).toEqual({ metadata: { total_size: 400 }, weight_map: { a: "model-00001-of-00004.safetensors", b: "model-00002-of-00004.safetensors", c: "model-00003-of-00004.safetensors", d: "model-00004-of-00004.safetensors", e: "model-00004-of-00004.safetensors" } });
  });
});

describe("atomic files and replacement refusals", () => {
  it("a committed file appears whole; an aborted one leaves nothing", async () => {
    const file = await AtomicFile.create(join(dir, "atomic.bin"));
    await file.write(new Uint8Array([1, 2, 3]));
    expect(readdirSync(dir)).not.toContain("atomic.bin");
    await file.finish();
    await file.commit();
    expect([...readFileSync(join(dir, "atomic.bin"))]).toEqual([1, 2, 3]);
    const aborted = await AtomicFile.create(join(dir, "aborted.bin"));
    await aborted.write(new Uint8Array(10));
    await aborted.abort();
    expect(readdirSync(dir).filter((name) => name.includes("aborted"))).toEqual([]);
  });

  it("refuses inputs (also through a link), directories and devices; allows new and ordinary files", async () => {
    const input = join(dir, "input.bin");
    writeFileSync(input, "x");
    symlinkSync(input, join(dir, "link.bin"));
    const check = (path: string): Promise<void> => checkOutputPath(path, [input], { filesOnly: true });
    await expect(check(input)).rejects.toThrow(/it is an input of this run/);
    await expect(check(join(dir, "link.bin"))).rejects.toThrow(/it is an input of this run/);
    await expect(check(dir)).rejects.toThrow(/it is a directory/);
    const fifo = join(dir, "pipe");
    spawnSync("mkfifo", [fifo]); // like a device: not a regular file
    await expect(check(fifo)).rejects.toThrow(/FIFO, device or descriptor/);
    await expect(AtomicFile.create(fifo)).rejects.toThrow(/FIFO, device or descriptor/);
    await expect(check(join(dir, "new.bin"))).resolves.toBeUndefined();
    await expect(check(join(dir, "atomic.bin"))).resolves.toBeUndefined();
  });
});

describe("fit files", () => {
  it("parses RFC 4180 CSV: quotes, doubled quotes, commas and newlines inside fields, CRLF", () => {
    expect(parseCsv("f", 'a,b,c\r\n"x,1","say ""hi""","two\nlines"\n\n1,,3')).toEqual([
      ["a", "b", "c"],
      ["x,1", 'say "hi"', "two\nlines"],
      ["1", "", "3"],
    ]);
    expect(() => parseCsv("f.csv", 'a,"open\n')).toThrow(/f\.csv: CSV ends inside a quoted field/);
  });

  it("reads μ in units of max|w| from a fit made with --normalize none", async () => {
    const path = join(dir, "none.csv");
    writeFileSync(path, "model,tensor,shape,mu,sigma,max_abs,flags,normalize\nm,w,10x10,-4,0.5,0.2,first-bin;few-levels,none\n");
    const fit = await readFitFile(path);
    const layer = fit.layers.get("w")!;
    expect(layer.muPlain).toBeCloseTo(-4 - 0.25 - Math.log(0.2), 12);
    expect(layer.flags).toEqual(["first-bin", "few-levels"]);
    expect(layer.shape).toEqual([10, 10]);
  });

  it("refuses a layer without a finite σ, naming file and tensor", async () => {
    const path = join(dir, "bad.csv");
    writeFileSync(path, "model,tensor,shape,mu,sigma,max_abs,flags,normalize\nm,w,4,-2,,0.3,,max\n");
    await expect(readFitFile(path)).rejects.toThrow(/bad\.csv: tensor "w": sigma is not a finite number/);
  });
});

describe("drawing on worker threads", () => {
  async function written(plan: InitPlan, context: InitContext, name: string, signsLike: boolean): Promise<Buffer> {
    const output = join(dir, name);
    await writeInit(plan, initLayout(plan, output, Infinity), { format: "pt" }, signsLike, context);
    return readFileSync(output);
  }

  it("gives the inline bytes however the work is cut (tasks of 64 KiB, chunks of 4 KiB), with --signs like and --match-std", async () => {
    const model = await openModel(REAL_MODEL);
    const settings = resolveSettings({});
    const result = await analyzeOpenedModel(model, settings, { jobs: 1 });
    for (const signs of ["random", "like"] as const) {
      const planned = (): InitPlan => planInit(model, settings, { kind: "fit", result }, { seed: 5, signs, matchStd: "like" });
      const pool = new SourcePool();
      const inline = new InlineExecutor(pool);
      const inlinePlan = planned();
      const inlineContext: InitContext = { executor: inline, readExecutor: inline, pool };
      await resolveScales(inlinePlan, "like", inlineContext, true);
      const expected = await written(inlinePlan, inlineContext, `inline-${signs}.safetensors`, signs === "like");

      const workers = new WorkerPool(2);
      try {
        const parallelPlan = planned();
        const context: InitContext = { executor: workers, readExecutor: workers, pool, taskBytes: 64 * 1024, chunkBytes: 4096 };
        await resolveScales(parallelPlan, "like", context, true);
        expect(parallelPlan.tensors.map((t) => t.row.draw?.scale)).toEqual(inlinePlan.tensors.map((t) => t.row.draw?.scale));
        expect(Buffer.compare(await written(parallelPlan, context, `workers-${signs}.safetensors`, signs === "like"), expected)).toBe(0);
      } finally {
        await workers.close();
        await pool.close();
      }
    }
  });
});
