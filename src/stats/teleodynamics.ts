/**
 * Teleodynamic parameters (METHOD §4; Venkatasubramanian et al., arXiv 2310.06960, the effective
 * utility of a connection of strength w):
 *
 *   h(w) = α ln w − β (ln w)² − ln N(w),   β = 1/(2σ²),   α = μ_plain/σ² − 1,
 *
 * with σ and μ_plain = μ − σ² from the paper's lognormal fit. At arbitrage equilibrium every
 * connection has the same utility, which makes N(w) exactly the plain lognormal LN(μ_plain, σ²)
 * (ln p = (μ_plain/σ² − 1) ln w − (ln w)²/(2σ²) + const). So per bin with n_i > 0,
 *
 *   h_i = α ln c_i − β (ln c_i)² − ln n_i,
 *
 * and the count-weighted standard deviation of h_i, sqrt(Σ n_i (h_i − h̄)² / Σ n_i) with
 * h̄ = Σ n_i h_i / Σ n_i, measures how far the layer is from equilibrium (0 at equilibrium).
 */

export interface Teleodynamics {
  alpha: number;
  beta: number;
  equilibriumSpread: number;
}

/** α = μ_plain/σ² − 1 and β = 1/(2σ²) of a fit (METHOD §4). */
export function teleodynamicParameters(mu: number, sigma: number): { alpha: number; beta: number } {
  const variance = sigma * sigma;
  return { alpha: (mu - variance) / variance - 1, beta: 1 / (2 * variance) };
}

/** α, β and the equilibrium spread of a layer (METHOD §4). */
export function teleodynamics(mu: number, sigma: number, counts: ArrayLike<number>, centres: ArrayLike<number>): Teleodynamics {
  const { alpha, beta } = teleodynamicParameters(mu, sigma);
  let total = 0;
  let sum = 0;
  let sumSq = 0;
  const utilities: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!;
    if (!(n > 0)) continue;
    const logC = Math.log(centres[i]!);
    const h = alpha * logC - beta * logC * logC - Math.log(n);
    utilities.push(h);
    total += n;
    sum += n * h;
  }
  const mean = sum / total;
  let index = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!;
    if (!(n > 0)) continue;
    sumSq += n * (utilities[index++]! - mean) ** 2;
  }
  return { alpha, beta, equilibriumSpread: total > 0 ? Math.sqrt(sumSq / total) : NaN };
}
