/** Shared by the format tests: what a fit depends on, and the malformed-file check. */
import { expect } from "vitest";
import type { LayerResult } from "../../src/index.js";
import { expectCleanError, runCli } from "./cli.js";

import type { MalformedFormatCase } from "./malformedCases.js";

export type { MalformedFormatCase };

/** Everything a layer's numbers depend on (not its name or dtype). */
export function fitFields(layer: LayerResult): Partial<LayerResult> {
  const { A, mu, sigma, r2, max_abs, zeros, first_bin_mass, distinct, flags } = layer;
  return { A, mu, sigma, r2, max_abs, zeros, first_bin_mass, distinct, flags };
}

export const byName = (layers: readonly LayerResult[]): Map<string, LayerResult> => new Map(layers.map((layer) => [layer.tensor, layer]));

/** The CLI on a malformed file: exit 2, one clean line naming the file (and byte), the case's code. */
export function expectMalformed(testCase: MalformedFormatCase): void {
  const run = runCli(["fit", testCase.file, "--format", "json"]);
  expect(run.code).toBe(2);
  const lines = expectCleanError(run);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(testCase.file);
  expect(lines[0]).toContain(testCase.message);
  if (testCase.offset) expect(lines[0]).toMatch(/byte \d+/);
  const report = JSON.parse(run.stdout) as { failures: { code: string }[] };
  expect(report.failures[0]!.code).toBe(testCase.code);
}
