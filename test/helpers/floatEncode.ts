/** Round-to-nearest-even re-encodings of real F32 weights for fixtures (F16, BF16, OCP E4M3). */

/** The F32 values of little-endian bytes (copied, so any offset works). */
export function f32(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.slice().buffer);
}

export function toFloat16(value: number): number {
  const f = new Float32Array([value]);
  const x = new Uint32Array(f.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function toBfloat16(value: number): number {
  const x = new Uint32Array(new Float32Array([value]).buffer)[0]!;
  const rounding = 0x7fff + ((x >>> 16) & 1);
  return ((x + rounding) >>> 16) & 0xffff;
}

/** OCP E4M3 (bias 7, max 448, saturating) by search over the 256 codes: simple and exact. */
export function toFloat8E4M3(value: number, table: number[]): number {
  let best = 0;
  let bestError = Infinity;
  for (let code = 0; code < 256; code++) {
    const v = table[code]!;
    if (Number.isNaN(v)) continue;
    const error = Math.abs(v - value);
    if (error < bestError) {
      best = code;
      bestError = error;
    }
  }
  return best;
}

export function e4m3Table(): number[] {
  const table: number[] = [];
  for (let code = 0; code < 256; code++) {
    const sign = code & 0x80 ? -1 : 1;
    const e = (code >>> 3) & 0xf;
    const m = code & 7;
    if (e === 15 && m === 7) table.push(NaN);
    else if (e === 0) table.push(sign * (m / 8) * 2 ** -6);
    else table.push(sign * (1 + m / 8) * 2 ** (e - 7));
  }
  return table;
}

/** The values with their smaller half (by |w|) set to zero: a pruned layer for sparse fixtures. */
export function pruned(data: Uint8Array): Float32Array {
  const values = f32(data);
  const sorted = Float32Array.from(values, Math.abs).sort();
  const threshold = sorted[Math.floor(sorted.length / 2)]!;
  return values.map((v) => (Math.abs(v) < threshold ? 0 : v));
}

/** Each `size`-byte element's bytes reversed (little- ↔ big-endian). */
export function byteSwapped(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j]!;
  return out;
}

/** A row-major [rows, cols] matrix transposed: the same values in column-major order. */
export function transposed(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}
