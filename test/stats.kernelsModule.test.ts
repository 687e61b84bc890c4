/**
 * The WebAssembly kernels are committed prebuilt (src/stats/kernelsModule.ts, so neither the build
 * nor a git install needs wabt): the committed bytes must be exactly what kernels.wat assembles to.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assembleKernels, kernelsModuleSource } from "../scripts/build-wasm.mjs";
import { kernelsWasm } from "../src/stats/kernels.js";

describe("the committed WebAssembly module", () => {
  it("is what src/stats/kernels.wat assembles to (run `npm run build:wasm` after editing kernels.wat)", async () => {
    const assembled = await assembleKernels();
    expect(Buffer.from(kernelsWasm()).equals(assembled)).toBe(true);
    expect(readFileSync(new URL("../src/stats/kernelsModule.ts", import.meta.url), "utf8")).toBe(kernelsModuleSource(assembled));
  });

  it("is found by content, not by a file beside the code", () => {
    expect(readFileSync(new URL("../src/stats/kernels.ts", import.meta.url), "utf8")).not.toMatch(/import\.meta\.url|readFileSync/);
    expect(() => new WebAssembly.Module(kernelsWasm())).not.toThrow();
  });
});
