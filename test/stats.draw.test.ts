/** The pieces of `jaynes init`'s draw: Philox, portable exp/log, the normal quantile, dtype rounding. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type DrawSpec, acceptance, drawValues, pinnedIndex, streamOf, truncatedMeanSquare } from "../src/stats/lognormalDraw.js";
import { normalQuantile } from "../src/stats/normalQuantile.js";
import { logNormalUpperTail } from "../src/stats/normalTail.js";
import { philox4x32, uniform52 } from "../src/stats/philox.js";
import { portableExp, portableLog } from "../src/stats/portableMath.js";
import { mulberry32 } from "./helpers/random.js";

const hex = (words: Uint32Array): string[] => Array.from(words, (w) => w.toString(16).padStart(8, "0"));

describe("Philox4x32-10", () => {
  it("gives Random123's known answers", () => {
    const out = new Uint32Array(4);
    philox4x32(0, 0, 0, 0, 0, 0, out);
    expect(hex(out)).toEqual(["6627e8d5", "e169c58d", "bc57ac4c", "9b00dbd8"]);
    philox4x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, out);
    expect(hex(out)).toEqual(["408f276d", "41c83b0e", "a20bc7c6", "6d5451fd"]);
    philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
    expect(hex(out)).toEqual(["d16cfe09", "94fdcceb", "5001e420", "24126ea1"]);
  });

  it("makes uniforms strictly inside (0, 1) with mean ½", () => {
    expect(uniform52(0, 0)).toBeGreaterThan(0);
    expect(uniform52(0xffffffff, 0xffffffff)).toBeLessThan(1);
    const out = new Uint32Array(4);
    let sum = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      philox4x32(i, 0, 0, 0, 7, 0, out);
      sum += uniform52(out[0]!, out[1]!);
    }
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(4 / Math.sqrt(12 * n));
  });
});

describe("portable exp and log", () => {
  it("agree with V8's Math.exp and Math.log bit for bit (both are fdlibm)", () => {
    const random = mulberry32(1);
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    let mismatches = 0;
    for (let i = 0; i < 200_000; i++) {
      const wide = (random() - 0.5) * 1500;
      const narrow = (random() - 0.5) * 60;
      if (!Object.is(portableExp(wide), Math.exp(wide))) mismatches++;
      if (!Object.is(portableExp(narrow), Math.exp(narrow))) mismatches++;
      words[0] = (random() * 4294967296) >>> 0;
      words[1] = (random() * 2147483648) >>> 0; // positive doubles of every exponent, subnormals included
      if (!Object.is(portableLog(bits[0]!), Math.log(bits[0]!))) mismatches++;
      const unit = random();
      if (!Object.is(portableLog(unit), Math.log(unit))) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it("handles the special values as Math does", () => {
    for (const x of [0, -0, 1, -1, 2, 0.5, Infinity, -Infinity, NaN, 709.78, 709.79, -745.1, -745.2, 1e-300, 5e-324, 2 ** -1022, Math.E, 1 + 2 ** -52, 1 - 2 ** -53, 1e-9, -1e-9]) {
      expect(portableExp(x)).toBe(Math.exp(x));
      expect(portableLog(x)).toBe(Math.log(x));
    }
  });
});

describe("normal quantile (AS 241)", () => {
  it("has Wichura's coefficients (his hash sums of the mantissas)", () => {
    const source = readFileSync(new URL("../src/stats/normalQuantile.ts", import.meta.url), "utf8");
    const sums: number[] = [];
    for (const [first, second] of [["A", "B"], ["C", "D"], ["E", "F"]] as const) {
      const coefficients = [first, second].flatMap((name) => {
        const match = new RegExp(`const ${name} = \\[([^\\]]+)\\]`).exec(source)!;
        const values = match[1]!.split(",").map(Number);
        return name === second ? values.slice(1) : values; // the leading 1 of each denominator is not a coefficient
      });
      sums.push(coefficients.reduce((sum, c) => sum + c / 10 ** Math.floor(Math.log10(c)), 0));
    }
    expect(sums[0]).toBeCloseTo(55.8831928806149014439, 10);
    expect(sums[1]).toBeCloseTo(49.33206503301610289036, 10);
    expect(sums[2]).toBeCloseTo(47.52583317549289671629, 10);
  });

  it("inverts Φ: relative error in p below 1e-12 from 1e-300 to 1 − 1e-10 (z·dz amplifies in the tails)", () => {
    const phi = (z: number): number => Math.exp(logNormalUpperTail(-z));
    for (const p of [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.02425, 0.075, 0.3, 0.5, 0.7, 0.925, 0.999, 1 - 1e-10]) {
      const z = normalQuantile(p);
      expect(Math.abs(phi(z) - p) / Math.min(p, 1 - p)).toBeLessThan(p > 1 - 1e-9 ? 1e-6 : 1e-12);
    }
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(-0.1)).toBeNaN();
  });
});

describe("drawing a layer from a truncated lognormal", () => {
  const muPlain = -1.98;
  const sigma = 0.62;
  const stream = streamOf("2.weight");
  const n = 200_000;
  const spec: DrawSpec = { muPlain, sigma, scale: 0.37, seed: 11, stream, pinned: pinnedIndex(11, stream, n) };
  const whole = new Float64Array(n);
  drawValues(spec, 0, whole);

  it("is a pure function of the element index: any split gives the same values", () => {
    for (const [from, to] of [[0, 1], [1, 2], [3, 1000], [999, 4096], [n - 7, n]] as const) {
      const part = new Float64Array(to - from);
      drawValues(spec, from, part);
      expect(Array.from(part)).toEqual(Array.from(whole.subarray(from, to)));
    }
  });

  it("pins one element to ±scale and keeps every other below it", () => {
    expect(Math.abs(whole[spec.pinned]!)).toBe(spec.scale);
    let max = 0;
    whole.forEach((value, i) => {
      if (i !== spec.pinned) max = Math.max(max, Math.abs(value));
    });
    expect(max).toBeLessThan(spec.scale);
    expect(pinnedIndex(11, stream, n)).toBe(spec.pinned);
    expect(pinnedIndex(12, stream, n)).not.toBe(spec.pinned);
  });

  it("follows LN(μ, σ²) truncated at 1 (Kolmogorov–Smirnov) with random signs", () => {
    const x = Float64Array.from(whole, (value) => Math.abs(value) / spec.scale).sort();
    const tail = acceptance(muPlain, sigma);
    const cdf = (v: number): number => Math.exp(logNormalUpperTail(-(Math.log(v) - muPlain) / sigma)) / tail;
    let d = 0;
    for (let i = 0; i < x.length; i++) {
      const f = cdf(x[i]!);
      d = Math.max(d, f - i / x.length, (i + 1) / x.length - f);
    }
    expect(d).toBeLessThan(1.63 / Math.sqrt(n)); // the 1 % critical value
    const negative = whole.reduce((count, value) => count + (value < 0 ? 1 : 0), 0);
    expect(Math.abs(negative / n - 0.5)).toBeLessThan(3 * Math.sqrt(0.25 / n));
    const meanSquare = x.reduce((sum, v) => sum + v * v, 0) / n;
    // Relative standard error of a mean of x²: √((e^{4σ²} − 1)/n) ≈ 0.004 here (the truncation lowers it).
    expect(Math.abs(meanSquare / truncatedMeanSquare(muPlain, sigma) - 1)).toBeLessThan(4 * Math.sqrt(Math.expm1(4 * sigma * sigma) / n));
  });

  it("takes the signs of a reference when given", () => {
    const negative = Uint8Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const out = new Float64Array(1000);
    drawValues(spec, 500, out, negative);
    out.forEach((value, i) => {
      expect(value < 0).toBe(i % 3 === 0);
      expect(Math.abs(value)).toBe(Math.abs(whole[500 + i]!));
    });
  });

  it("draws the tail again: with most of the mass above 1 every value is still ≤ 1", () => {
    const wide: DrawSpec = { ...spec, muPlain: 0.5, sigma: 0.3, pinned: -1 };
    expect(acceptance(0.5, 0.3)).toBeGreaterThan(0.04);
    const out = new Float64Array(10_000);
    drawValues(wide, 0, out);
    expect(Math.max(...Array.from(out, Math.abs))).toBeLessThanOrEqual(spec.scale);
  });

  it("gives the same bytes as when this test was written (platform- and version-independent)", () => {
    const digest = createHash("sha256").update(new Uint8Array(whole.buffer)).digest("hex");
    expect(digest).toBe("ccde210f6e863e62c12f7e88cc5598335b25bd174b15fb584a213a6c3c844ae7");
  });
});
