/** Option parsers shared by commands: a bad value is a usage error (exit 1) with the option's name. */
import { InvalidArgumentError } from "commander";

export function integerOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const parsed = Number(value.replace(/_/g, ""));
    if (!/^\s*[0-9][0-9_]*\s*$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    }
    return parsed;
  };
}

export function choiceOption<T extends string>(name: string, choices: readonly T[]): (value: string) => T {
  return (value) => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new InvalidArgumentError(`${name} must be one of: ${choices.join(", ")}.`);
  };
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A finite number > 0 (e.g. 1e-3, 0.25). */
export function positiveNumberOption(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === "" || !Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError(`${name} must be a number greater than 0.`);
    return parsed;
  };
}

/** A finite number within [min, max]. */
export function numberOption(name: string, min = -Infinity, max = Infinity): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === "" || !Number.isFinite(parsed) || parsed < min || parsed > max) {
      const bounds = Number.isFinite(min) && Number.isFinite(max) ? ` from ${min} to ${max}` : Number.isFinite(min) ? ` of at least ${min}` : Number.isFinite(max) ? ` of at most ${max}` : "";
      throw new InvalidArgumentError(`${name} must be a number${bounds}.`);
    }
    return parsed;
  };
}

/** "a:b" with either side optional ("0.2:", ":1.5"), a ≤ b; at least one bound. */
export function rangeOption(name: string): (value: string) => { min: number | null; max: number | null } {
  return (value) => {
    const match = /^\s*([^:]*?)\s*:\s*([^:]*?)\s*$/.exec(value);
    const bound = (text: string | undefined): number | null | undefined => (text === undefined || text === "" ? null : Number.isFinite(Number(text)) ? Number(text) : undefined);
    const min = bound(match?.[1]);
    const max = bound(match?.[2]);
    if (!match || min === undefined || max === undefined || (min === null && max === null) || (min !== null && max !== null && min > max)) {
      throw new InvalidArgumentError(`${name} must be MIN:MAX with MIN ≤ MAX, either side may be left out (e.g. 0.2:1.5, :1.5, 0.2:).`);
    }
    return { min, max };
  };
}

/** `--timeout SECONDS`: a number ≥ 0; 0 means no limit (returned as undefined). */
export function timeoutOption(value: string): number | undefined {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError("--timeout must be a number of seconds ≥ 0 (0: no limit).");
  return parsed === 0 ? undefined : parsed;
}

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** A size in bytes: a number with an optional unit, B, KB, MB, GB, TB (powers of 1000) or KiB … TiB (of 1024). */
export function byteSizeOption(name: string): (value: string) => number {
  return (value) => {
    const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)\s*$/i.exec(value);
    const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
    const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN;
    if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new InvalidArgumentError(`${name} must be a size such as 5GB, 500MB, 2GiB or a number of bytes.`);
    return bytes;
  };
}
