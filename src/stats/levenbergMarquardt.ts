/**
 * Levenberg–Marquardt for small nonlinear least-squares problems on Float64Array data.
 *
 * Minimises F(p) = ½ Σ r_i(p)², r = f(p) − y, with the analytic Jacobian J = ∂f/∂p. Each iteration
 * solves (JᵀJ + λ D) h = −Jᵀr with D = diag(JᵀJ) (Marquardt's scaling, which makes the step invariant
 * to the very different scales of A, μ and σ), accepts the step only if it lowers F, and updates λ by
 * the gain ratio ρ = actual / predicted reduction (Nielsen's schedule: λ ← λ·max(⅓, 1 − (2ρ − 1)³) on
 * success, λ ← λ·ν, ν ← 2ν on rejection).
 *
 * Converged when the relative step ‖h‖ ≤ xtol (‖p‖ + xtol), or an accepted step lowers F by less
 * than ftol·F, or ‖Jᵀr‖∞ ≤ gtol; not converged when the iteration budget runs out or the damping
 * grows without bound.
 *
 * References: K. Madsen, H. B. Nielsen, O. Tingleff, "Methods for Non-Linear Least Squares
 * Problems", 2nd ed., IMM DTU 2004, Algorithm 3.16; D. W. Marquardt, J. SIAM 11 (1963) 431–441.
 */

export interface LeastSquaresProblem {
  /** Number of parameters n. */
  readonly parameters: number;
  /** Number of residuals m. */
  readonly points: number;
  /**
   * Write r_i = f_i(p) − y_i into `residuals`; when `jacobian` is given also ∂f_i/∂p_j into
   * jacobian[i·n + j].
   */
  evaluate(p: Float64Array, residuals: Float64Array, jacobian?: Float64Array): void;
}

export interface LevenbergMarquardtOptions {
  maxIterations?: number;
  xtol?: number;
  ftol?: number;
  gtol?: number;
  /** Initial λ relative to the diagonal scaling. */
  initialDamping?: number;
}

export interface LevenbergMarquardtResult {
  parameters: Float64Array;
  /** ½ Σ r_i² at the solution. */
  cost: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  reason: "xtol" | "ftol" | "gtol" | "exact" | "max-iterations" | "damping" | "non-finite";
}

const DEFAULTS: Required<LevenbergMarquardtOptions> = {
  maxIterations: 400,
  xtol: 1e-12,
  ftol: 1e-15,
  gtol: 0,
  initialDamping: 1e-3,
};

export function levenbergMarquardt(
  problem: LeastSquaresProblem,
  start: ArrayLike<number>,
  options: LevenbergMarquardtOptions = {},
): LevenbergMarquardtResult {
  const { maxIterations, xtol, ftol, gtol, initialDamping } = { ...DEFAULTS, ...options };
  const n = problem.parameters;
  const m = problem.points;
  let p = Float64Array.from(start);
  let trial = new Float64Array(n);
  let residuals = new Float64Array(m);
  let trialResiduals = new Float64Array(m);
  const jacobian = new Float64Array(m * n);
  const normal = new Float64Array(n * n); // JᵀJ
  const gradient = new Float64Array(n); // Jᵀr
  const system = new Float64Array(n * n);
  const step = new Float64Array(n);
  const scale = new Float64Array(n);

  problem.evaluate(p, residuals, jacobian);
  let evaluations = 1;
  let cost = halfSumOfSquares(residuals);
  if (!Number.isFinite(cost)) return finish("non-finite", false, 0);

  const buildNormal = (): void => {
    normal.fill(0);
    gradient.fill(0);
    for (let i = 0; i < m; i++) {
      const row = i * n;
      const r = residuals[i]!;
      for (let a = 0; a < n; a++) {
        const ja = jacobian[row + a]!;
        gradient[a]! += ja * r;
        for (let b = 0; b <= a; b++) normal[a * n + b]! += ja * jacobian[row + b]!;
      }
    }
    for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) normal[b * n + a] = normal[a * n + b]!;
    // MINPACK-style scaling: never shrink, so a parameter that briefly loses influence keeps a sane scale.
    for (let a = 0; a < n; a++) scale[a] = Math.max(scale[a]!, normal[a * n + a]!, 1e-300);
  };
  buildNormal();

  let damping = initialDamping;
  let growth = 2;
  let iteration = 0;
  function finish(reason: LevenbergMarquardtResult["reason"], converged: boolean, iterations: number): LevenbergMarquardtResult {
    return { parameters: p, cost, iterations, evaluations, converged, reason };
  }

  if (cost === 0) return finish("exact", true, 0);
  if (maxAbs(gradient) <= gtol) return finish("gtol", true, 0);

  while (iteration < maxIterations) {
    iteration++;
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) system[a * n + b] = normal[a * n + b]!;
      system[a * n + a]! += damping * scale[a]!;
      step[a] = -gradient[a]!;
    }
    if (!solveSymmetric(system, step, n)) {
      damping *= growth;
      growth *= 2;
      if (damping > 1e300) return finish("damping", false, iteration);
      continue;
    }
    let stepNorm = 0;
    let paramNorm = 0;
    for (let a = 0; a < n; a++) {
      trial[a] = p[a]! + step[a]!;
      stepNorm += step[a]! * step[a]!;
      paramNorm += p[a]! * p[a]!;
    }
    stepNorm = Math.sqrt(stepNorm);
    paramNorm = Math.sqrt(paramNorm);
    if (stepNorm <= xtol * (paramNorm + xtol)) return finish("xtol", true, iteration);

    problem.evaluate(trial, trialResiduals);
    evaluations++;
    const trialCost = halfSumOfSquares(trialResiduals);
    // Predicted reduction of the linear model: ½ hᵀ(λ D h − Jᵀr).
    let predicted = 0;
    for (let a = 0; a < n; a++) predicted += step[a]! * (damping * scale[a]! * step[a]! - gradient[a]!);
    predicted *= 0.5;
    const actual = cost - trialCost;
    const gain = Number.isFinite(trialCost) && predicted > 0 ? actual / predicted : -1;

    if (gain > 0) {
      [p, trial] = [trial, p];
      [residuals, trialResiduals] = [trialResiduals, residuals];
      const previous = cost;
      cost = trialCost;
      problem.evaluate(p, residuals, jacobian);
      buildNormal();
      damping *= Math.max(1 / 3, 1 - (2 * gain - 1) ** 3);
      growth = 2;
      if (cost === 0) return finish("exact", true, iteration);
      if (actual <= ftol * previous) return finish("ftol", true, iteration);
      if (maxAbs(gradient) <= gtol) return finish("gtol", true, iteration);
    } else {
      damping *= growth;
      growth *= 2;
      if (damping > 1e300) return finish("damping", false, iteration);
    }
  }
  return finish("max-iterations", false, iteration);
}

function halfSumOfSquares(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  return 0.5 * sum;
}

function maxAbs(values: Float64Array): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]!));
  return max;
}

/**
 * Solve A x = b in place (b ← x) for symmetric positive definite A (n×n, row-major) by Cholesky.
 * Returns false when A is not numerically positive definite.
 */
export function solveSymmetric(matrix: Float64Array, rhs: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let diagonal = matrix[j * n + j]!;
    for (let k = 0; k < j; k++) diagonal -= matrix[j * n + k]! ** 2;
    if (!(diagonal > 0)) return false;
    const root = Math.sqrt(diagonal);
    matrix[j * n + j] = root;
    for (let i = j + 1; i < n; i++) {
      let value = matrix[i * n + j]!;
      for (let k = 0; k < j; k++) value -= matrix[i * n + k]! * matrix[j * n + k]!;
      matrix[i * n + j] = value / root;
    }
  }
  for (let i = 0; i < n; i++) {
    let value = rhs[i]!;
    for (let k = 0; k < i; k++) value -= matrix[i * n + k]! * rhs[k]!;
    rhs[i] = value / matrix[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let value = rhs[i]!;
    for (let k = i + 1; k < n; k++) value -= matrix[k * n + i]! * rhs[k]!;
    rhs[i] = value / matrix[i * n + i]!;
  }
  return true;
}
