/** The use-case layer: the one batch loop and its failure policy, the fit use case, the renderer registry. */
import { describe, expect, it } from "vitest";
import { storedForm } from "../src/analysis/stored.js";
import { type Failure, InputError, UsageError } from "../src/errors.js";
import { formatsOf, render } from "../src/report/registry.js";
import { failureExitCode, forEachInput } from "../src/run/batch.js";
import { runEnvironment } from "../src/run/environment.js";
import { fitExitCode, runFit } from "../src/run/fit.js";
import { REAL_MODEL } from "./fixtures/make.js";

describe("the batch loop", () => {
  it("an input error and a bug each become a failure naming the input; the other inputs are still analysed; exit 70", async () => {
    const seen: Failure[] = [];
    const outcome = await forEachInput(
      ["a", "b", "c"],
      async (input) => {
        if (input === "a") throw new InputError("truncated", "a", "file ended early");
        if (input === "b") throw new TypeError("x is undefined\n    at somewhere");
        return input.toUpperCase();
      },
      { name: (input) => input, concurrency: 2 },
      { failed: (failure) => seen.push(failure) },
    );
    expect(outcome.results).toEqual(["C"]);
    expect(outcome.failures).toEqual([
      { model: "a", error: "a: file ended early", code: "truncated" },
      { model: "b", error: "b: internal error: x is undefined", code: "internal" },
    ]);
    expect(seen).toEqual(outcome.failures);
    expect(failureExitCode(outcome.failures)).toBe(70);
    expect(failureExitCode(outcome.failures.slice(0, 1))).toBe(2);
    expect(failureExitCode([])).toBe(0);
  });

  it("a usage error or an interruption stops the run instead of failing one input", async () => {
    const interrupted = Object.assign(new Error("interrupted"), { name: "AbortError" });
    for (const error of [new UsageError("cannot write into out/"), interrupted]) {
      const started: string[] = [];
      const run = forEachInput(
        ["a", "b", "c"],
        async (input) => {
          started.push(input);
          if (input === "a") throw error;
          return input;
        },
        { name: (input) => input },
        { failed: () => undefined },
      );
      await expect(run).rejects.toBe(error);
      expect(started).toEqual(["a"]);
    }
  });
});

describe("the fit use case", () => {
  it("a missing input is a failure, the other is fitted, exit 2; results carry bin counts when asked", async () => {
    const run = await runFit({ paths: ["/nonexistent/model.safetensors", REAL_MODEL], settings: {}, keepHistograms: true }, runEnvironment({ jobs: 1 }));
    expect(run.failures).toEqual([{ model: "/nonexistent/model.safetensors", error: "/nonexistent/model.safetensors: no such file or directory", code: "io" }]);
    expect(run.models).toHaveLength(1);
    const [fitted] = run.models;
    expect([...fitted!.histograms.keys()]).toEqual(fitted!.result.layers.map((layer) => layer.tensor));
    expect(fitted!.histograms.get("0.weight")!.reduce((sum, count) => sum + count, 0)).toBe(200_704);
    expect(fitExitCode(run)).toBe(2);
  });
});

describe("the renderer registry", () => {
  it("lists each command's formats, default first, and refuses a format a document has no renderer for", () => {
    expect(formatsOf("fit")).toEqual(["table", "csv", "json", "jsonl"]);
    expect(formatsOf("compare")).toEqual(["table", "csv", "json"]);
    expect(formatsOf("scan")).toEqual(["table", "csv", "json"]);
    expect(() => render("compare", "jsonl", {} as never, { color: false, verbose: false })).toThrow(/no jsonl renderer for compare/);
  });
});

describe("the stored form", () => {
  it("is what JSON reads back: non-finite numbers are null", () => {
    expect(storedForm({ r2: Number.NaN, mu: -Infinity, sigma: 0.5, shape: [2, 3] })).toEqual({ r2: null, mu: null, sigma: 0.5, shape: [2, 3] });
  });
});
