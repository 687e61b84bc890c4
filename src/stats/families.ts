/**
 * The registry of distribution families (METHOD §5, §7.4), in report order: the paper's lognormal
 * first, then the alternatives. Every family-dependent output — the `alternatives` block, its CSV
 * columns (`A_halfnormal`, `s_halfnormal`, …), the maximum-likelihood block `ml`, `best`/`best_ml`,
 * table and HTML columns, figure curves and legends — is generated from this list, so a new family
 * is one file implementing SizeWeightedFamily plus one line here.
 */
import { exponentialFamily } from "./exponential.js";
import { halfNormalFamily } from "./halfNormal.js";
import { lognormalFamily } from "./lognormal.js";
import { powerLawFamily } from "./powerLawFamily.js";
import type { SizeWeightedFamily } from "./sizeWeightedFamily.js";

/** The registry of size-weighted families every layer is fitted with (METHOD §5), in report order: one line per family. */
export const FAMILY_LIST = [
  lognormalFamily,
  halfNormalFamily,
  exponentialFamily,
  powerLawFamily,
] as const satisfies readonly SizeWeightedFamily[];

/** The name of a family of the registry. */
export type FamilyName = (typeof FAMILY_LIST)[number]["name"];
