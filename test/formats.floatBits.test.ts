/** Narrow floats decode bit-exactly, including subnormals, signed zeros, infinities and NaN. */
import { describe, expect, it } from "vitest";
import {
  bfloat16FromBits,
  float16FromBits,
  float32Bits,
  float8E4M3FnuzFromBits,
  float8E4M3FromBits,
  float8E5M2FnuzFromBits,
  float8E5M2FromBits,
} from "../src/decode/floatBits.js";

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
