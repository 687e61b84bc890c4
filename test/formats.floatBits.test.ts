/** Narrow floats decode bit-exactly, including subnormals, signed zeros, infinities and NaN. */
import { describe, expect, it } from "vitest";
import {
  bfloat16Bits,
  bfloat16FromBits,
  float16Bits,
  float16FromBits,
  float32Bits,
  float8E4M3FnuzFromBits,
  float8E4M3FromBits,
  float8E5M2FnuzFromBits,
  float8E5M2FromBits,
} from "../src/decode/floatBits.js";
import { mulberry32 } from "./helpers/random.js";

describe("binary16", () => {
  it.each([
    [0x0000, 0],
    [0x8000, -0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x7bff, 65504],
    [0x0001, 2 ** -24], // smallest subnormal
    [0x03ff, 1023 * 2 ** -24], // largest subnormal
    [0x0400, 2 ** -14], // smallest normal
    [0x3555, 0.333251953125],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ])("pattern %i", (bits, value) => {
    expect(Object.is(float16FromBits(bits), value)).toBe(true);
  });
  it("NaN patterns", () => {
    expect(float16FromBits(0x7e00)).toBeNaN();
    expect(float16FromBits(0xfc01)).toBeNaN();
  });
  it("agrees with Math.f16round-free reference: every finite pattern round-trips through float32", () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = float16FromBits(bits);
      if (Number.isFinite(value)) expect(Math.fround(value)).toBe(value);
    }
  });
});

describe("bfloat16", () => {
  it("is the top half of binary32", () => {
    for (const value of [1, -2.5, 3.140625, 2 ** -126, -0]) {
      expect(Object.is(bfloat16FromBits(float32Bits(value) >>> 16), value)).toBe(true);
    }
    expect(bfloat16FromBits(0x7f80)).toBe(Infinity);
    expect(bfloat16FromBits(0x7fc0)).toBeNaN();
    expect(bfloat16FromBits(0x0001)).toBe(2 ** -133); // subnormal
  });
});

describe("FP8", () => {
  it("E4M3 (OCP, FN): bias 7, max 448, S.1111.111 is NaN, no infinities", () => {
    expect(float8E4M3FromBits(0x7e)).toBe(448);
    expect(float8E4M3FromBits(0x7f)).toBeNaN();
    expect(float8E4M3FromBits(0xff)).toBeNaN();
    expect(float8E4M3FromBits(0x78)).toBe(256); // exponent 15 is a normal number
    expect(float8E4M3FromBits(0x01)).toBe(2 ** -9); // smallest subnormal
    expect(float8E4M3FromBits(0x38)).toBe(1);
    expect(Object.is(float8E4M3FromBits(0x80), -0)).toBe(true);
  });
  it("E5M2: IEEE-like, bias 15", () => {
    expect(float8E5M2FromBits(0x7b)).toBe(57344);
    expect(float8E5M2FromBits(0x7c)).toBe(Infinity);
    expect(float8E5M2FromBits(0xfc)).toBe(-Infinity);
    expect(float8E5M2FromBits(0x7d)).toBeNaN();
    expect(float8E5M2FromBits(0x01)).toBe(2 ** -16);
    expect(float8E5M2FromBits(0x3c)).toBe(1);
  });
  it("FNUZ variants: 0x80 is the only NaN, bias one larger", () => {
    expect(float8E4M3FnuzFromBits(0x80)).toBeNaN();
    expect(float8E4M3FnuzFromBits(0x7f)).toBe(240);
    expect(float8E4M3FnuzFromBits(0x40)).toBe(1);
    expect(float8E5M2FnuzFromBits(0x80)).toBeNaN();
    expect(float8E5M2FnuzFromBits(0x7f)).toBe(57344);
    expect(float8E5M2FnuzFromBits(0x40)).toBe(1);
  });
});

describe("encoding doubles as binary16 and bfloat16 (round to nearest, ties to even)", () => {
  /** The reference: the nearest finite non-negative value by search over all patterns, ties to even. */
  function nearest(decode: (bits: number) => number, value: number): number {
    const magnitude = Math.abs(value);
    let best = -1;
    let bestDistance = Infinity;
    let low = 0;
    let high = 0x7fff;
    // Non-negative finite patterns are ordered like their values: binary search for the bracket.
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (Number.isFinite(decode(mid)) && decode(mid) <= magnitude) low = mid;
      else high = mid - 1;
    }
    for (const candidate of [low, low + 1]) {
      const candidateValue = decode(candidate);
      if (Number.isNaN(candidateValue)) continue;
      const distance = Math.abs(candidateValue - magnitude);
      if (distance < bestDistance || (distance === bestDistance && (candidate & 1) === 0)) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return (value < 0 || Object.is(value, -0) ? 0x8000 : 0) | best;
  }
  const nextUp = (x: number): number => {
    const f = new Float64Array([x]);
    const u = new BigUint64Array(f.buffer);
    u[0] = u[0]! + (x >= 0 ? 1n : -1n);
    return f[0]!;
  };
  const nextDown = (x: number): number => -nextUp(-x);

  for (const [name, encode, decode] of [
    ["binary16", float16Bits, float16FromBits],
    ["bfloat16", bfloat16Bits, bfloat16FromBits],
  ] as const) {
    it(`${name}: midpoints, their neighbours and random doubles`, () => {
      const random = mulberry32(7);
      const failures: string[] = [];
      const check = (value: number): void => {
        const expected = nearest(decode, value);
        const got = encode(value);
        if (got !== expected && failures.length < 5) failures.push(`${value}: got ${got.toString(16)}, expected ${expected.toString(16)}`);
      };
      for (let i = 0; i < 20_000; i++) {
        const pattern = Math.floor(random() * 0x7bff);
        const a = decode(pattern);
        const b = decode(pattern + 1);
        if (!Number.isFinite(b)) continue;
        const mid = (a + b) / 2; // exact: one more bit than either
        for (const value of [mid, nextUp(mid), nextDown(mid), -mid, a, b, a + (b - a) * random()]) check(value);
        // Doubles that round to exactly the midpoint in binary32 but are not on it.
        check(mid + mid * 2 ** -40);
        check(mid - mid * 2 ** -40);
      }
      expect(failures).toEqual([]);
    });
  }

  it("overflow, underflow, signed zero and NaN", () => {
    expect(float16Bits(65504)).toBe(0x7bff);
    expect(float16Bits(65519.99)).toBe(0x7bff);
    expect(float16Bits(65520)).toBe(0x7c00); // the midpoint to the next (infinite) step rounds to even: Inf
    expect(float16Bits(1e10)).toBe(0x7c00);
    expect(float16Bits(-1e10)).toBe(0xfc00);
    expect(float16Bits(2 ** -25)).toBe(0); // a tie between 0 and the smallest subnormal: even
    expect(float16Bits(2 ** -25 * (1 + 2 ** -30))).toBe(1);
    expect(float16Bits(-0)).toBe(0x8000);
    expect(float16FromBits(float16Bits(NaN))).toBeNaN();
    expect(bfloat16Bits(-0)).toBe(0x8000);
    expect(bfloat16Bits(1)).toBe(0x3f80);
    expect(bfloat16Bits(3.5e38)).toBe(0x7f80);
    expect(bfloat16FromBits(bfloat16Bits(NaN))).toBeNaN();
  });
});
