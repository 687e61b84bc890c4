/**
 * The scipy/MINPACK reference numbers in ../shared/real/oracle and the comparison rule of METHOD §3:
 * unflagged oracle layers match to |Δμ|, |Δσ| ≤ 1e-4, |ΔR²| ≤ 1e-5, |ΔA|/A ≤ 1e-4; flagged oracle
 * layers raise the same flags. Layers are matched by (tensor, params, max_abs), since ONNX names
 * repeat across branches and readers may prefix graph paths.
 */
import { existsSync, readFileSync } from "node:fs";
import { expect } from "vitest";
import type { LayerResult } from "../../src/analysis/layerResult.js";

/** ../shared/real beside the checkout (or JAYNES_SHARED_REAL); tests that need it skip when absent. */
const candidates = [process.env.JAYNES_SHARED_REAL, new URL("../../../shared/real/", import.meta.url).pathname].filter((path): path is string => Boolean(path));
export const SHARED_REAL = (candidates.find((path) => existsSync(path)) ?? candidates[0]!).replace(/\/?$/, "/");
export const HAVE_SHARED = existsSync(SHARED_REAL);

export interface OracleLayer {
  tensor: string;
  params: number;
  shape: number[];
  dtype: string;
  max_abs: number;
  A?: number;
  mu?: number;
  sigma?: number;
  r2?: number;
  zeros?: number;
  nonfinite?: number;
  first_bin_mass?: number;
  distinct?: number;
  flags?: string[];
  fit_failed?: boolean;
}

export function loadOracle(name: string): OracleLayer[] {
  return readFileSync(`${SHARED_REAL}oracle/${name}.jsonl`, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as OracleLayer);
}

export const TOLERANCE = { mu: 1e-4, sigma: 1e-4, r2: 1e-5, relativeA: 1e-4 };

export interface OracleComparison {
  compared: number;
  flaggedChecked: number;
  failedFits: number;
  unmatched: string[];
  mismatches: string[];
}

/** Find our layer for an oracle layer: same params and max|w| (to float32 precision), name as a suffix. */
export function findLayer(layers: readonly LayerResult[], oracle: OracleLayer): LayerResult | undefined {
  const candidates = layers.filter((layer) => layer.params === oracle.params && Math.abs(layer.max_abs - oracle.max_abs) <= 1e-6 * Math.max(1, oracle.max_abs));
  return candidates.find((layer) => layer.tensor === oracle.tensor) ?? candidates.find((layer) => (layer.original_name ?? layer.tensor) === oracle.tensor) ?? candidates.find((layer) => layer.tensor.endsWith(oracle.tensor)) ?? candidates[0];
}

export function compareWithOracle(layers: readonly LayerResult[], oracle: readonly OracleLayer[]): OracleComparison {
  const result: OracleComparison = { compared: 0, flaggedChecked: 0, failedFits: 0, unmatched: [], mismatches: [] };
  for (const expected of oracle) {
    const ours = findLayer(layers, expected);
    if (!ours) {
      result.unmatched.push(expected.tensor);
      continue;
    }
    if (expected.fit_failed) {
      result.failedFits++;
      continue;
    }
    const oracleFlags = expected.flags ?? [];
    if (oracleFlags.length > 0) {
      result.flaggedChecked++;
      for (const flag of oracleFlags) if (!ours.flags.includes(flag as never)) result.mismatches.push(`${expected.tensor}: oracle flag ${flag} missing (ours: ${ours.flags.join(",")})`);
      continue;
    }
    result.compared++;
    const problems: string[] = [];
    if (Math.abs(ours.mu - expected.mu!) > TOLERANCE.mu) problems.push(`mu ${ours.mu} vs ${expected.mu}`);
    if (Math.abs(ours.sigma - expected.sigma!) > TOLERANCE.sigma) problems.push(`sigma ${ours.sigma} vs ${expected.sigma}`);
    if (Math.abs(ours.r2 - expected.r2!) > TOLERANCE.r2) problems.push(`r2 ${ours.r2} vs ${expected.r2}`);
    if (Math.abs(ours.A - expected.A!) > TOLERANCE.relativeA * Math.abs(expected.A!)) problems.push(`A ${ours.A} vs ${expected.A}`);
    // Flags the oracle computes (first-bin, peak-outside on (0, 1]) must agree on unflagged layers
    // too. METHOD §7.3 narrowed peak-outside to [1/(2B), 1]: a mode in (0, 1/(2B)) is a new flag.
    const mode = Math.exp(ours.mu - ours.sigma * ours.sigma);
    const shared = ours.flags.filter((flag) => flag === "first-bin" || (flag === "peak-outside" && !(mode > 0 && mode <= 1)));
    if (shared.length > 0) problems.push(`flags ${shared.join(",")} raised, oracle has none`);
    if (expected.zeros !== undefined && ours.zeros !== expected.zeros) problems.push(`zeros ${ours.zeros} vs ${expected.zeros}`);
    if (expected.first_bin_mass !== undefined && Math.abs(ours.first_bin_mass - expected.first_bin_mass) > 1e-9) problems.push(`first_bin_mass ${ours.first_bin_mass} vs ${expected.first_bin_mass}`);
    if (expected.distinct !== undefined && (ours.distinct_exact ? ours.distinct !== expected.distinct : ours.distinct > expected.distinct)) problems.push(`distinct ${ours.distinct} vs ${expected.distinct}`);
    if (problems.length > 0) result.mismatches.push(`${expected.tensor}: ${problems.join("; ")}`);
  }
  return result;
}

/**
 * Assert that `layers` match the oracle: every oracle layer found, no mismatch, all accounted for
 * (and, unless `allowNoneCompared`, at least one unflagged layer compared). Logs the counts.
 */
export function expectOracleMatch(label: string, layers: readonly LayerResult[], oracle: readonly OracleLayer[], allowNoneCompared = false): OracleComparison {
  const comparison = compareWithOracle(layers, oracle);
  console.log(`${label}: ${comparison.compared} unflagged layers matched, ${comparison.flaggedChecked} flagged checked, ${comparison.failedFits} oracle fit failures`);
  expect(comparison.unmatched).toEqual([]);
  expect(comparison.mismatches).toEqual([]);
  expect(comparison.compared + comparison.flaggedChecked + comparison.failedFits).toBe(oracle.length);
  if (!allowNoneCompared) expect(comparison.compared).toBeGreaterThan(0);
  return comparison;
}
