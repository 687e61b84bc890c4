/** CLI conventions: formats, stdout/stderr split, exit codes, atomic output, colour, help. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REAL_MODEL } from "./fixtures/make.js";
import { runCli } from "./helpers/cli.js";

describe("jaynes fit", () => {
  it("prints the layer table and the Table 2 summary on stdout, nothing on stderr", () => {
    const run = runCli(["fit", REAL_MODEL]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("0.weight");
    expect(run.stdout).toContain("2.weight");
    expect(run.stdout).toMatch(/settings: bins=100 normalize=max min-params=10000/);
    expect(run.stdout).not.toMatch(/\u001b\[/); // NO_COLOR (set by runCli) and not a TTY
  });

  it("--verbose lists skipped tensors with reasons", () => {
    const run = runCli(["fit", REAL_MODEL, "--verbose"]);
    expect(run.stdout).toContain("fewer than --min-params 10000 elements");
  });

  it("csv, json and jsonl carry the contract fields", () => {
    const csv = runCli(["fit", REAL_MODEL, "--format", "csv"]).stdout.trim().split("\n");
    // The contract: the original columns keep their order, new fields come before the settings and
    // the method version (docs/METHOD.md), which end every row.
    expect(csv[0]).toMatch(/^model,tensor,original_name,shape,params,dtype,quantization,A,mu,sigma,r2,mu_plain,max_abs,zeros,nonfinite,first_bin_mass,distinct,distinct_exact,mle_mu,mle_sigma,flags,converged,iterations,.*,bins,normalize,min_params,method_version$/);
    expect(csv[0]).toContain(",loglik,aic,best,null_r2,alpha,beta,equilibrium_spread,A_halfnormal,s_halfnormal,r2_halfnormal,loglik_halfnormal,aic_halfnormal,converged_halfnormal,");
    expect(csv[0]).toContain(",b_exponential,");
    expect(csv[0]).toContain(",k_powerlaw,");
    expect(csv).toHaveLength(3);
    const json = JSON.parse(runCli(["fit", REAL_MODEL, "--format", "json"]).stdout) as { tool: string; models: { settings: object; layers: Record<string, unknown>[]; summary: object }[] };
    expect(json.tool).toBe("jaynes");
    expect(json.models[0]!.settings).toMatchObject({ bins: 100, normalize: "max", min_params: 10000 });
    for (const field of ["tensor", "shape", "params", "dtype", "A", "mu", "sigma", "r2", "mu_plain", "max_abs", "zeros", "nonfinite", "first_bin_mass", "distinct", "flags", "converged"]) {
      expect(json.models[0]!.layers[0]).toHaveProperty(field);
    }
    const jsonl = runCli(["fit", REAL_MODEL, "--format", "jsonl"]).stdout.trim().split("\n").map((line) => JSON.parse(line) as { model: string; bins: number });
    expect(jsonl).toHaveLength(2);
    expect(jsonl[0]!.bins).toBe(100);
  });

  it("settings change the numbers and are recorded", () => {
    const json = JSON.parse(runCli(["fit", REAL_MODEL, "--format", "json", "--bins", "50", "--normalize", "none", "--min-params", "100000"]).stdout) as { models: { settings: { bins: number; normalize: string }; layers: { tensor: string }[] }[] };
    expect(json.models[0]!.settings).toMatchObject({ bins: 50, normalize: "none" });
    expect(json.models[0]!.layers.map((l) => l.tensor)).toEqual(["0.weight"]);
  });

  it("--include/--exclude select tensors by glob", () => {
    const json = JSON.parse(runCli(["fit", REAL_MODEL, "--format", "json", "--exclude", "0.*"]).stdout) as { models: { layers: { tensor: string }[]; skipped: { tensor: string; reason: string }[] }[] };
    expect(json.models[0]!.layers.map((l) => l.tensor)).toEqual(["2.weight"]);
    expect(json.models[0]!.skipped.find((s) => s.tensor === "0.weight")?.reason).toMatch(/not selected/);
  });

  it("-o writes atomically and leaves no temporary files", () => {
    const dir = mkdtempSync(join(tmpdir(), "jaynes-cli-"));
    const out = join(dir, "layers.csv");
    writeFileSync(out, "old contents");
    const run = runCli(["fit", REAL_MODEL, "--format", "csv", "-o", out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(readFileSync(out, "utf8")).toMatch(/^model,tensor/);
    expect(readdirSync(dir)).toEqual(["layers.csv"]);
  });

  it("-o into a folder that does not exist is an output error (exit 73) before any work, with no stack trace", () => {
    const run = runCli(["fit", REAL_MODEL, "-o", "/nonexistent-folder/layers.csv"]);
    expect(run.code).toBe(73);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("/nonexistent-folder");
  });

  it("a missing file among several: the others are reported, exit 2", () => {
    const run = runCli(["fit", "/nonexistent/model.safetensors", REAL_MODEL, "--format", "jsonl"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("/nonexistent/model.safetensors: no such file or directory");
    expect(run.stdout.trim().split("\n")).toHaveLength(2);
  });

  it("formats are recognised by content; a suggestive name only sharpens the error", () => {
    const dir = mkdtempSync(join(tmpdir(), "jaynes-cli-"));
    const anonymous = join(dir, "weights.bin");
    writeFileSync(anonymous, "hello, this is not a model");
    const unknown = runCli(["fit", anonymous]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("content matches no supported format");
    const named = join(dir, "model.safetensors");
    writeFileSync(named, "hello, this is not a model");
    const precise = runCli(["fit", named]);
    expect(precise.code).toBe(2);
    expect(precise.stderr).toContain("header length");
    // A real safetensors file is recognised whatever it is called.
    const renamed = join(dir, "checkpoint.data");
    writeFileSync(renamed, readFileSync(REAL_MODEL));
    expect(runCli(["fit", renamed]).code).toBe(0);
  });

  it("usage errors exit 1; --help exits 0 with examples", () => {
    expect(runCli(["fit", REAL_MODEL, "--bins", "zero"]).code).toBe(1);
    expect(runCli(["fit", REAL_MODEL, "--format", "xml"]).code).toBe(1);
    expect(runCli(["fit"]).code).toBe(1);
    expect(runCli(["frobnicate"]).code).toBe(1);
    const help = runCli(["fit", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Examples:");
    expect(help.stdout).toContain("Exit codes");
  });

  it("FORCE_COLOR colours the table; NO_COLOR wins", () => {
    expect(runCli(["fit", REAL_MODEL], { NO_COLOR: "", FORCE_COLOR: "1" }).stdout).toMatch(/\u001b\[/);
    expect(runCli(["fit", REAL_MODEL], { NO_COLOR: "1", FORCE_COLOR: "1" }).stdout).not.toMatch(/\u001b\[/);
  });

  it("the library API is importable from the package root", async () => {
    const api = await import("jaynes");
    expect(typeof api.analyzeFile).toBe("function");
    expect(typeof api.fitLognormal).toBe("function");
    expect(existsSync(REAL_MODEL)).toBe(true);
  });
});
