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
