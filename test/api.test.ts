/**
 * The library API (src/index.ts): one call for every kind of source (path, URL object, http(s) URL,
 * a registered name, a ByteSource object), settings in the names of the outputs with the old
 * camelCase aliases, an AbortSignal that stops the work, and per-layer results as an async iterator.
 */
import { readFileSync } from "node:fs";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ByteSource, InputError, type LayerEvent, METHOD, MemorySource, type ModelResult, VERSION, analyze, analyzeFile, analyzeLayers, openModel, registerSourceOpener, resolveSettings } from "../src/index.js";
import { join } from "node:path";
import { WorkerPool, accumulateTensor } from "../src/pipeline.js";
import { GENERATED, REAL_MODEL, SPARSE_PAD_BYTES } from "./fixtures/make.js";

const BYTES = readFileSync(REAL_MODEL);

/** The numbers of a result, without the name it was opened under. */
function numbers(result: ModelResult): unknown {
  return { layers: result.layers, skipped: result.skipped, summary: result.summary, settings: result.settings };
}

/** A server answering range requests for one file, counting the bytes it sent. */
function rangeServer(bytes: Uint8Array, options: { ranges: boolean } = { ranges: true }) {
  const stats = { requests: 0, bytes: 0 };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    stats.requests++;
    if (request.url !== "/models/mnist.safetensors" && request.url !== "/models/mnist.safetensors?sig=abc") {
      response.writeHead(404).end();
      return;
    }
    const match = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? "");
    if (!options.ranges || !match) {
      response.writeHead(200, { "content-length": bytes.length }).end(bytes);
      stats.bytes += bytes.length;
      return;
    }
    const first = Number(match[1]);
    const last = Math.min(Number(match[2]), bytes.length - 1);
    const body = bytes.subarray(first, last + 1);
    stats.bytes += body.length;
    response.writeHead(206, { "content-range": `bytes ${first}-${last}/${bytes.length}`, "content-length": body.length }).end(body);
  });
  return { server, stats };
}

describe("models from any source, through the same calls", () => {
  let local: ModelResult;
  beforeAll(async () => {
    local = await analyzeFile(REAL_MODEL);
  });

  it("a file: URL object and a path give the same result", async () => {
    const result = await analyze(pathToFileURL(REAL_MODEL));
    expect(result.model).toBe(REAL_MODEL);
    expect(numbers(result)).toEqual(numbers(local));
  });

  it("an in-memory ByteSource is opened under its own name, never looked for on disk", async () => {
    const source = new MemorySource(BYTES, "in-memory/mnist.safetensors");
    const result = await analyze(source);
    expect(result.model).toBe("in-memory/mnist.safetensors");
    expect(numbers(result)).toEqual(numbers(local));
    // openModel and analyzeFile take it too; the caller's source is never closed by jaynes.
    let closed = false;
    const counting: ByteSource = { name: "counted.safetensors", size: source.size, readExact: (target, position) => source.readExact(target, position), close: async () => void (closed = true) };
    expect((await openModel(counting)).tensors.map((tensor) => tensor.name)).toEqual(["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"]);
    expect(numbers(await analyzeFile(counting))).toEqual(numbers(local));
    expect(closed).toBe(false);
  });

  it("two sources with the same name are told apart", async () => {
    const [a, b] = await Promise.all([analyze(new MemorySource(BYTES, "same.safetensors")), analyze(new MemorySource(BYTES, "same.safetensors"))]);
    expect(numbers(a)).toEqual(numbers(b));
  });

  it("a name served by a registered opener (a custom store) is opened through it", async () => {
    const unregister = registerSourceOpener((name) => name.startsWith("store://"), async (name) => new MemorySource(BYTES, name), { mainThreadOnly: true });
    try {
      const result = await analyze("store://bucket/runs/mnist.safetensors", { min_params: 1000 });
      expect(result.model).toBe("store://bucket/runs/mnist.safetensors");
      expect(result.layers.map((layer) => layer.tensor)).toEqual(["0.weight", "2.weight", "4.weight"]);
    } finally {
      unregister();
    }
    await expect(analyze("store://bucket/runs/mnist.safetensors")).rejects.toThrow(/no such file or directory/);
  });

  it("a malformed in-memory file is an InputError naming the source", async () => {
    const error = await analyze(new MemorySource(BYTES.subarray(0, 1000), "cut.safetensors")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/^cut\.safetensors: /);
  });

  describe("an http(s) URL, by range requests", () => {
    const { server, stats } = rangeServer(BYTES);
    const plain = rangeServer(BYTES, { ranges: false });
    let base = "";
    let plainBase = "";
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      await new Promise<void>((resolve) => plain.server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      plainBase = `http://127.0.0.1:${(plain.server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
      await new Promise((resolve) => plain.server.close(resolve));
    });

    it("gives the local numbers, downloading only the selected layer's bytes", async () => {
      const url = `${base}/models/mnist.safetensors`;
      const result = await analyze(url);
      expect(result.model).toBe(url);
      expect(numbers(result)).toEqual(numbers(local));
      stats.bytes = 0;
      const one = await analyze(new URL(url), { include: ["2.weight"] });
      expect(one.layers.map((layer) => layer.tensor)).toEqual(["2.weight"]);
      expect(stats.bytes).toBeLessThan(0.25 * BYTES.length);
    });

    it("missing files, servers without ranges and credentials in the URL are one-line input errors", async () => {
      await expect(analyze(`${base}/models/none.safetensors`)).rejects.toThrow(/none\.safetensors: HTTP 404/);
      await expect(analyze(`${plainBase}/models/mnist.safetensors`)).rejects.toThrow(/does not answer byte-range requests/);
      await expect(analyze(`http://user:secret@127.0.0.1:1/m.safetensors`)).rejects.toThrow(/credentials in a URL are not accepted/);
      const error = await analyze(`http://user:secret@127.0.0.1:1/m.safetensors`).catch((caught: unknown) => caught);
      expect(String((error as Error).message)).not.toContain("secret");
    });
  });
});

describe("settings", () => {
  it("take the names of every output's settings record, with the camelCase names as aliases", async () => {
    expect(resolveSettings({ min_params: 5, include_flagged: true })).toMatchObject({ minParams: 5, includeFlagged: true });
    expect(resolveSettings({ minParams: 5, includeFlagged: true })).toMatchObject({ minParams: 5, includeFlagged: true });
    expect(() => resolveSettings({ min_params: 5, minParams: 6 })).toThrow(RangeError);
    const result = await analyze(REAL_MODEL, { bins: 50, min_params: 100 });
    // A result's settings reproduce it.
    const again = await analyze(REAL_MODEL, result.settings);
    expect(again.settings).toEqual(result.settings);
    expect(again.layers).toEqual(result.layers);
  });

  it("the method and version constants are what the outputs record", () => {
    expect(METHOD).toEqual({ version: "2", document: "docs/METHOD.md" });
    expect(VERSION).toBe((JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version);
  });
});

describe("AbortSignal", () => {
  it("an aborted signal rejects before anything is opened", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(analyze(REAL_MODEL, { signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
  });

  it("aborting mid-way stops the reads", async () => {
    for (const jobs of [1, 2]) {
      const controller = new AbortController();
      let reads = 0;
      const slow: ByteSource = {
        name: "slow.safetensors",
        size: BYTES.length,
        readExact: async (target, position) => {
          if (position > 1000) {
            reads++;
            if (reads === 1) controller.abort();
          }
          target.set(BYTES.subarray(position, position + target.length));
        },
        close: async () => undefined,
      };
      // Small chunks: many reads per tensor, so the abort lands between them.
      await expect(analyze(slow, { signal: controller.signal, chunkBytes: 4096, jobs })).rejects.toMatchObject({ name: "AbortError" });
      expect(reads).toBeLessThan(10);
    }
  });

  it("aborting stops the tasks running on worker threads", async () => {
    // 4 GiB of F32 zeros (a sparse file): seconds of work, cut short after 200 ms.
    const path = join(GENERATED, "sparse-4g.safetensors");
    const layer = (await openModel(path)).tensors.find((tensor) => tensor.name === "2.weight")!;
    const data = { ...layer.data!, ranges: [{ source: path, offset: layer.data!.ranges[0]!.offset - SPARSE_PAD_BYTES, length: 4 * 2 ** 30 }] };
    const pool = new WorkerPool(2);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    try {
      await expect(accumulateTensor(data, undefined, { bins: 100, executor: pool, signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await pool.close();
    }
  });
});

describe("analyzeLayers", () => {
  it("yields every tensor's outcome in file order, then returns the whole result", async () => {
    const events: LayerEvent[] = [];
    const iterator = analyzeLayers(REAL_MODEL, { min_params: 1000 });
    let next = await iterator.next();
    while (!next.done) {
      events.push(next.value);
      next = await iterator.next();
    }
    const result = next.value;
    expect(events.map((event) => (event.kind === "layer" ? event.layer.tensor : `(${event.skipped.tensor})`))).toEqual(["(0.bias)", "0.weight", "(2.bias)", "2.weight", "(4.bias)", "4.weight"]);
    const layers = events.flatMap((event) => (event.kind === "layer" ? [event.layer] : []));
    expect(layers).toEqual(result.layers);
    const first = events[1]!;
    expect(first.kind === "layer" && first.statistics.counts.length).toBe(100);
  });

  it("leaving the loop early stops the analysis", async () => {
    const seen: string[] = [];
    let reads = 0;
    const source = new MemorySource(BYTES, "early.safetensors");
    const counted: ByteSource = { name: source.name, size: source.size, readExact: (target, position) => ((reads += 1), source.readExact(target, position)), close: async () => undefined };
    for await (const event of analyzeLayers(counted, { jobs: 1 })) {
      seen.push(event.kind);
      if (event.kind === "layer") break;
    }
    expect(seen).toEqual(["skipped", "layer"]);
    const afterBreak = reads;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads).toBe(afterBreak);
  });

  it("an input error ends the iteration with that error", async () => {
    const iterate = async (): Promise<void> => {
      for await (const event of analyzeLayers(new MemorySource(BYTES.subarray(0, 100), "short.safetensors"))) void event;
    };
    await expect(iterate()).rejects.toBeInstanceOf(InputError);
  });
});
