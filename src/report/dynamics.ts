/**
 * Renderers for `jaynes dynamics`: human-readable tables (fluctuations, spectrum, trajectory), CSV
 * (one row per tracked layer plus the pooled row; the flat fields below are a contract like the fit's
 * layer fields) and JSON (the whole DynamicsResult, histograms and spectra included).
 */
import type { DynamicsLayer, DynamicsResult, TrajectoryPoint } from "../analysis/dynamics/analyze.js";
import { VERSION } from "../version.js";
import { csvField } from "./csv.js";
import { replacer } from "./json.js";
import { droppedNote, simpleTable } from "./textTable.js";
import { wrapText } from "./textWidth.js";
import { fixed, integer, shape, significant } from "./numbers.js";

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
] as const;

export type DynamicsColumn = (typeof DYNAMICS_COLUMNS)[number];

function fittedEnds(trajectory: TrajectoryPoint[] | undefined): { first: TrajectoryPoint | undefined; last: TrajectoryPoint | undefined } {
  const fitted = (trajectory ?? []).filter((point) => point.mu !== null);
  return { first: fitted[0], last: fitted[fitted.length - 1] };
}

/** The flat record of one row (a layer or the pooled row), shared by CSV and the table. */
export function flatDynamicsRow(row: Row, result: DynamicsResult): Record<DynamicsColumn, unknown> {
  const f = row.fluctuations;
  const s = row.spectrum;
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
    gamma: f.power_law?.gamma,
    gamma_se: f.power_law?.gamma_se,
    range_lo: f.power_law?.range[0],
    range_hi: f.power_law?.range[1],
    range_source: f.power_law?.range_source,
    range_samples: f.power_law?.samples,
    ks: f.power_law?.ks,
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
  };
}

/** The layers, then the pooled row when it adds something (more than one layer). */
function rows(result: DynamicsResult): Row[] {
  return result.pooled && result.layers.length > 1 ? [...result.layers, result.pooled] : [...result.layers];
}

export function renderDynamicsCsv(result: DynamicsResult): string {
  const lines = [DYNAMICS_COLUMNS.join(",")];
  for (const row of rows(result)) {
    const flat = flatDynamicsRow(row, result);
    lines.push(DYNAMICS_COLUMNS.map((column) => csvField(flat[column])).join(","));
  }
  return `${lines.join("\n")}\n`;
}

export function renderDynamicsJson(result: DynamicsResult): string {
  return `${JSON.stringify({ tool: "jaynes", version: VERSION, kind: "dynamics", ...result }, replacer, 2)}\n`;
}

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

export function renderDynamicsTable(result: DynamicsResult, options: DynamicsTableOptions): string {
  const width = options.width;
  const out: string[] = [];
  const steps = result.checkpoints.map((checkpoint) => checkpoint.step);
  const when =
    result.order === "step"
      ? `steps ${steps[0]} … ${steps[steps.length - 1]}${result.step_interval !== null ? `, every ${result.step_interval}` : ", unevenly spaced"}; ordered by metadata step`
      : "ordered by name";
  out.push(`${result.checkpoints.length} checkpoints (${when}); ${integer(result.settings.track)} weights tracked per layer (seed ${result.settings.seed})`);

  const fluctuations: string[][] = [];
  for (const row of rows(result)) {
    const f = row.fluctuations;
    const p = f.power_law;
    fluctuations.push([
      row.tensor,
      integer(row.tracked),
      number(f.median),
      number(f.peak),
      p ? `${fixed(p.gamma, 3)} ± ${fixed(p.gamma_se, 3)}` : "—",
      span(p?.range),
      p ? fixed(p.ks, 4) : "—",
      number(f.gaussian?.sigma),
      f.gaussian ? fixed(f.gaussian.ks, 4) : "—",
      number(f.crossover),
    ]);
  }
  out.push(wrapText("Fluctuations |d| = |w(t+1) − w(t)|: power law p(|d|) ∝ |d|^−γ, Gaussian tail above the range", width));
  out.push(
    fitted(
      [{ header: "tensor" }, { header: "tracked", dropOrder: 10 }, { header: "median |d|", dropOrder: 30 }, { header: "peak", dropOrder: 20 }, { header: "γ ± se" }, { header: "power-law range", dropOrder: 50 }, { header: "KS", dropOrder: 60 }, { header: "Gauss s", dropOrder: 40 }, { header: "tail KS", dropOrder: 35 }, { header: "crossover", dropOrder: 45 }],
      fluctuations,
      options,
    ),
  );

  const spectrum = rows(result).map((row) => {
    const s = row.spectrum;
    return [row.tensor, fixed(s?.a_low, 3), fixed(s?.a_high, 3), number(s?.split), span(s?.low_range), span(s?.high_range), fixed(s?.r2, 4)];
  });
  out.push(wrapText(`Power spectrum P(f) ∝ f^−a of each tracked weight, averaged (a ≈ 2: uncorrelated jumps)`, width));
  out.push(fitted([{ header: "tensor" }, { header: "a_low" }, { header: "a_high" }, { header: `split (${result.frequency_unit})`, dropOrder: 30 }, { header: "low-f range", dropOrder: 10 }, { header: "high-f range", dropOrder: 20 }, { header: "R²", dropOrder: 40 }], spectrum, options));

  if (result.settings.trajectory && result.layers.length > 0) {
    const trajectory = result.layers.map((layer) => {
      const { first, last } = fittedEnds(layer.trajectory);
      const flagged = layer.trajectory.filter((point) => point.flags.length > 0 || point.skipped !== undefined).length;
      return [layer.tensor, shape(layer.shape), change(first?.mu, last?.mu, 3), change(first?.sigma, last?.sigma, 3), change(first?.r2, last?.r2, 3), `${flagged}/${layer.trajectory.length}`];
    });
    out.push(wrapText("Lognormal trajectory (METHOD §2–3 at every checkpoint; full series in --format json)", width));
    out.push(fitted([{ header: "tensor" }, { header: "shape", align: "left", dropOrder: 10 }, { header: "μ first → last" }, { header: "σ first → last" }, { header: "R² first → last", dropOrder: 20 }, { header: "flagged", dropOrder: 30 }], trajectory, options));
  }
  const s = result.settings;
  const parts = [`track=${s.track}`, `seed=${s.seed}`, `bins-per-decade=${s.bins_per_decade}`, `min-decades=${s.min_decades}`, `bins=${s.bins}`, `normalize=${s.normalize}`, `min-params=${s.min_params}`];
  if (s.range) parts.push(`range=${s.range[0]}:${s.range[1]}`);
  if (s.split !== null) parts.push(`split=${s.split}`);
  if (s.include.length) parts.push(`include=${s.include.join(",")}`);
  if (s.exclude.length) parts.push(`exclude=${s.exclude.join(",")}`);
  const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;
  out.push(`settings: ${parts.join(" ")}; ${count(result.layers.length, "layer")} tracked, ${count(result.skipped.length, "tensor")} skipped`);
  return `${out.join("\n")}\n`;
}
