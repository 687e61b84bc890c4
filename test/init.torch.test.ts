/**
 * The reference check of `jaynes init`'s output: PyTorch loads it with `safetensors.torch.load_file`
 * and `load_state_dict(strict=True)` into the architecture it came from (the MNIST MLP), in F32 and
 * BF16, and holds the values jaynes wrote. Optional: it needs a Python with torch and safetensors —
 * `JAYNES_PYTHON`, else `python3` — and skips with a message otherwise. The JS checks of the format
 * (test/init.test.ts, the strict reader) run everywhere.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GENERATED, REAL_MODEL, realTensors } from "./fixtures/make.js";
import { runCli } from "./helpers/cli.js";

const PYTHON = process.env.JAYNES_PYTHON ?? "python3";
const HAVE_TORCH = spawnSync(PYTHON, ["-c", "import torch, safetensors.torch"], { encoding: "utf8" }).status === 0;

const LOAD = `
import json, sys, torch
from safetensors.torch import load_file
path, dtype, bias = sys.argv[1], getattr(torch, sys.argv[2]), sys.argv[3] == "bias"
model = torch.nn.Sequential(torch.nn.Linear(784, 256, bias=bias), torch.nn.ReLU(), torch.nn.Linear(256, 128, bias=bias), torch.nn.ReLU(), torch.nn.Linear(128, 10, bias=bias)).to(dtype)
state = load_file(path)
result = model.load_state_dict(state, strict=True)
out = model(torch.zeros(1, 784, dtype=dtype))
print(json.dumps({
  "missing": list(result.missing_keys), "unexpected": list(result.unexpected_keys),
  "dtypes": {k: str(v.dtype) for k, v in model.state_dict().items()},
  "first": {k: v.flatten()[:5].float().tolist() for k, v in model.state_dict().items()},
  "absmax": {k: v.abs().max().float().item() for k, v in model.state_dict().items()},
  "output": list(out.shape),
}))
`;

interface Loaded {
  missing: string[];
  unexpected: string[];
  dtypes: Record<string, string>;
  first: Record<string, number[]>;
  absmax: Record<string, number>;
  output: number[];
}

function load(path: string, dtype: "float32" | "bfloat16", bias: boolean): Loaded {
  const run = spawnSync(PYTHON, ["-c", LOAD, path, dtype, bias ? "bias" : "nobias"], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`python failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Loaded;
}

describe.skipIf(!HAVE_TORCH)(`PyTorch loads what jaynes init writes (${HAVE_TORCH ? PYTHON : "skipped: no Python with torch and safetensors; set JAYNES_PYTHON"})`, () => {
  const dir = mkdtempSync(join(tmpdir(), "jaynes-init-torch-"));

  it.each([
    ["float32", REAL_MODEL, true],
    ["bfloat16", `${GENERATED}dtypes/bf16.safetensors`, false],
  ] as const)("%s: load_state_dict(strict=True) into the MNIST MLP, values as written", (dtype, like, bias) => {
    const path = join(dir, `${dtype}.safetensors`);
    const init = runCli(["init", "--like", like, "-o", path, "--seed", "3", "--quiet"]);
    expect(init.code).toBe(0);
    const loaded = load(path, dtype, bias);
    expect([loaded.missing, loaded.unexpected]).toEqual([[], []]);
    expect(loaded.output).toEqual([1, 10]);
    const written = new Map(realTensors(path).map((tensor) => [tensor.name, tensor]));
    for (const [name, values] of Object.entries(loaded.first)) {
      const tensor = written.get(name)!;
      expect(loaded.dtypes[name]).toBe(`torch.${dtype}`);
      const decoded = tensor.dtype === "F32" ? Array.from(new Float32Array(tensor.data.slice(0, 20).buffer)) : Array.from(new Uint16Array(tensor.data.slice(0, 10).buffer), (bits) => new Float32Array(new Uint32Array([bits << 16]).buffer)[0]!);
      expect(values).toEqual(decoded);
    }
  });
});
