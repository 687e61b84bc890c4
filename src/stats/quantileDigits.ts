/**
 * The exact Q-quantile of |w| for float tensors too large to hold (`--normalize quantile:Q`,
 * METHOD §2.1), with bounded memory: |w| as an unsigned bit pattern orders like the value, so the
 * quantile's pattern is found one 16-bit digit at a time, most significant first. Each pass counts
 * the next digit over the values whose leading digits equal those already fixed (65,536 counters),
 * and the rank fixes that digit. F32 patterns have 2 digits (the first is pass 1's bucket table),
 * F64 patterns 4. Non-finite values are not counted.
 */
export const DIGIT_VALUES = 65536;

/** The 16-bit digits of |value|'s pattern, most significant first; undefined for NaN/±Inf. */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new Uint32Array(f64.buffer);

/** Add 1 to counts[next digit] for every finite value whose leading digits are `prefix`. */
export function countNextDigit(values: Float32Array | Float64Array, prefix: readonly number[], counts: Float64Array): void {
  const depth = prefix.length;
  if (values instanceof Float32Array) {
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    const want = prefix[0] ?? 0;
    for (let i = 0; i < bits.length; i++) {
      const a = bits[i]! & 0x7fffffff;
      if (a >= 0x7f800000) continue;
      if (depth === 0) counts[a >>> 16]!++;
      else if (a >>> 16 === want) counts[a & 0xffff]!++;
    }
    return;
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    f64[0] = Math.abs(v);
    const hi = u64[1]!;
    const lo = u64[0]!;
    const digits = [hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff];
    let match = true;
    for (let d = 0; d < depth; d++) if (digits[d] !== prefix[d]) match = false;
    if (match) counts[digits[depth]!]!++;
  }
}

/** Pick the digit holding the value of 1-based `rank` among the counted values; returns it and the count below it. */
export function pickDigit(counts: Float64Array, rank: number): { digit: number; below: number } {
  let seen = 0;
  for (let digit = 0; digit < counts.length; digit++) {
    if (seen + counts[digit]! >= rank) return { digit, below: seen };
    seen += counts[digit]!;
  }
  return { digit: counts.length - 1, below: seen - counts[counts.length - 1]! };
}

/** The value of a full digit sequence (2 digits: F32, 4: F64). */
export function valueOfDigits(digits: readonly number[]): number {
  if (digits.length === 2) {
    u32[0] = ((digits[0]! << 16) | digits[1]!) >>> 0;
    return f32[0]!;
  }
  u64[1] = ((digits[0]! << 16) | digits[1]!) >>> 0;
  u64[0] = ((digits[2]! << 16) | digits[3]!) >>> 0;
  return f64[0]!;
}
