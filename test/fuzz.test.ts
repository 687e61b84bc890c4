/**
 * The fuzz suite (test/fuzz/): seeded mutations of a model of every format plus structured cases
 * for every finding of issue 15, each run through the real CLI in its own process. CI runs a bounded
 * sample (a few mutations per format, every structured case); `npm run fuzz` runs the long campaign
 * (JAYNES_FUZZ=long: 120 mutations per format; JAYNES_FUZZ_CASES=N and JAYNES_FUZZ_SEED=S override,
 * JAYNES_FUZZ_REPORT=FILE writes the table). Every case must end cleanly: exit 0 or 2, one `jaynes:`
 * line per error naming the file, no stack trace, within its time budget, under 256 MiB peak RSS;
 * cases that must be refused are refused, valid ones analysed.
 */
import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { expect, test } from "vitest";
import { fuzzCases } from "./fuzz/cases.js";
import { renderTable, runFuzzCases, summarise } from "./fuzz/harness.js";

const LONG = process.env.JAYNES_FUZZ === "long";
const PER_BASE = Number(process.env.JAYNES_FUZZ_CASES ?? (LONG ? 120 : 2));
const SEED = Number(process.env.JAYNES_FUZZ_SEED ?? 15);

test(`fuzz: ${PER_BASE} mutations per format (seed ${SEED}) and the structured cases end cleanly`, { timeout: LONG ? 6 * 3600_000 : 600_000 }, async () => {
  const cases = await fuzzCases({ seed: SEED, perBase: PER_BASE });
  const started = Date.now();
  const outcomes = await runFuzzCases(cases, { budgetMs: 40_000, timeoutSeconds: 15, maxRssBytes: 256 * 2 ** 20, concurrency: Math.max(1, Math.min(2, availableParallelism())) }, (outcome, done) => {
    if (LONG && done % 50 === 0) console.log(`fuzz: ${done}/${cases.length} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    if (outcome.verdict !== "ok") console.log(`fuzz: ${outcome.verdict}: ${outcome.testCase.id}: ${outcome.why}`);
  });
  const table = renderTable(summarise(outcomes));
  console.log(`${table}\n(${cases.length} cases in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  if (process.env.JAYNES_FUZZ_REPORT) writeFileSync(process.env.JAYNES_FUZZ_REPORT, `${table}\n`);
  const findings = outcomes.filter((outcome) => outcome.verdict !== "ok").map((outcome) => `${outcome.verdict}: ${outcome.testCase.id}: ${outcome.why}`);
  expect(findings).toEqual([]);
});
