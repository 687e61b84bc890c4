/**
 * A strict TypeScript consumer of the public API (test/consumer/consumer.ts): `strict`,
 * `exactOptionalPropertyTypes`, `noUncheckedIndexedAccess`, the package's declarations checked too
 * (`skipLibCheck: false`), `import … from "jaynes"` resolved through node_modules as in a user's
 * project; it analyses the bundled model from an in-memory and a custom byte source, streams the
 * layers, and aborts with an AbortSignal.
 */
import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runConsumer } from "../scripts/consumer.mjs";
import { analyzeFile } from "../src/index.js";
import { REAL_MODEL } from "./fixtures/make.js";

const project = mkdtempSync(join(tmpdir(), "jaynes-consumer-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe("a strict TypeScript consumer of the package", () => {
  it("type-checks against the published declarations and runs", async () => {
    mkdirSync(join(project, "node_modules"));
    symlinkSync(fileURLToPath(new URL("..", import.meta.url)), join(project, "node_modules/jaynes"), "dir");
    const run = runConsumer(project, REAL_MODEL);
    if (!run.ok) throw new Error(`${run.stage} failed:\n${run.output}`);
    const result = run.result;
    const expected = await analyzeFile(REAL_MODEL);
    expect(result.method).toEqual({ version: "2", document: "docs/METHOD.md" });
    expect(result.model).toBe("mnist.safetensors");
    expect(result.layers).toEqual(expected.layers.map((layer) => ({ tensor: layer.tensor, mu: layer.mu, sigma: layer.sigma, r2: layer.r2, best: layer.best })));
    expect(result.summary).toEqual(expected.summary);
    expect(result.streamed).toEqual([
      "skipped 0.bias: fewer than --min-params 10000 elements",
      `0.weight σ=${expected.layers[0]!.sigma.toFixed(4)} bins=100`,
      "skipped 2.bias: fewer than --min-params 10000 elements",
      `2.weight σ=${expected.layers[1]!.sigma.toFixed(4)} bins=100`,
      "skipped 4.bias: fewer than --min-params 10000 elements",
      "skipped 4.weight: fewer than --min-params 10000 elements",
    ]);
    expect(result.reads).toBeGreaterThan(2);
    expect(result.abortName).toBe("AbortError");
    expect(result.inputError).toMatch(/^\S+: short\.safetensors: /);
  });
});
