/** Shared by the format tests: what a fit depends on, and the malformed-file check. */
import { expect } from "vitest";
import type { LayerResult } from "../../src/index.js";
import { render } from "../../src/report/registry.js";
import { runEnvironment } from "../../src/run/environment.js";
import { fitExitCode, runFit } from "../../src/run/fit.js";
import { expectCleanError, runCli } from "./cli.js";

import type { MalformedFormatCase } from "./malformedCases.js";

export type { MalformedFormatCase };

/** Everything a layer's numbers depend on (not its name or dtype). */
export function fitFields(layer: LayerResult): Partial<LayerResult> {
  const { A, mu, sigma, r2, max_abs, zeros, first_bin_mass, distinct, flags } = layer;
  return { A, mu, sigma, r2, max_abs, zeros, first_bin_mass, distinct, flags };
}

export const byName = (layers: readonly LayerResult[]): Map<string, LayerResult> => new Map(layers.map((layer) => [layer.tensor, layer]));

/**
 * Fitted layers by name, a duplicate (skipped with `duplicate_of`: aliased storage or bit-identical
 * values, counted once) under its own name too, with the numbers of the layer it copies.
 */
export function byNameWithDuplicates(result: { layers: readonly LayerResult[]; skipped: readonly { tensor: string; duplicate_of?: string }[] }): Map<string, LayerResult> {
  const layers = byName(result.layers);
  for (const skipped of result.skipped) if (skipped.duplicate_of !== undefined) layers.set(skipped.tensor, layers.get(skipped.duplicate_of)!);
  return layers;
}

/**
 * `fit` on a malformed file, in-process (the use case the CLI calls): one failure whose one-line
 * message names the file (and byte), the case's code in the JSON document, exit code 2, no result.
 * Returns the message.
 * What the CLI adds — printing the line, the exit — is checked by `expectMalformedCli` on a few cases.
 */
export async function expectMalformed(testCase: MalformedFormatCase): Promise<string> {
  const run = await runFit({ paths: [testCase.file], settings: {} }, runEnvironment({ jobs: 1 }));
  expect(run.models).toHaveLength(0);
  expect(fitExitCode(run)).toBe(2);
  expect(run.failures).toHaveLength(1);
  const message = run.failures[0]!.error;
  expect(message).not.toMatch(/[\r\n]/);
  expect(message).toContain(testCase.file);
  expect(message).toContain(testCase.message);
  if (testCase.offset) expect(message).toMatch(/byte \d+/);
  const report = JSON.parse(render("fit", "json", { models: [], failures: run.failures }, { color: false, verbose: false })) as { failures: { code: string }[] };
  expect(report.failures[0]!.code).toBe(testCase.code);
  return message;
}

/** The CLI on a malformed file (a spawned process): exit 2, one clean line naming the file (and byte), the case's code. */
export function expectMalformedCli(testCase: MalformedFormatCase): void {
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
