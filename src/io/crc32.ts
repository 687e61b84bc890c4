/**
 * CRC-32 (ISO-HDLC, the zip and gzip checksum): node:zlib's native `crc32` for bytes, and
 * `crc32Combine` — the CRC of a concatenation from the CRCs of its parts (zlib's crc32_combine, by
 * multiplication modulo the polynomial in GF(2)) — so that parts read in parallel, in any order, are
 * checked without a second pass over the data.
 */
import { crc32 as nativeCrc32 } from "node:zlib";
import { InputError } from "../errors.js";

/** The reflected CRC-32 polynomial. */
const POLY = 0xedb88320;

/** CRC-32 of `bytes`, continuing from `previous` (0 to start). */
export function crc32(bytes: Uint8Array, previous = 0): number {
  return nativeCrc32(bytes, previous) >>> 0;
}

/** a(x)·b(x) mod p(x), both reflected (zlib's multmodp). */
function multiplyModP(a: number, b: number): number {
  let m = 0x80000000;
  let product = 0;
  for (;;) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) mod p(x) for k = 0 … 31 (the sequence repeats with period 32 on the exponents used). */
const POWERS = (() => {
  const table = new Array<number>(32);
  let p = 0x40000000; // x^1
  table[0] = p;
  for (let k = 1; k < 32; k++) table[k] = p = multiplyModP(p, p);
  return table;
})();

/** x^(n·2^k) mod p(x) (zlib's x2nmodp), for n up to 2^53. */
function powerModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  while (n > 0) {
    if (n % 2 === 1) p = multiplyModP(POWERS[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** CRC-32 of A followed by B, from crc(A), crc(B) and B's length in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multiplyModP(powerModP(lengthB, 3), crcA) ^ crcB) >>> 0;
}

/** A CRC-32 of bytes [start, end) of some stream, to be combined with its neighbours. */
export interface CrcPart {
  start: number;
  end: number;
  crc: number;
}

/** The CRC-32 of [from, to) from parts that tile it exactly, or undefined when they do not. */
export function combineParts(parts: readonly CrcPart[], from: number, to: number): number | undefined {
  const sorted = [...parts].sort((a, b) => a.start - b.start);
  let crc = 0;
  let position = from;
  for (const part of sorted) {
    if (part.start !== position) return undefined;
    crc = crc32Combine(crc, part.crc, part.end - part.start);
    position = part.end;
  }
  return position === to ? crc : undefined;
}

/** Throw the one-line error for a zip member whose content does not have its declared CRC-32. */
export function assertMemberCrc(file: string, member: string, declared: number, computed: number): void {
  if (declared >>> 0 === computed >>> 0) return;
  const hex = (value: number): string => `0x${(value >>> 0).toString(16).padStart(8, "0")}`;
  throw new InputError("malformed", file, `zip member ${JSON.stringify(member)}: CRC-32 ${hex(computed)} of its content differs from the ${hex(declared)} its entry declares (damaged data)`);
}
