/**
 * The per-unit view of a layer's outputs (METHOD §8): one value per neuron or channel, its mean |a|
 * over every input and every other position (spatial positions of a convolution, tokens of a
 * sequence). Accumulated batch by batch as float64 sums of |a| and counts per unit (the sums of
 * disjoint batches add, so the order of batches does not matter beyond float64 rounding); NaN/±Inf
 * values are left out of both and counted.
 */

import type { Kernels } from "../../stats/kernels.js";

/** How a layer's axes are read: the unit axis, resolved against the rank. */
export type UnitAxisSetting = "auto" | number;

/**
 * The unit axis of a value of rank `rank`: an explicit setting (negative counts from the end), or
 * `auto`: axis 1 for rank 2 ([samples, units]) and for channels-first layouts (ONNX's NCHW
 * convolutions, [N, C, L] sequences of Conv1d), the last axis otherwise ([N, T, D] of a
 * transformer). Undefined for rank < 2: a value that is one number per sample has no units.
 */
export function unitAxisFor(rank: number, channelsFirst: boolean, setting: UnitAxisSetting): number | undefined {
  if (setting !== "auto") {
    const axis = setting < 0 ? rank + setting : setting;
    return axis >= 0 && axis < rank ? axis : undefined;
  }
  if (rank < 2) return undefined;
  return rank === 2 || channelsFirst ? 1 : rank - 1;
}

export class UnitMeans {
  private sums: Float64Array | undefined;
  /** Non-finite values per unit (left out of its mean). */
  private skipped: Float64Array | undefined;
  /** Values per unit so far, finite or not. */
  private perUnit = 0;
  /** Why the per-unit view is not available, once known. */
  problem: string | undefined;
  nonfinite = 0;

  constructor(readonly axis: number | undefined) {
    if (axis === undefined) this.problem = "one value per sample: no unit axis";
  }

  get units(): number | undefined {
    return this.sums?.length;
  }

  /** Values per [units][inner] block of a batch laid out as `dims`, or undefined without a unit axis. */
  blockSize(dims: readonly number[]): number | undefined {
    if (this.axis === undefined || this.axis >= dims.length) return undefined;
    let size = 1;
    for (let a = this.axis; a < dims.length; a++) size *= dims[a]!;
    return size;
  }

  /**
   * Add values laid out as `dims` (row-major): one batch, or whole [units][inner] blocks of one.
   * With `kernels` holding the values (and the caller knowing them all finite), the WebAssembly
   * loop adds them (the same sums in the same order).
   */
  add(values: Float32Array | Float64Array, dims: readonly number[], kernels?: Kernels): void {
    if (this.problem !== undefined || this.axis === undefined) return;
    if (this.axis >= dims.length) {
      this.problem = `rank changed to ${dims.length}`;
      return;
    }
    const units = dims[this.axis]!;
    if (!this.sums || !this.skipped) {
      this.sums = new Float64Array(units);
      this.skipped = new Float64Array(units);
    } else if (this.sums.length !== units) {
      this.problem = `axis ${this.axis} has ${this.sums.length} units in one batch and ${units} in another`;
      return;
    }
    let inner = 1;
    for (let a = this.axis + 1; a < dims.length; a++) inner *= dims[a]!;
    if (units * inner === 0) return;
    const outer = values.length / (units * inner);
    this.perUnit += outer * inner;
    const sums = this.sums;
    if (kernels && values instanceof Float32Array && kernels.holds(values) && units * 8 <= kernels.chunkBytes) {
      kernels.unitSums32(values, units, inner, sums);
      return;
    }
    let nonfinite = 0;
    if (inner === 1) {
      // [samples, units]: one value per unit per row.
      for (let o = 0, index = 0; o < outer; o++) {
        for (let u = 0; u < units; u++, index++) {
          const a = Math.abs(values[index]!);
          if (a < Infinity) sums[u]! += a;
          else {
            this.skipped[u]!++;
            nonfinite++;
          }
        }
      }
    } else {
      for (let o = 0, index = 0; o < outer; o++) {
        for (let u = 0; u < units; u++) {
          let sum = 0;
          const end = index + inner;
          for (; index < end; index++) {
            const a = Math.abs(values[index]!);
            if (a < Infinity) sum += a;
            else {
              this.skipped[u]!++;
              nonfinite++;
            }
          }
          sums[u]! += sum;
        }
      }
    }
    this.nonfinite += nonfinite;
  }

  /** Mean |a| per unit (NaN for a unit that never held a finite value), or undefined. */
  means(): Float64Array | undefined {
    if (this.problem !== undefined || !this.sums || !this.skipped) return undefined;
    const means = new Float64Array(this.sums.length);
    for (let u = 0; u < means.length; u++) {
      const count = this.perUnit - this.skipped[u]!;
      means[u] = count > 0 ? this.sums[u]! / count : NaN;
    }
    return means;
  }
}
