/**
 * A library user's program, type-checked as strictly as TypeScript allows (`strict`,
 * `exactOptionalPropertyTypes`, `noUncheckedIndexedAccess`) against the published types of the
 * package (`import … from "jaynes"`, resolved through node_modules), and run. test/consumer.test.ts
 * runs it against the build; the install check (scripts/check-install.mjs) against the packed tarball.
 *
 *   node consumer.js <model.safetensors>   → one JSON line on stdout
 */
import { readFileSync } from "node:fs";
import {
  type ByteSource,
  InputError,
  type LayerEvent,
  type LayerResult,
  METHOD,
  MemorySource,
  type ModelResult,
  type SettingsInput,
  VERSION,
  analyze,
  analyzeLayers,
} from "jaynes";

const path = process.argv[2];
if (path === undefined) throw new Error("usage: consumer.js MODEL");
const bytes = new Uint8Array(readFileSync(path));

/** A byte source of the user's own: the model in memory, read in pieces, counting the reads. */
class CountingSource implements ByteSource {
  readonly name = "in-memory/model.safetensors";
  readonly size = bytes.length;
  reads = 0;
  async readExact(target: Uint8Array, position: number): Promise<void> {
    this.reads++;
    if (position + target.length > this.size) throw new RangeError("past the end");
    target.set(bytes.subarray(position, position + target.length));
  }
  async close(): Promise<void> {}
}

const settings: SettingsInput = { bins: 100, min_params: 10_000, normalize: "max" };
const controller = new AbortController();
const result: ModelResult = await analyze(new MemorySource(bytes, "mnist.safetensors"), { ...settings, signal: controller.signal });

// Optional fields are absent, not undefined: read them as such.
const first: LayerResult | undefined = result.layers[0];
if (first === undefined) throw new Error("no layer fitted");
const stored: string = first.original_name ?? first.tensor;

// Streamed, from the custom source, in file order.
const streamed: string[] = [];
const source = new CountingSource();
for await (const event of analyzeLayers(source, { signal: controller.signal })) {
  const e: LayerEvent = event;
  streamed.push(e.kind === "layer" ? `${e.layer.tensor} σ=${e.layer.sigma.toFixed(4)} bins=${e.statistics.counts.length}` : `skipped ${e.skipped.tensor}: ${e.skipped.reason}`);
}

// An aborted signal stops the work; a bad input is an InputError naming it.
const aborted = new AbortController();
aborted.abort();
const abortName = await analyze(source, { signal: aborted.signal }).then(
  () => "not aborted",
  (error: unknown) => (error instanceof Error ? error.name : String(error)),
);
const inputError = await analyze(new MemorySource(bytes.subarray(0, 64), "short.safetensors")).then(
  () => "no error",
  (error: unknown) => (error instanceof InputError ? `${error.code}: ${error.message}` : String(error)),
);

process.stdout.write(
  `${JSON.stringify({
    version: VERSION,
    method: METHOD,
    model: result.model,
    layers: result.layers.map((layer) => ({ tensor: layer.tensor, mu: layer.mu, sigma: layer.sigma, r2: layer.r2, best: layer.best })),
    summary: result.summary,
    settings: result.settings,
    stored,
    streamed,
    reads: source.reads,
    abortName,
    inputError,
  })}\n`,
);
