/** Number formatting for human-readable tables (machine formats keep full precision). */

export function fixed(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  return value.toFixed(digits);
}

export function significant(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e6) return Number(value.toPrecision(digits)).toString();
  return value.toExponential(digits - 1);
}

export function meanSd(mean: number | null, sd: number | null, digits: number): string {
  if (mean === null) return "—";
  return sd === null ? fixed(mean, digits) : `${fixed(mean, digits)} ± ${fixed(sd, digits)}`;
}

/** "−2.083 ± 0.681 (SE 0.197)": mean ± sd and the standard error of the mean. */
export function meanSdSe(value: { mean: number | null; sd: number | null; se?: number | null }, digits: number): string {
  const text = meanSd(value.mean, value.sd, digits);
  return value.se === null || value.se === undefined ? text : `${text} (SE ${fixed(value.se, digits)})`;
}

/** "−2.223 ± 0.092": a value and its standard error (— for a missing SE). */
export function withSe(value: number | null | undefined, se: number | null | undefined, digits: number): string {
  return se === null || se === undefined || !Number.isFinite(se) ? fixed(value, digits) : `${fixed(value, digits)} ± ${fixed(se, digits)}`;
}

export function bytes(count: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = count;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function integer(value: number): string {
  return value.toLocaleString("en-US");
}

export function shape(dims: readonly number[]): string {
  return dims.length === 0 ? "scalar" : dims.join("×");
}

/** "1 model", "3 models" (nouns with a plain -s plural). */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
