/**
 * Levenberg–Marquardt for small nonlinear least-squares problems on Float64Array data: Moré's
 * trust-region formulation, the algorithm of MINPACK's `lmder` (which scipy's
 * `curve_fit(method="lm")` runs), with the analytic Jacobian.
 *
 * Minimises ½‖r(p)‖², r = f(p) − y. Each outer iteration factors J P = Q R (Householder QR with
 * column pivoting); each inner iteration finds the Levenberg parameter λ for which the scaled step
 * ‖D h‖ ≈ Δ, where h solves min ‖J h + r‖² + λ‖D h‖² (Moré's `lmpar`, Newton iteration on λ, the
 * damped system solved by Givens rotations of R), accepts the step when the actual reduction is at
 * least 1e-4 of the predicted one, and adapts the step bound Δ by the gain ratio. D holds the column
 * norms of J, never decreasing (MINPACK mode 1); Δ starts at factor·‖D p0‖.
 *
 * Converged (MINPACK info 1–4) when both the actual and predicted relative reductions of ‖r‖² are
 * ≤ ftol, or Δ ≤ xtol·‖D p‖, or the scaled gradient cosine ≤ gtol. Not converged when the evaluation
 * budget runs out (info 5) or the tolerances cannot be met in floating point (info 6–8): the cases in
 * which scipy's curve_fit raises "Optimal parameters not found". The defaults are MINPACK's as
 * scipy calls it (ftol = xtol = 1.49012e-8, gtol = 0, factor 100, 200·(n + 1) evaluations with a
 * Jacobian counted as n, as for lmdif's forward differences).
 *
 * Why MINPACK's algorithm and stopping rule rather than a tighter one: on ill-conditioned layers
 * (σ ≳ 2) the least-squares valley is so flat that two correct optimisers stop 1e-4 apart in μ at
 * sums of squares equal to 1e-9; following MINPACK's path reproduces the reference to ~1e-5.
 *
 * References: J. J. Moré, "The Levenberg–Marquardt algorithm: implementation and theory", Lecture
 * Notes in Mathematics 630 (1978) 105–116; J. J. Moré, B. S. Garbow, K. E. Hillstrom, "User Guide
 * for MINPACK-1", Argonne ANL-80-74 (1980), §2 (lmder, lmpar, qrfac, qrsolv, enorm).
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

/** Tolerances and budget (MINPACK's defaults as scipy passes them). */
export interface LevenbergMarquardtOptions {
  /** Cap on outer iterations (Jacobian evaluations). */
  maxIterations?: number;
  /** Cap on evaluations, a Jacobian counting as n (default 200·(n + 1), as scipy gives lmdif). */
  maxEvaluations?: number;
  xtol?: number;
  ftol?: number;
  gtol?: number;
  /** Initial step bound Δ = factor·‖D p0‖ (MINPACK's `factor`). */
  factor?: number;
  /** Compute `unscaledCovariance` (default true; the bootstrap's refits do without). */
  covariance?: boolean;
}

/** The solution and how the iteration ended. */
export interface LevenbergMarquardtResult {
  parameters: Float64Array;
  /** ½ Σ r_i² at the solution. */
  cost: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  /**
   * (JᵀJ)⁻¹ (n×n, row-major) from the QR factors of the last Jacobian MINPACK evaluated, as scipy's
   * `leastsq` computes `cov_x` (R⁻¹ by triangular inversion, permuted back): null when R has a zero
   * on its diagonal or no Jacobian was factored. Times Σr²/(m − n) it is `curve_fit`'s `pcov` with
   * `absolute_sigma=False` (parameterCovariance).
   */
  unscaledCovariance: Float64Array | null;
  reason: "xtol" | "ftol" | "gtol" | "exact" | "max-iterations" | "stalled" | "non-finite" | "improper-input";
}

const MINPACK_TOLERANCE = 1.49012e-8;
const DEFAULTS = { maxIterations: Infinity, xtol: MINPACK_TOLERANCE, ftol: MINPACK_TOLERANCE, gtol: 0, factor: 100 };
const EPSILON = 2.220446049250313e-16;
const DWARF = 2.2250738585072014e-308;

/** Minimise ½‖r(p)‖² from `start` (METHOD §3.1). */
export function levenbergMarquardt(problem: LeastSquaresProblem, start: ArrayLike<number>, options: LevenbergMarquardtOptions = {}): LevenbergMarquardtResult {
  const { maxIterations, xtol, ftol, gtol, factor } = { ...DEFAULTS, ...options };
  const n = problem.parameters;
  const m = problem.points;
  const maxEvaluations = options.maxEvaluations ?? 200 * (n + 1);
  const x = Float64Array.from(start);
  const residuals = new Float64Array(m);
  const trialResiduals = new Float64Array(m);
  const rowJacobian = new Float64Array(m * n);
  /** J, then Q R, column-major: a[j·m + i] = element (i, j). */
  const a = new Float64Array(m * n);
  const diag = new Float64Array(n);
  const qtf = new Float64Array(n);
  const step = new Float64Array(n);
  const trial = new Float64Array(n);
  const scaled = new Float64Array(n);
  const work = new Float64Array(Math.max(m, n));
  const pivots = new Int32Array(n);
  const rdiag = new Float64Array(n);
  const columnNorms = new Float64Array(n);

  let evaluations = 0;
  let iterations = 0;
  let factored = false;
  const finish = (reason: LevenbergMarquardtResult["reason"], converged: boolean): LevenbergMarquardtResult => ({
    parameters: x,
    cost: 0.5 * enorm(residuals, m) ** 2,
    iterations,
    evaluations,
    converged,
    unscaledCovariance: factored && options.covariance !== false ? inverseNormalMatrix(n, a, m, pivots) : null,
    reason,
  });

  if (n <= 0 || m < n) return finish("improper-input", false);
  problem.evaluate(x, residuals);
  evaluations++;
  let fnorm = enorm(residuals, m);
  if (!Number.isFinite(fnorm)) return finish("non-finite", false);
  if (fnorm === 0) return finish("exact", true);

  let par = 0;
  let delta = 0;
  let xnorm = 0;
  let first = true;
  for (;;) {
    problem.evaluate(x, work.subarray(0, m), rowJacobian);
    evaluations += n;
    iterations++;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a[j * m + i] = rowJacobian[i * n + j]!;
    if (!a.every(Number.isFinite)) return finish("non-finite", false);
    qrFactor(m, n, a, pivots, rdiag, columnNorms, work);

    if (first) {
      for (let j = 0; j < n; j++) diag[j] = columnNorms[j] === 0 ? 1 : columnNorms[j]!;
      for (let j = 0; j < n; j++) scaled[j] = diag[j]! * x[j]!;
      xnorm = enorm(scaled, n);
      delta = factor * xnorm || factor;
    }

    // qtf = first n components of Qᵀ r; the diagonal of R goes back in place.
    work.set(residuals);
    for (let j = 0; j < n; j++) {
      const ajj = a[j * m + j]!;
      if (ajj !== 0) {
        let sum = 0;
        for (let i = j; i < m; i++) sum += a[j * m + i]! * work[i]!;
        const t = -sum / ajj;
        for (let i = j; i < m; i++) work[i]! += a[j * m + i]! * t;
      }
      a[j * m + j] = rdiag[j]!;
      qtf[j] = work[j]!;
    }
    factored = true;

    // Norm of the scaled gradient (cosine of the angle between r and the columns of J).
    let gnorm = 0;
    for (let j = 0; j < n; j++) {
      const l = pivots[j]!;
      if (columnNorms[l] === 0) continue;
      let sum = 0;
      for (let i = 0; i <= j; i++) sum += a[j * m + i]! * (qtf[i]! / fnorm);
      gnorm = Math.max(gnorm, Math.abs(sum / columnNorms[l]!));
    }
    if (gnorm <= gtol) return finish("gtol", true);
    for (let j = 0; j < n; j++) diag[j] = Math.max(diag[j]!, columnNorms[j]!);

    for (;;) {
      par = levenbergParameter(n, a, m, pivots, diag, qtf, delta, par, step);
      for (let j = 0; j < n; j++) {
        step[j] = -step[j]!;
        trial[j] = x[j]! + step[j]!;
        scaled[j] = diag[j]! * step[j]!;
      }
      const pnorm = enorm(scaled, n);
      if (first) delta = Math.min(delta, pnorm);

      problem.evaluate(trial, trialResiduals);
      evaluations++;
      const fnorm1 = enorm(trialResiduals, m);
      // Actual and predicted reductions of ‖r‖², relative; the directional derivative.
      const actual = 0.1 * fnorm1 < fnorm ? 1 - (fnorm1 / fnorm) ** 2 : -1;
      for (let j = 0; j < n; j++) {
        scaled[j] = 0;
        const t = step[pivots[j]!]!;
        for (let i = 0; i <= j; i++) scaled[i]! += a[j * m + i]! * t;
      }
      const t1 = enorm(scaled, n) / fnorm;
      const t2 = (Math.sqrt(par) * pnorm) / fnorm;
      const predicted = t1 * t1 + (t2 * t2) / 0.5;
      const derivative = -(t1 * t1 + t2 * t2);
      const ratio = predicted !== 0 ? actual / predicted : 0;

      if (ratio <= 0.25) {
        let t = actual >= 0 ? 0.5 : (0.5 * derivative) / (derivative + 0.5 * actual);
        if (0.1 * fnorm1 >= fnorm || t < 0.1 || !Number.isFinite(t)) t = 0.1;
        delta = t * Math.min(delta, pnorm / 0.1);
        par /= t;
      } else if (par === 0 || ratio >= 0.75) {
        delta = pnorm / 0.5;
        par *= 0.5;
      }

      const success = ratio >= 1e-4;
      if (success) {
        x.set(trial);
        residuals.set(trialResiduals);
        for (let j = 0; j < n; j++) scaled[j] = diag[j]! * x[j]!;
        xnorm = enorm(scaled, n);
        fnorm = fnorm1;
        first = false;
      }

      const ftolMet = Math.abs(actual) <= ftol && predicted <= ftol && 0.5 * ratio <= 1;
      const xtolMet = delta <= xtol * xnorm;
      if (ftolMet) return finish("ftol", true);
      if (xtolMet) return finish("xtol", true);
      if (fnorm === 0) return finish("exact", true);
      if (evaluations >= maxEvaluations || iterations >= maxIterations) return finish("max-iterations", false);
      if ((Math.abs(actual) <= EPSILON && predicted <= EPSILON && 0.5 * ratio <= 1) || delta <= EPSILON * xnorm || gnorm <= EPSILON) return finish("stalled", false);
      if (success) break;
    }
  }
}

/**
 * (JᵀJ)⁻¹ = P R⁻¹ R⁻ᵀ Pᵀ from J P = Q R (R: the upper triangle of the column-major `r`, leading
 * dimension ldr): scipy's leastsq `cov_x` (LAPACK trtri, then rows permuted). Null when R is
 * singular (a zero diagonal, where trtri fails) or the result is not finite.
 */
function inverseNormalMatrix(n: number, r: Float64Array, ldr: number, pivots: Int32Array): Float64Array | null {
  const at = (i: number, j: number): number => j * ldr + i;
  // Inverse of the upper-triangular R, column by column (back substitution on unit vectors).
  const inverse = new Float64Array(n * n); // row-major
  for (let j = 0; j < n; j++) {
    if (r[at(j, j)] === 0) return null;
    inverse[j * n + j] = 1 / r[at(j, j)]!;
    for (let i = j - 1; i >= 0; i--) {
      let sum = 0;
      for (let k = i + 1; k <= j; k++) sum += r[at(i, k)]! * inverse[k * n + j]!;
      inverse[i * n + j] = -sum / r[at(i, i)]!;
    }
  }
  // Row i of R⁻¹ is row pivots[i] of (P R⁻¹).
  const permuted = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) permuted[pivots[i]! * n + j] = inverse[i * n + j]!;
  const covariance = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += permuted[i * n + k]! * permuted[j * n + k]!;
      covariance[i * n + j] = sum;
    }
  }
  return covariance.every(Number.isFinite) ? covariance : null;
}

/**
 * scipy's `curve_fit` pcov with `absolute_sigma=False`: (JᵀJ)⁻¹ · Σr²/(m − n), row-major n×n; null
 * (scipy: all +∞, "could not be estimated") when (JᵀJ)⁻¹ is unavailable or m ≤ n.
 */
export function parameterCovariance(result: LevenbergMarquardtResult, points: number): Float64Array | null {
  const n = result.parameters.length;
  if (!result.unscaledCovariance || points <= n) return null;
  const scale = (2 * result.cost) / (points - n);
  return result.unscaledCovariance.map((value) => value * scale);
}

/**
 * Euclidean norm of values[0..count), accumulated in three ranges (small, intermediate, large) so
 * that it neither underflows nor overflows (MINPACK's enorm).
 */
export function enorm(values: ArrayLike<number>, count = values.length): number {
  const RDWARF = 3.834e-20;
  const RGIANT = 1.304e19;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let x1max = 0;
  let x3max = 0;
  const agiant = RGIANT / count;
  for (let i = 0; i < count; i++) {
    const xabs = Math.abs(values[i]!);
    if (xabs > RDWARF && xabs < agiant) {
      s2 += xabs * xabs;
    } else if (xabs <= RDWARF) {
      if (xabs > x3max) {
        s3 = 1 + s3 * (x3max / xabs) ** 2;
        x3max = xabs;
      } else if (xabs !== 0) {
        s3 += (xabs / x3max) ** 2;
      }
    } else if (xabs > x1max) {
      s1 = 1 + s1 * (x1max / xabs) ** 2;
      x1max = xabs;
    } else {
      s1 += (xabs / x1max) ** 2;
    }
  }
  if (s1 !== 0) return x1max * Math.sqrt(s1 + s2 / x1max / x1max);
  if (s2 !== 0) return s2 >= x3max ? Math.sqrt(s2 * (1 + (x3max / s2) * (x3max * s3))) : Math.sqrt(x3max * (s2 / x3max + x3max * s3));
  return x3max * Math.sqrt(s3);
}

/**
 * Householder QR with column pivoting of the m×n column-major `a` (MINPACK's qrfac): on return the
 * strict upper triangle holds R without its diagonal (which is `rdiag`), the lower part the
 * Householder vectors, `pivots` the permutation P (column j of A P is column pivots[j] of A), and
 * `columnNorms` the norms of the columns of the original A.
 */
function qrFactor(m: number, n: number, a: Float64Array, pivots: Int32Array, rdiag: Float64Array, columnNorms: Float64Array, work: Float64Array): void {
  for (let j = 0; j < n; j++) {
    columnNorms[j] = enorm(a.subarray(j * m, j * m + m), m);
    rdiag[j] = columnNorms[j]!;
    work[j] = rdiag[j]!;
    pivots[j] = j;
  }
  for (let j = 0; j < Math.min(m, n); j++) {
    // Bring the column of largest remaining norm into the pivot position.
    let kmax = j;
    for (let k = j; k < n; k++) if (rdiag[k]! > rdiag[kmax]!) kmax = k;
    if (kmax !== j) {
      for (let i = 0; i < m; i++) {
        const t = a[j * m + i]!;
        a[j * m + i] = a[kmax * m + i]!;
        a[kmax * m + i] = t;
      }
      rdiag[kmax] = rdiag[j]!;
      work[kmax] = work[j]!;
      const p = pivots[j]!;
      pivots[j] = pivots[kmax]!;
      pivots[kmax] = p;
    }
    // Householder transformation that reduces column j to a multiple of the j-th unit vector.
    let ajnorm = enorm(a.subarray(j * m + j, j * m + m), m - j);
    if (ajnorm !== 0) {
      if (a[j * m + j]! < 0) ajnorm = -ajnorm;
      for (let i = j; i < m; i++) a[j * m + i]! /= ajnorm;
      a[j * m + j]! += 1;
      for (let k = j + 1; k < n; k++) {
        let sum = 0;
        for (let i = j; i < m; i++) sum += a[j * m + i]! * a[k * m + i]!;
        const t = sum / a[j * m + j]!;
        for (let i = j; i < m; i++) a[k * m + i]! -= t * a[j * m + i]!;
        if (rdiag[k] !== 0) {
          const ratio = a[k * m + j]! / rdiag[k]!;
          rdiag[k]! *= Math.sqrt(Math.max(0, 1 - ratio * ratio));
          if (0.05 * (rdiag[k]! / work[k]!) ** 2 <= EPSILON) {
            rdiag[k] = enorm(a.subarray(k * m + j + 1, k * m + m), m - j - 1);
            work[k] = rdiag[k]!;
          }
        }
      }
    }
    rdiag[j] = -ajnorm;
  }
}

/**
 * Solve min ‖A x − b‖² + ‖D x‖² given the QR factorisation A P = Q R and qtb = Qᵀ b (MINPACK's
 * qrsolv): Givens rotations eliminate D from [R; P D P] into a lower-triangular S, stored in the
 * strict lower triangle of r (column-major, leading dimension ldr) with its diagonal in `sdiag`;
 * the upper triangle of r is preserved.
 */
function qrSolve(n: number, r: Float64Array, ldr: number, pivots: Int32Array, d: Float64Array, qtb: Float64Array, x: Float64Array, sdiag: Float64Array, work: Float64Array): void {
  const at = (i: number, j: number): number => j * ldr + i;
  for (let j = 0; j < n; j++) {
    for (let i = j; i < n; i++) r[at(i, j)] = r[at(j, i)]!;
    x[j] = r[at(j, j)]!;
    work[j] = qtb[j]!;
  }
  for (let j = 0; j < n; j++) {
    const dj = d[pivots[j]!]!;
    if (dj !== 0) {
      sdiag.fill(0, j, n);
      sdiag[j] = dj;
      let qtbpj = 0;
      for (let k = j; k < n; k++) {
        if (sdiag[k] === 0) continue;
        const rkk = r[at(k, k)]!;
        let sin: number;
        let cos: number;
        if (Math.abs(rkk) < Math.abs(sdiag[k]!)) {
          const cotan = rkk / sdiag[k]!;
          sin = 0.5 / Math.sqrt(0.25 + 0.25 * cotan * cotan);
          cos = sin * cotan;
        } else {
          const tan = sdiag[k]! / rkk;
          cos = 0.5 / Math.sqrt(0.25 + 0.25 * tan * tan);
          sin = cos * tan;
        }
        r[at(k, k)] = cos * rkk + sin * sdiag[k]!;
        const t = cos * work[k]! + sin * qtbpj;
        qtbpj = -sin * work[k]! + cos * qtbpj;
        work[k] = t;
        for (let i = k + 1; i < n; i++) {
          const u = cos * r[at(i, k)]! + sin * sdiag[i]!;
          sdiag[i] = -sin * r[at(i, k)]! + cos * sdiag[i]!;
          r[at(i, k)] = u;
        }
      }
    }
    sdiag[j] = r[at(j, j)]!;
    r[at(j, j)] = x[j]!;
  }
  // Back substitution in S; a singular S gives the least-squares solution.
  let nsing = n;
  for (let j = 0; j < n; j++) {
    if (sdiag[j] === 0 && nsing === n) nsing = j;
    if (nsing < n) work[j] = 0;
  }
  for (let j = nsing - 1; j >= 0; j--) {
    let sum = 0;
    for (let i = j + 1; i < nsing; i++) sum += r[at(i, j)]! * work[i]!;
    work[j] = (work[j]! - sum) / sdiag[j]!;
  }
  for (let j = 0; j < n; j++) x[pivots[j]!] = work[j]!;
}

/**
 * The Levenberg parameter λ ≥ 0 for which the step x of min ‖A x − b‖² + λ‖D x‖² has ‖D x‖ within
 * 10% of Δ, or λ = 0 when the Gauss–Newton step is already inside (MINPACK's lmpar): Newton's
 * method on φ(λ) = ‖D x(λ)‖ − Δ safeguarded by bounds [parl, paru], at most 10 iterations.
 * Writes the step into x and returns λ.
 */
function levenbergParameter(n: number, r: Float64Array, ldr: number, pivots: Int32Array, diag: Float64Array, qtb: Float64Array, delta: number, initial: number, x: Float64Array): number {
  const at = (i: number, j: number): number => j * ldr + i;
  const wa1 = new Float64Array(n);
  const wa2 = new Float64Array(n);
  const sdiag = new Float64Array(n);
  const work = new Float64Array(n);

  // Gauss–Newton direction (least-squares solution if R is singular).
  let nsing = n;
  for (let j = 0; j < n; j++) {
    wa1[j] = qtb[j]!;
    if (r[at(j, j)] === 0 && nsing === n) nsing = j;
    if (nsing < n) wa1[j] = 0;
  }
  for (let j = nsing - 1; j >= 0; j--) {
    wa1[j]! /= r[at(j, j)]!;
    const t = wa1[j]!;
    for (let i = 0; i < j; i++) wa1[i]! -= r[at(i, j)]! * t;
  }
  for (let j = 0; j < n; j++) x[pivots[j]!] = wa1[j]!;

  for (let j = 0; j < n; j++) wa2[j] = diag[j]! * x[j]!;
  let dxnorm = enorm(wa2, n);
  let fp = dxnorm - delta;
  if (fp <= 0.1 * delta) return 0;

  // Lower bound parl (zero when R is singular).
  let parl = 0;
  if (nsing >= n) {
    for (let j = 0; j < n; j++) {
      const l = pivots[j]!;
      wa1[j] = diag[l]! * (wa2[l]! / dxnorm);
    }
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < j; i++) sum += r[at(i, j)]! * wa1[i]!;
      wa1[j] = (wa1[j]! - sum) / r[at(j, j)]!;
    }
    const t = enorm(wa1, n);
    parl = fp / delta / t / t;
  }
  // Upper bound paru.
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let i = 0; i <= j; i++) sum += r[at(i, j)]! * qtb[i]!;
    wa1[j] = sum / diag[pivots[j]!]!;
  }
  const gnorm = enorm(wa1, n);
  let paru = gnorm / delta;
  if (paru === 0) paru = DWARF / Math.min(delta, 0.1);

  let par = Math.min(Math.max(initial, parl), paru);
  if (par === 0) par = gnorm / dxnorm;
  for (let iteration = 1; ; iteration++) {
    if (par === 0) par = Math.max(DWARF, 0.001 * paru);
    const root = Math.sqrt(par);
    for (let j = 0; j < n; j++) wa1[j] = root * diag[j]!;
    qrSolve(n, r, ldr, pivots, wa1, qtb, x, sdiag, work);
    for (let j = 0; j < n; j++) wa2[j] = diag[j]! * x[j]!;
    dxnorm = enorm(wa2, n);
    const previous = fp;
    fp = dxnorm - delta;
    if (Math.abs(fp) <= 0.1 * delta || (parl === 0 && fp <= previous && previous < 0) || iteration === 10) return par;
    // Newton correction.
    for (let j = 0; j < n; j++) {
      const l = pivots[j]!;
      wa1[j] = diag[l]! * (wa2[l]! / dxnorm);
    }
    for (let j = 0; j < n; j++) {
      wa1[j]! /= sdiag[j]!;
      const t = wa1[j]!;
      for (let i = j + 1; i < n; i++) wa1[i]! -= r[at(i, j)]! * t;
    }
    const t = enorm(wa1, n);
    const correction = fp / delta / t / t;
    if (fp > 0) parl = Math.max(parl, par);
    if (fp < 0) paru = Math.min(paru, par);
    par = Math.max(parl, par + correction);
  }
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
