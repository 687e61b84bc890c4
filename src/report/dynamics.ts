/**
 * Renderers for `jaynes dynamics`: human-readable tables (fluctuations, spectrum, the other step
 * scaling, trajectory, and the flags in words), CSV (one row per tracked layer plus the pooled row;
 * the flat fields below are a contract like the fit's layer fields) and JSON (the whole
 * DynamicsResult, histograms, spectra and null summaries included).
 */
import type { DynamicsLayer, DynamicsResult, TrajectoryPoint } from "../analysis/dynamics/analyze.js";
import type { NullSummary } from "../stats/replicateSummary.js";
import { METHOD_VERSION, documentHeader } from "../version.js";
import { csvField } from "./csv.js";
import { replacer } from "./json.js";
import { count, fixed, integer, shape, significant } from "./numbers.js";
import { droppedNote, simpleTable } from "./textTable.js";
import { wrapText } from "./textWidth.js";

type Row = Omit<DynamicsLayer, "trajectory" | "dtype" | "shape" | "params"> & Partial<Pick<DynamicsLayer, "trajectory" | "dtype" | "shape" | "params">>;

export const DYNAMICS_COLUMNS = [
  "tensor",
  "shape",
  "params",
  "dtype",
  "tracked",
  "nonfinite_series",
  "fluctuations",
  "zero_fluctuations",
  "peak",
  "median",
  "gamma",
  "gamma_se",
  "range_lo",
  "range_hi",
  "range_source",
  "range_samples",
  "ks",
  "gaussian_sigma",
  "gaussian_from",
  "gaussian_samples",
  "gaussian_ks",
  "crossover",
  "a_low",
  "a_high",
  "split",
  "low_lo",
  "low_hi",
  "high_lo",
  "high_hi",
  "spectrum_r2",
  "frequency_unit",
  "mu_first",
  "sigma_first",
  "r2_first",
  "mu_last",
  "sigma_last",
  "r2_last",
  "checkpoints",
  "first_step",
  "last_step",
  "track",
  "seed",
  // Added with the evidence (METHOD §6.4): nothing above changed meaning.
  "scaling",
  "rms_step_min",
  "rms_step_median",
  "rms_step_max",
  "static_series",
  "gamma_sd",
  "gamma_ci_lo",
  "gamma_ci_hi",
  "gamma_bootstrap_valid",
  "gamma_null",
  "gamma_null_lo",
  "gamma_null_hi",
  "gamma_null_valid",
  "gamma_outside_null",
  "range_at_minimum",
  "gof_p",
  "gof_samples",
  "power_law_flags",
  "gaussian_flags",
  "a_low_sd",
  "a_low_ci_lo",
  "a_low_ci_hi",
  "a_high_sd",
  "a_high_ci_lo",
  "a_high_ci_hi",
  "spectrum_bootstrap_valid",
  "a_low_null",
  "a_low_null_lo",
  "a_low_null_hi",
  "a_low_outside_null",
  "a_high_null",
  "a_high_null_lo",
  "a_high_null_hi",
  "a_high_outside_null",
  "fit_from",
  "low_bins",
  "high_bins",
  "low_frequencies",
  "high_frequencies",
  "spectrum_flags",
  "alt_scaling",
  "alt_gamma",
  "alt_range_lo",
  "alt_range_hi",
  "alt_a_low",
  "alt_a_high",
  "bootstrap",
  "surrogates",
  "gof",
  "method_version",
] as const;

export type DynamicsColumn = (typeof DYNAMICS_COLUMNS)[number];

function fittedEnds(trajectory: TrajectoryPoint[] | undefined): { first: TrajectoryPoint | undefined; last: TrajectoryPoint | undefined } {
  const fitted = (trajectory ?? []).filter((point) => point.mu !== null);
  return { first: fitted[0], last: fitted[fitted.length - 1] };
}

/** The flat record of one row (a layer or the pooled row), shared by CSV and the table. */
export function flatDynamicsRow(row: Row, result: DynamicsResult): Record<DynamicsColumn, unknown> {
  const f = row.fluctuations;
  const p = f.power_law;
  const s = row.spectrum;
  const alt = row.alternate;
  const { first, last } = fittedEnds(row.trajectory);
  const steps = result.checkpoints.map((checkpoint) => checkpoint.step);
  return {
    tensor: row.tensor,
    shape: row.shape?.join("x"),
    params: row.params,
    dtype: row.dtype,
    tracked: row.tracked,
    nonfinite_series: row.nonfinite_series,
    fluctuations: f.samples,
    zero_fluctuations: f.zeros,
    peak: f.peak,
    median: f.median,
    gamma: p?.gamma,
    gamma_se: p?.gamma_se,
    range_lo: p?.range[0],
    range_hi: p?.range[1],
    range_source: p?.range_source,
    range_samples: p?.samples,
    ks: p?.ks,
    gaussian_sigma: f.gaussian?.sigma,
    gaussian_from: f.gaussian?.from,
    gaussian_samples: f.gaussian?.samples,
    gaussian_ks: f.gaussian?.ks,
    crossover: f.crossover,
    a_low: s?.a_low,
    a_high: s?.a_high,
    split: s?.split,
    low_lo: s?.low_range?.[0],
    low_hi: s?.low_range?.[1],
    high_lo: s?.high_range?.[0],
    high_hi: s?.high_range?.[1],
    spectrum_r2: s?.r2,
    frequency_unit: result.frequency_unit,
    mu_first: first?.mu,
    sigma_first: first?.sigma,
    r2_first: first?.r2,
    mu_last: last?.mu,
    sigma_last: last?.sigma,
    r2_last: last?.r2,
    checkpoints: result.checkpoints.length,
    first_step: steps[0],
    last_step: steps[steps.length - 1],
    track: result.settings.track,
    seed: result.settings.seed,
    scaling: row.steps.scaling,
    rms_step_min: row.steps.rms_min,
    rms_step_median: row.steps.rms_median,
    rms_step_max: row.steps.rms_max,
    static_series: row.steps.static_series,
    gamma_sd: p?.gamma_sd,
    gamma_ci_lo: p?.gamma_ci?.[0],
    gamma_ci_hi: p?.gamma_ci?.[1],
    gamma_bootstrap_valid: p?.bootstrap_valid,
    gamma_null: f.gamma_null?.mean,
    gamma_null_lo: f.gamma_null?.ci?.[0],
    gamma_null_hi: f.gamma_null?.ci?.[1],
    gamma_null_valid: f.gamma_null?.valid,
    gamma_outside_null: f.gamma_null?.outside,
    range_at_minimum: p?.range_at_minimum,
    gof_p: p?.gof_p,
    gof_samples: p?.gof_samples,
    power_law_flags: p?.flags,
    gaussian_flags: f.gaussian?.flags,
    a_low_sd: s?.a_low_sd,
    a_low_ci_lo: s?.a_low_ci?.[0],
    a_low_ci_hi: s?.a_low_ci?.[1],
    a_high_sd: s?.a_high_sd,
    a_high_ci_lo: s?.a_high_ci?.[0],
    a_high_ci_hi: s?.a_high_ci?.[1],
    spectrum_bootstrap_valid: s?.bootstrap_valid,
    a_low_null: s?.a_low_null?.mean,
    a_low_null_lo: s?.a_low_null?.ci?.[0],
    a_low_null_hi: s?.a_low_null?.ci?.[1],
    a_low_outside_null: s?.a_low_null?.outside,
    a_high_null: s?.a_high_null?.mean,
    a_high_null_lo: s?.a_high_null?.ci?.[0],
    a_high_null_hi: s?.a_high_null?.ci?.[1],
    a_high_outside_null: s?.a_high_null?.outside,
    fit_from: s?.fit_from,
    low_bins: s?.low_bins,
    high_bins: s?.high_bins,
    low_frequencies: s?.low_frequencies,
    high_frequencies: s?.high_frequencies,
    spectrum_flags: s?.flags,
    alt_scaling: alt.scaling,
    alt_gamma: alt.fluctuations.power_law?.gamma,
    alt_range_lo: alt.fluctuations.power_law?.range[0],
    alt_range_hi: alt.fluctuations.power_law?.range[1],
    alt_a_low: alt.spectrum?.a_low,
    alt_a_high: alt.spectrum?.a_high,
    bootstrap: result.settings.bootstrap,
    surrogates: result.settings.surrogates,
    gof: result.settings.gof,
    method_version: METHOD_VERSION,
  };
}

/** The layers, then the pooled row when it adds something (more than one layer). */
function rows(result: DynamicsResult): Row[] {
  return result.pooled && result.layers.length > 1 ? [...result.layers, result.pooled] : [...result.layers];
}

/** `jaynes dynamics --format csv`: one row per tracked layer, plus the pooled row. */
export function renderDynamicsCsv(result: DynamicsResult): string {
  const lines = [DYNAMICS_COLUMNS.join(",")];
  for (const row of rows(result)) {
    const flat = flatDynamicsRow(row, result);
    lines.push(DYNAMICS_COLUMNS.map((column) => csvField(flat[column])).join(","));
  }
  return `${lines.join("\n")}\n`;
}

/** `jaynes dynamics --format json`: the whole result with the document header. */
export function renderDynamicsJson(result: DynamicsResult): string {
  return `${JSON.stringify({ ...documentHeader(), kind: "dynamics", ...result }, replacer, 2)}\n`;
}

/** Options of the dynamics tables. */
export interface DynamicsTableOptions {
  color: boolean;
  /** Terminal columns to fit; undefined: no limit, names whole. */
  width?: number;
}

/** A width-fitted table and, when columns were left out, the line that says so. */
function fitted(head: Parameters<typeof simpleTable>[0], rows: string[][], options: DynamicsTableOptions): string {
  const table = simpleTable(head, rows, { color: options.color, ...(options.width !== undefined ? { width: options.width } : {}) });
  return [table.text, ...droppedNote(table, options.width, "--format csv or json has every column")].join("\n");
}

const number = (value: number | null | undefined): string => significant(value, 3);
const span = (range: [number, number] | null | undefined): string => (range ? `${number(range[0])} – ${number(range[1])}` : "—");
const change = (first: number | null | undefined, last: number | null | undefined, digits: number): string => (first === undefined || first === null ? "—" : `${fixed(first, digits)} → ${fixed(last, digits)}`);

/** "0.576 [0.538, 0.626]": a value with its bootstrap interval. */
export function withInterval(value: number | null | undefined, ci: [number, number] | null | undefined, digits = 3): string {
  if (value === null || value === undefined) return "—";
  return ci ? `${fixed(value, digits)} [${fixed(ci[0], digits)}, ${fixed(ci[1], digits)}]` : fixed(value, digits);
}

/** "2.06 [1.89, 2.21] outside": the null's mean and 95 % interval, and where the observed value lies. */
export function nullText(n: NullSummary | null | undefined, digits = 2): string {
  if (!n) return "—";
  if (n.ci === null || n.mean === null) return `no value in ${n.replicates - n.valid}/${n.replicates}`;
  const where = n.outside === null ? "" : n.outside ? " outside" : " inside";
  return `${fixed(n.mean, digits)} [${fixed(n.ci[0], digits)}, ${fixed(n.ci[1], digits)}]${where}`;
}

/** Sentences for the flags of a row (empty when none). */
function flagNotes(row: Row, result: DynamicsResult): string[] {
  const notes: string[] = [];
  const p = row.fluctuations.power_law;
  const name = row.tensor;
  if (p?.flags.includes("minimum-span")) notes.push(`${name}: the power-law range spans the minimum admissible width (${result.settings.min_decades} decade${result.settings.min_decades === 1 ? "" : "s"}): γ depends on that rule`);
  if (p?.flags.includes("gof-rejected")) notes.push(`${name}: the power law is rejected on its range (goodness-of-fit p = ${fixed(p.gof_p, 2)} < 0.1)`);
  const g = row.fluctuations.gaussian;
  if (g?.flags.includes("tail-not-gaussian")) notes.push(`${name}: the tail is not Gaussian (tail KS ${fixed(g.ks, 3)} > 0.05)`);
  if (row.spectrum?.flags.includes("few-frequencies")) notes.push(`${name}: a spectrum segment holds fewer than ${result.settings.min_frequencies} independent frequencies; its exponent is left out`);
  return notes;
}

/** `jaynes dynamics`'s terminal tables. */
export function renderDynamicsTable(result: DynamicsResult, options: DynamicsTableOptions): string {
  const width = options.width;
  const out: string[] = [];
  const steps = result.checkpoints.map((checkpoint) => checkpoint.step);
  const s = result.settings;
  const when =
    result.order === "step"
      ? `steps ${steps[0]} … ${steps[steps.length - 1]}${result.step_interval !== null ? `, every ${result.step_interval}` : ", unevenly spaced"}; ordered by metadata step`
      : "ordered by name";
  out.push(wrapText(`${result.checkpoints.length} checkpoints (${when}); ${integer(s.track)} weights tracked per layer (seed ${s.seed})`, width));
  const scalingText =
    result.scaling === "standardized" ? "standardised steps: each weight's steps divided by its own RMS step before pooling" : "raw steps (--standardize divides each weight's steps by its own RMS step)";
  out.push(wrapText(`Statistics of ${scalingText}; [95 % bootstrap interval over tracked weights, ${s.bootstrap} replicates]; null: mean [95 %] of ${s.surrogates} surrogates`, width));

  const fluctuations = rows(result).map((row) => {
    const f = row.fluctuations;
    const p = f.power_law;
    return [
      row.tensor,
      integer(row.tracked),
      number(f.median),
      number(f.peak),
      p ? withInterval(p.gamma, p.gamma_ci) : "—",
      nullText(f.gamma_null),
      span(p?.range),
      p ? fixed(p.ks, 4) : "—",
      fixed(p?.gof_p, 2),
      number(f.gaussian?.sigma),
      f.gaussian ? fixed(f.gaussian.ks, 4) : "—",
      number(f.crossover),
    ];
  });
  out.push(wrapText("Fluctuations |d| = |w(t+1) − w(t)|: power law p(|d|) ∝ |d|^−γ, Gaussian tail above the range", width));
  out.push(
    fitted(
      [
        { header: "tensor" },
        { header: "tracked", dropOrder: 10 },
        { header: "median |d|", dropOrder: 30 },
        { header: "peak", dropOrder: 20 },
        { header: "γ [95 %]" },
        { header: "null γ (Gaussian steps)", dropOrder: 70 },
        { header: "power-law range", dropOrder: 50 },
        { header: "KS", dropOrder: 60 },
        { header: "GoF p", dropOrder: 65 },
        { header: "Gauss s", dropOrder: 40 },
        { header: "tail KS", dropOrder: 35 },
        { header: "crossover", dropOrder: 45 },
      ],
      fluctuations,
      options,
    ),
  );

  const spectrum = rows(result).map((row) => {
    const sp = row.spectrum;
    return [
      row.tensor,
      withInterval(sp?.a_low, sp?.a_low_ci),
      nullText(sp?.a_low_null),
      withInterval(sp?.a_high, sp?.a_high_ci),
      nullText(sp?.a_high_null),
      number(sp?.split),
      sp?.low_bins ? `${sp.low_bins} (${fixed(sp.low_frequencies, 1)})` : "—",
      fixed(sp?.r2, 4),
    ];
  });
  out.push(wrapText("Power spectrum P(f) ∝ f^−a of each tracked weight, averaged (a = 2: uncorrelated steps; null: each weight's steps shuffled in time)", width));
  out.push(
    fitted(
      [
        { header: "tensor" },
        { header: "a_low [95 %]" },
        { header: "null a_low", dropOrder: 40 },
        { header: "a_high [95 %]" },
        { header: "null a_high", dropOrder: 30 },
        { header: `split (${result.frequency_unit})`, dropOrder: 20 },
        { header: "low-f bins (indep.)", dropOrder: 10 },
        { header: "R²", dropOrder: 50 },
      ],
      spectrum,
      options,
    ),
  );

  const other = rows(result)[0]?.alternate.scaling ?? "standardized";
  const alternate = rows(result).map((row) => {
    const a = row.alternate;
    return [row.tensor, fixed(a.fluctuations.power_law?.gamma, 3), span(a.fluctuations.power_law?.range), fixed(a.spectrum?.a_low, 3), fixed(a.spectrum?.a_high, 3), row.steps.rms_min === null ? "—" : `${number(row.steps.rms_min)} … ${number(row.steps.rms_max)}`];
  });
  out.push(wrapText(`For comparison, ${other === "standardized" ? "standardised steps (each weight ÷ its RMS step)" : "raw steps"}: point estimates only`, width));
  out.push(fitted([{ header: "tensor" }, { header: "γ" }, { header: "power-law range", dropOrder: 20 }, { header: "a_low" }, { header: "a_high" }, { header: "RMS step min … max", dropOrder: 10 }], alternate, options));

  if (s.trajectory && result.layers.length > 0) {
    const trajectory = result.layers.map((layer) => {
      const { first, last } = fittedEnds(layer.trajectory);
      const flagged = layer.trajectory.filter((point) => point.flags.length > 0 || point.skipped !== undefined).length;
      return [layer.tensor, shape(layer.shape), change(first?.mu, last?.mu, 3), change(first?.sigma, last?.sigma, 3), change(first?.r2, last?.r2, 3), `${flagged}/${layer.trajectory.length}`];
    });
    out.push(wrapText("Lognormal trajectory (docs/METHOD.md §2–3 at every checkpoint; full series in --format json)", width));
    out.push(fitted([{ header: "tensor" }, { header: "shape", align: "left", dropOrder: 10 }, { header: "μ first → last" }, { header: "σ first → last" }, { header: "R² first → last", dropOrder: 20 }, { header: "flagged", dropOrder: 30 }], trajectory, options));
  }
  const notes = rows(result).flatMap((row) => flagNotes(row, result));
  for (const note of notes) out.push(wrapText(`note: ${note}`, width));
  const parts = [`track=${s.track}`, `seed=${s.seed}`, `standardize=${s.standardize}`, `bootstrap=${s.bootstrap}`, `surrogates=${s.surrogates}`, `gof=${s.gof}`, `bins-per-decade=${s.bins_per_decade}`, `min-decades=${s.min_decades}`, `bins=${s.bins}`, `normalize=${s.normalize}`, `min-params=${s.min_params}`];
  if (s.range) parts.push(`range=${s.range[0]}:${s.range[1]}`);
  if (s.split !== null) parts.push(`split=${s.split}`);
  if (s.include.length) parts.push(`include=${s.include.join(",")}`);
  if (s.exclude.length) parts.push(`exclude=${s.exclude.join(",")}`);
  out.push(wrapText(`settings: ${parts.join(" ")}; ${count(result.layers.length, "layer")} tracked, ${count(result.skipped.length, "tensor")} skipped`, width));
  return `${out.join("\n")}\n`;
}
