/**
 * The steps of tracked weights, d_i(t) = w_i(t+1) − w_i(t), and their per-weight scale (METHOD §6).
 * Everything the dynamics measure is a function of these steps: the distribution of |d| pooled over
 * weights, and the spectrum of w (from the spectrum of d, spectrum.ts).
 *
 * Standardisation (`--standardize`) divides each weight's steps by its own RMS step
 * r_i = √(mean_t d_i(t)²) before pooling: a pooled power law that survives it belongs to the steps of
 * individual weights, one that vanishes came from mixing weights with different step scales. A
 * weight that never moved (r_i = 0) has no scale and is left out of the standardised analysis.
 */

export interface TrackedSteps {
  /** Series (tracked weights). */
  count: number;
  /** Steps per series (checkpoints − 1). */
  length: number;
  /** Signed steps, series after series: count × length. */
  values: Float64Array;
  /** RMS step of each series. */
  rms: Float64Array;
  /** "raw", or "standardized" (each series divided by its RMS step). */
  scaling: StepScaling;
  /** Series left out because they never moved (standardised only). */
  static: number;
}

/** The steps as they are (`raw`), or each weight's steps divided by its own RMS step (`standardized`). */
export type StepScaling = "raw" | "standardized";

/** Steps of `count` series of `length` values stored series after series. */
export function trackedSteps(values: Float64Array, count: number, length: number): TrackedSteps {
  const steps = Math.max(0, length - 1);
  const out = new Float64Array(count * steps);
  const rms = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const offset = i * length;
    let squares = 0;
    for (let t = 0; t < steps; t++) {
      const d = values[offset + t + 1]! - values[offset + t]!;
      out[i * steps + t] = d;
      squares += d * d;
    }
    rms[i] = steps > 0 ? Math.sqrt(squares / steps) : 0;
  }
  return { count, length: steps, values: out, rms, scaling: "raw", static: 0 };
}

/** Each series divided by its RMS step; series that never moved are dropped. */
export function standardizeSteps(steps: TrackedSteps): TrackedSteps {
  if (steps.scaling === "standardized") return steps;
  const keep: number[] = [];
  for (let i = 0; i < steps.count; i++) if (steps.rms[i]! > 0) keep.push(i);
  const L = steps.length;
  const values = new Float64Array(keep.length * L);
  keep.forEach((i, j) => {
    const scale = 1 / steps.rms[i]!;
    for (let t = 0; t < L; t++) values[j * L + t] = steps.values[i * L + t]! * scale;
  });
  return { count: keep.length, length: L, values, rms: new Float64Array(keep.length).fill(1), scaling: "standardized", static: steps.count - keep.length };
}

/** The steps in the requested scaling. */
export function stepsWithScaling(raw: TrackedSteps, scaling: StepScaling): TrackedSteps {
  return scaling === "standardized" ? standardizeSteps(raw) : raw;
}

/** Series after series, concatenated (all layers pooled; equal lengths). */
export function concatSteps(parts: TrackedSteps[]): TrackedSteps {
  const length = parts[0]?.length ?? 0;
  const count = parts.reduce((sum, p) => sum + p.count, 0);
  const values = new Float64Array(count * length);
  const rms = new Float64Array(count);
  let at = 0;
  for (const part of parts) {
    values.set(part.values, at * length);
    rms.set(part.rms, at);
    at += part.count;
  }
  return { count, length, values, rms, scaling: parts[0]?.scaling ?? "raw", static: parts.reduce((sum, p) => sum + p.static, 0) };
}

/** |d| of every step (zeros included). */
export function absoluteSteps(steps: TrackedSteps): Float64Array {
  const out = new Float64Array(steps.values.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.abs(steps.values[i]!);
  return out;
}

/** Smallest, median and largest RMS step over the series that moved (null when none moved). */
export function rmsStepSummary(steps: TrackedSteps): { min: number; median: number; max: number; static: number } | null {
  const moved = Float64Array.from(Array.from(steps.rms).filter((r) => r > 0)).sort();
  if (moved.length === 0) return null;
  return { min: moved[0]!, median: moved[Math.floor(moved.length / 2)]!, max: moved[moved.length - 1]!, static: steps.count - moved.length };
}
