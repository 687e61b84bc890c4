/**
 * Byte-level mutations for the fuzzer, driven by a seeded generator (the same seed gives the same
 * files). Most mutations aim at a file's structural region (`hot` bytes from the start: headers,
 * tables, directories), where a changed byte changes what the reader believes; the rest land
 * anywhere (tensor data, trailing structures such as a zip's central directory).
 */
export type Random = () => number;

const INTERESTING_8 = [0x00, 0x01, 0x7f, 0x80, 0xff];
const INTERESTING_32 = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x10000];
const INTERESTING_64 = [0n, 1n, 2n ** 31n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 64n - 1n];

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const below = (random: Random, n: number): number => Math.floor(random() * Math.max(1, n));

/** A position: inside the hot region 80 % of the time. */
function position(random: Random, length: number, hot: number): number {
  const region = random() < 0.8 ? Math.min(length, Math.max(1, hot)) : length;
  return below(random, region);
}

export interface Mutation {
  name: string;
  apply(bytes: Uint8Array, random: Random, hot: number): Uint8Array;
}

const copy = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes);

export const MUTATIONS: readonly Mutation[] = [
  {
    name: "flip-bit",
    apply(bytes, random, hot) {
      const out = copy(bytes);
      const at = position(random, out.length, hot);
      out[at]! ^= 1 << below(random, 8);
      return out;
    },
  },
  {
    name: "flip-bits",
    apply(bytes, random, hot) {
      const out = copy(bytes);
      for (let n = 2 + below(random, 7); n > 0; n--) out[position(random, out.length, hot)]! ^= 1 << below(random, 8);
      return out;
    },
  },
  {
    name: "set-byte",
    apply(bytes, random, hot) {
      const out = copy(bytes);
      out[position(random, out.length, hot)] = pick(random, INTERESTING_8);
      return out;
    },
  },
  {
    name: "set-u32",
    apply(bytes, random, hot) {
      const out = copy(bytes);
      const at = Math.min(position(random, out.length, hot) & ~3, Math.max(0, out.length - 4));
      if (out.length >= 4) new DataView(out.buffer).setUint32(at, random() < 0.8 ? pick(random, INTERESTING_32) : below(random, 2 ** 32), true);
      return out;
    },
  },
  {
    name: "set-u64",
    apply(bytes, random, hot) {
      const out = copy(bytes);
      const at = Math.min(position(random, out.length, hot) & ~7, Math.max(0, out.length - 8));
      if (out.length >= 8) new DataView(out.buffer).setBigUint64(at, pick(random, INTERESTING_64), true);
      return out;
    },
  },
  {
    name: "truncate",
    apply(bytes, random, hot) {
      return bytes.slice(0, position(random, bytes.length, hot * 2));
    },
  },
  {
    name: "zero-run",
    apply(bytes, random, hot) {
      const out = copy(bytes);
      const at = position(random, out.length, hot);
      out.fill(0, at, Math.min(out.length, at + 1 + below(random, 64)));
      return out;
    },
  },
  {
    name: "copy-run",
    apply(bytes, random, hot) {
      const out = copy(bytes);
      const from = position(random, out.length, hot);
      const to = position(random, out.length, hot);
      const length = Math.min(1 + below(random, 32), out.length - from, out.length - to);
      out.copyWithin(to, from, from + length);
      return out;
    },
  },
  {
    name: "delete-run",
    apply(bytes, random, hot) {
      const at = position(random, bytes.length, hot);
      const length = 1 + below(random, 16);
      const out = new Uint8Array(Math.max(0, bytes.length - length));
      out.set(bytes.subarray(0, at));
      out.set(bytes.subarray(at + length), at);
      return out.subarray(0, Math.min(out.length, bytes.length - length));
    },
  },
  {
    name: "insert-run",
    apply(bytes, random, hot) {
      const at = position(random, bytes.length, hot);
      const inserted = Uint8Array.from({ length: 1 + below(random, 16) }, () => (random() < 0.5 ? pick(random, INTERESTING_8) : below(random, 256)));
      const out = new Uint8Array(bytes.length + inserted.length);
      out.set(bytes.subarray(0, at));
      out.set(inserted, at);
      out.set(bytes.subarray(at), at + inserted.length);
      return out;
    },
  },
  {
    name: "append",
    apply(bytes, random) {
      const tail = Uint8Array.from({ length: 1 + below(random, 4096) }, () => below(random, 256));
      const out = new Uint8Array(bytes.length + tail.length);
      out.set(bytes);
      out.set(tail, bytes.length);
      return out;
    },
  },
];

/** 1–3 mutations chosen by the generator; returns the bytes and the names applied. */
export function mutate(bytes: Uint8Array, random: Random, hot: number): { bytes: Uint8Array; applied: string[] } {
  let out = bytes;
  const applied: string[] = [];
  for (let n = 1 + (random() < 0.3 ? below(random, 3) : 0); n > 0; n--) {
    const mutation = pick(random, MUTATIONS);
    out = mutation.apply(out, random, hot);
    applied.push(mutation.name);
  }
  return { bytes: out, applied };
}
