/**
 * Minimum of a function of one variable on [a, b]: a grid of `gridPoints` values locates the basin
 * (so a function that is not unimodal on the whole interval is still handled when its basins are
 * wider than the grid spacing), then golden-section search (Kiefer 1953) refines it to `tolerance`.
 */
export function minimize1d(f: (x: number) => number, a: number, b: number, gridPoints = 64, tolerance = 1e-10): { x: number; value: number } {
  let bestIndex = 0;
  let bestValue = Infinity;
  const step = (b - a) / (gridPoints - 1);
  for (let i = 0; i < gridPoints; i++) {
    const value = f(a + i * step);
    if (value < bestValue) {
      bestValue = value;
      bestIndex = i;
    }
  }
  let lo = a + Math.max(0, bestIndex - 1) * step;
  let hi = a + Math.min(gridPoints - 1, bestIndex + 1) * step;
  const ratio = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - ratio * (hi - lo);
  let x2 = lo + ratio * (hi - lo);
  let f1 = f(x1);
  let f2 = f(x2);
  while (hi - lo > tolerance * Math.max(1, Math.abs(lo) + Math.abs(hi))) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - ratio * (hi - lo);
      f1 = f(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + ratio * (hi - lo);
      f2 = f(x2);
    }
  }
  const x = (lo + hi) / 2;
  const value = f(x);
  return value <= bestValue ? { x, value } : { x: a + bestIndex * step, value: bestValue };
}
