/**
 * Two-segment (continuous, "hinge") straight-line fit: y = b + a₁(x − x_s) for x ≤ x_s and
 * y = b + a₂(x − x_s) for x > x_s, least squares in (b, a₁, a₂) for a given break x_s (a 3×3 linear
 * system). The break is either given, or chosen among the data's x values as the one with the
 * smallest residual sum of squares, subject to each segment holding at least `minPoints` points and
 * spanning at least `minSpan` in x, so neither slope rests on a sliver of data.
 */
export interface SegmentedLineFit {
  split: number;
  slopeLow: number;
  slopeHigh: number;
  /** y at the split. */
  intercept: number;
  sse: number;
  r2: number;
  /** Points on each side (the point at the split counts for both). */
  pointsLow: number;
  pointsHigh: number;
}

/** Constraints on the two segments. */
export interface SegmentedLineOptions {
  minPoints: number;
  minSpan: number;
}

/** Solve the 3×3 symmetric system A p = r by Gaussian elimination with partial pivoting. */
function solve3(a: number[][], r: number[]): number[] | undefined {
  const m = a.map((row, i) => [...row, r[i]!]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let row = col + 1; row < 3; row++) if (Math.abs(m[row]![col]!) > Math.abs(m[pivot]![col]!)) pivot = row;
    if (Math.abs(m[pivot]![col]!) < 1e-300) return undefined;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let row = col + 1; row < 3; row++) {
      const factor = m[row]![col]! / m[col]![col]!;
      for (let k = col; k < 4; k++) m[row]![k]! -= factor * m[col]![k]!;
    }
  }
  const p = [0, 0, 0];
  for (let row = 2; row >= 0; row--) {
    let sum = m[row]![3]!;
    for (let k = row + 1; k < 3; k++) sum -= m[row]![k]! * p[k]!;
    p[row] = sum / m[row]![row]!;
  }
  return p;
}

/** The fit for a given break; undefined when a side has no spread (the system is singular). */
export function fitAtSplit(x: ArrayLike<number>, y: ArrayLike<number>, split: number): SegmentedLineFit | undefined {
  const n = x.length;
  // Normal equations of the rows (1, min(dx, 0), max(dx, 0)): the cross term of the two slopes is 0.
  let s0 = 0;
  let sl = 0;
  let sh = 0;
  let sll = 0;
  let shh = 0;
  let sy = 0;
  let sly = 0;
  let shy = 0;
  let pointsLow = 0;
  let pointsHigh = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - split;
    const yi = y[i]!;
    s0++;
    sy += yi;
    if (dx <= 0) pointsLow++;
    if (dx >= 0) pointsHigh++;
    if (dx < 0) {
      sl += dx;
      sll += dx * dx;
      sly += dx * yi;
    } else {
      sh += dx;
      shh += dx * dx;
      shy += dx * yi;
    }
  }
  const p = solve3(
    [
      [s0, sl, sh],
      [sl, sll, 0],
      [sh, 0, shh],
    ],
    [sy, sly, shy],
  );
  if (!p) return undefined;
  const mean = sy / n;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - split;
    const fitted = p[0]! + p[1]! * Math.min(dx, 0) + p[2]! * Math.max(dx, 0);
    sse += (y[i]! - fitted) ** 2;
    sst += (y[i]! - mean) ** 2;
  }
  return { split, slopeLow: p[1]!, slopeHigh: p[2]!, intercept: p[0]!, sse, r2: sst > 0 ? 1 - sse / sst : NaN, pointsLow, pointsHigh };
}

/** Best break among the x values (x sorted ascending); undefined when no break meets the constraints. */
export function fitSegmentedLine(x: ArrayLike<number>, y: ArrayLike<number>, options: SegmentedLineOptions): SegmentedLineFit | undefined {
  let best: SegmentedLineFit | undefined;
  const first = x[0]!;
  const last = x[x.length - 1]!;
  for (let i = 0; i < x.length; i++) {
    const split = x[i]!;
    if (i + 1 < options.minPoints || x.length - i < options.minPoints) continue;
    if (split - first < options.minSpan || last - split < options.minSpan) continue;
    const fit = fitAtSplit(x, y, split);
    if (fit && (!best || fit.sse < best.sse)) best = fit;
  }
  return best;
}
