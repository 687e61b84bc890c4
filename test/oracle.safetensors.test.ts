/** The real check of the core: safetensors models of ../shared/real against scipy's MINPACK fits. */
import { describe, expect, it } from "vitest";
import { analyzeFile } from "../src/index.js";
import { HAVE_SHARED, SHARED_REAL, expectOracleMatch, loadOracle } from "./helpers/oracle.js";

const cases = [
  { file: "faceres-deep.safetensors", oracle: "faceres-deep.safetensors" },
  { file: "mnist-mlp/ckpt_epoch00.safetensors", oracle: "mnist-mlp_ckpt_epoch00.safetensors" },
  { file: "mnist-mlp/ckpt_epoch10.safetensors", oracle: "mnist-mlp_ckpt_epoch10.safetensors" },
];

describe.skipIf(!HAVE_SHARED)("oracle: safetensors (skipped when ../shared/real is absent)", () => {
  for (const { file, oracle } of cases) {
    it(`${file} matches scipy within METHOD tolerances`, async () => {
      const result = await analyzeFile(`${SHARED_REAL}${file}`);
      const expected = loadOracle(oracle);
      expectOracleMatch(file, result.layers, expected, true);
    });
  }

  it("uniform initialisation (epoch 0), where MINPACK gives up, is flagged rather than summarised", async () => {
    const result = await analyzeFile(`${SHARED_REAL}mnist-mlp/ckpt_epoch00.safetensors`);
    for (const layer of result.layers) expect(layer.flags.length).toBeGreaterThan(0);
    expect(result.summary.layers).toBe(0);
  });
});
