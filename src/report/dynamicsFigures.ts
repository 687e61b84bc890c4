/**
 * The figures of `jaynes dynamics --plot DIR`, as Vega-Lite specs with their data inline (analogues of
 * Figures 2–4 of Katsnelson, Vanchurin & Westerhout, arXiv 2107.03402):
 *   fluctuations  density of |d| on log–log axes, the fitted power law over its range, the Gaussian
 *                 tail above it, the crossover, and the 95 % band of the Gaussian-steps null;
 *   spectrum      the averaged power spectrum with the two fitted slopes a_low, a_high and the 95 %
 *                 band of the shuffled-steps surrogates;
 *   trajectory    μ, σ and R² of the lognormal fit per layer across the checkpoints.
 * The fluctuation and spectrum figures have two panels: the reported step scaling (with its
 * intervals and null) on top, the other one (raw or standardised, point estimates) below.
 * Each is written as NAME.vl.json (the spec, reusable in any Vega-Lite tool) and NAME.svg.
 */
import { join } from "node:path";
import type { AlternateScaling, DynamicsResult } from "../analysis/dynamics/analyze.js";
import type { FluctuationResult } from "../analysis/dynamics/fluctuations.js";
import type { StepScaling } from "../analysis/dynamics/increments.js";
import { discreteFrequency, type SpectrumResult } from "../analysis/dynamics/spectrum.js";
import { ensureOutputFolder, writeFileAtomic } from "../io/atomicWrite.js";
import { gaussianTailDensity } from "../stats/gaussianTail.js";
import { powerLawDensity } from "../stats/powerLaw.js";
import { nullText, withInterval } from "./dynamics.js";
import { significant } from "./numbers.js";
import { renderVegaLiteSvg } from "./vega.js";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";
const WIDTH = 520;
const HEIGHT = 300;
const CURVE_POINTS = 60;

/** Log-spaced points on [lo, hi]. */
function logSpace(lo: number, hi: number, count = CURVE_POINTS): number[] {
  return Array.from({ length: count }, (_, i) => lo * (hi / lo) ** (i / (count - 1)));
}

const logAxis = (field: string, title: string): object => ({ field, type: "quantitative", title, scale: { type: "log", nice: false }, axis: { format: "~e", grid: true } });

/** Data as grey points, the fits in fixed colours, legend below the plot with full labels. */
function seriesColor(domain: string[]): object {
  const palette = ["#7f7f7f", "#d62728", "#1f77b4", "#2ca02c"];
  return { field: "series", type: "nominal", title: null, scale: { domain, range: palette.slice(0, domain.length) }, legend: { orient: "bottom", direction: "vertical", labelLimit: 600 } };
}

const scalingText = (scaling: StepScaling): string => (scaling === "standardized" ? "standardised steps (each weight ÷ its RMS step)" : "raw steps");

/** The shaded null band: rows { x, lo, hi } drawn as an area under everything else. */
function bandLayer(values: { x: number; lo: number; hi: number }[], x: string, y: string): object {
  return {
    data: { values },
    mark: { type: "area", color: "#9ecae1", opacity: 0.45 },
    encoding: { x: { field: "x", type: "quantitative", title: x, scale: { type: "log", nice: false } }, y: { field: "lo", type: "quantitative", title: y, scale: { type: "log", nice: false } }, y2: { field: "hi" } },
  };
}

export function fluctuationSpec(f: FluctuationResult, title: string, scaling: StepScaling = "raw"): object {
  const data: { x: number; y: number; series: string }[] = [];
  const h = f.histogram;
  let minDensity = Infinity;
  for (let k = 0; k < h.counts.length; k++) {
    if (h.counts[k]! > 0) {
      const y = h.density[k]!;
      data.push({ x: Math.sqrt(h.edges[k]! * h.edges[k + 1]!), y, series: "data" });
      minDensity = Math.min(minDensity, y);
    }
  }
  const floor = minDensity / 10;
  const p = f.power_law;
  const pLabel = p ? `power law γ = ${withInterval(p.gamma, p.gamma_ci)}` : "";
  if (p) {
    for (const x of logSpace(p.range[0], p.range[1])) {
      // Rounding can put the last point a hair above hi, where the density is 0 (no place on a log axis).
      const y = p.fraction * powerLawDensity(Math.min(Math.max(x, p.range[0]), p.range[1]), p.gamma, p.range[0], p.range[1]);
      if (y > 0) data.push({ x, y, series: pLabel });
    }
  }
  const g = f.gaussian;
  const gLabel = g ? `Gaussian tail s = ${significant(g.sigma, 3)}` : "";
  if (g) {
    const top = h.edges[h.edges.length - 1]!;
    for (const x of logSpace(g.from, top)) {
      const y = g.fraction * gaussianTailDensity(x, g.sigma, g.from);
      if (y >= floor) data.push({ x, y, series: gLabel });
    }
  }
  const color = seriesColor(["data", ...(p ? [pLabel] : []), ...(g ? [gLabel] : [])]);
  const xTitle = scaling === "standardized" ? "|d| / RMS step of its weight" : "|d| = |w(t+1) − w(t)|";
  const layers: object[] = [];
  if (h.null_lo && h.null_hi) {
    const values = h.counts.map((_, k) => ({ x: Math.sqrt(h.edges[k]! * h.edges[k + 1]!), lo: Math.max(floor, h.null_lo![k]!), hi: Math.max(floor, h.null_hi![k]!) })).filter((v) => v.hi > floor);
    layers.push(bandLayer(values, xTitle, "probability density"));
  }
  layers.push(
    { transform: [{ filter: "datum.series === 'data'" }], mark: { type: "point", filled: true, size: 28 }, encoding: { x: logAxis("x", xTitle), y: logAxis("y", "probability density"), color } },
    { transform: [{ filter: "datum.series !== 'data'" }], mark: { type: "line", strokeWidth: 2 }, encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" }, color } },
  );
  if (f.crossover !== null) {
    layers.push({ data: { values: [{ x: f.crossover }] }, mark: { type: "rule", strokeDash: [4, 4], color: "gray" }, encoding: { x: { field: "x", type: "quantitative" } } });
  }
  const subtitle = [
    p ? `γ = ${withInterval(p.gamma, p.gamma_ci)} on [${significant(p.range[0], 3)}, ${significant(p.range[1], 3)}], KS ${p.ks.toFixed(4)}${p.gof_p !== null ? `, GoF p = ${p.gof_p.toFixed(2)}` : ""}${p.range_at_minimum ? " (range at the minimum span)" : ""}` : "no power-law range found",
    f.gamma_null ? `null (Gaussian steps at each weight's RMS, band shaded): γ = ${nullText(f.gamma_null)}` : "",
    f.crossover !== null ? `crossover s·√γ = ${significant(f.crossover, 3)} (dashed)${g?.flags.includes("tail-not-gaussian") ? `; tail not Gaussian (KS ${g.ks.toFixed(3)})` : ""}` : "",
  ].filter(Boolean);
  return { title: { text: `Fluctuations of tracked weights — ${title} — ${scalingText(scaling)}`, subtitle }, width: WIDTH, height: HEIGHT, data: { values: data }, layer: layers };
}

/** `interval`: steps per checkpoint when the unit is 1/step (f per checkpoint = f · interval), else 1. */
export function spectrumSpec(s: SpectrumResult, title: string, unit: string, interval: number, scaling: StepScaling = "raw"): object {
  const data: { f: number; P: number; series: string }[] = [];
  const domain = ["averaged spectrum"];
  for (let k = 0; k < s.frequency.length; k++) if (s.power[k]! > 0) data.push({ f: s.frequency[k]!, P: s.power[k]!, series: "averaged spectrum" });
  if (s.split !== null && s.power_at_split !== null && s.low_range && s.high_range) {
    const lnSplit = Math.log(discreteFrequency(s.split * interval));
    const fitted = (f: number, a: number): number => s.power_at_split! * Math.exp(-a * (Math.log(discreteFrequency(f * interval)) - lnSplit));
    if (s.a_low !== null) {
      const low = `low f: a_low = ${withInterval(s.a_low, s.a_low_ci)}`;
      domain.push(low);
      for (const f of logSpace(s.low_range[0], s.low_range[1], 30)) data.push({ f, P: fitted(f, s.a_low), series: low });
    }
    if (s.a_high !== null) {
      const high = `high f: a_high = ${withInterval(s.a_high, s.a_high_ci)}`;
      domain.push(high);
      for (const f of logSpace(s.high_range[0], s.high_range[1], 30)) data.push({ f, P: fitted(f, s.a_high), series: high });
    }
  }
  const color = seriesColor(domain);
  const xTitle = `frequency f (${unit})`;
  const layers: object[] = [];
  if (s.null_power_lo && s.null_power_hi) {
    layers.push(bandLayer(s.frequency.map((f, k) => ({ x: f, lo: s.null_power_lo![k]!, hi: s.null_power_hi![k]! })), xTitle, "power P(f)"));
  }
  layers.push(
    { transform: [{ filter: "datum.series === 'averaged spectrum'" }], mark: { type: "point", filled: true, size: 22 }, encoding: { x: logAxis("f", xTitle), y: logAxis("P", "power P(f)"), color } },
    { transform: [{ filter: "datum.series !== 'averaged spectrum'" }], mark: { type: "line", strokeWidth: 2 }, encoding: { x: { field: "f", type: "quantitative" }, y: { field: "P", type: "quantitative" }, color } },
    { data: { values: [{ f: s.fit_from }] }, mark: { type: "rule", strokeDash: [2, 3], color: "gray" }, encoding: { x: { field: "f", type: "quantitative" } } },
  );
  const subtitle = [
    `${s.series} series of ${s.length} checkpoints: spectrum of the ${s.fft_length} steps (mean removed, Hann window, no padding) ÷ 4 sin²(πf)`,
    `split ${significant(s.split, 3)} ${unit} (${s.split_source}); slopes against sin(πf)/π; bins left of the dotted line (window main lobe) not fitted`,
    s.a_low_null ? `null (each weight's steps shuffled in time, band shaded): a_low ${nullText(s.a_low_null)}, a_high ${nullText(s.a_high_null)}` : "",
  ].filter(Boolean);
  return { title: { text: `Power spectrum of tracked weights — ${title} — ${scalingText(scaling)}`, subtitle }, width: WIDTH, height: HEIGHT, data: { values: data }, layer: layers };
}

/** Two panels, the reported scaling on top and the other below, colour legends kept apart. */
function panels(top: object, bottom: object | undefined): object {
  if (!bottom) return { $schema: SCHEMA, ...top };
  return { $schema: SCHEMA, vconcat: [top, bottom], spacing: 40, resolve: { scale: { color: "independent" } } };
}

export function trajectorySpec(result: DynamicsResult): object {
  const byStep = result.order === "step";
  const data: { x: number; layer: string; quantity: string; value: number }[] = [];
  for (const layer of result.layers) {
    layer.trajectory.forEach((point, index) => {
      if (point.mu === null || point.sigma === null || point.r2 === null) return;
      const x = byStep && point.step !== null ? point.step : index;
      data.push({ x, layer: layer.tensor, quantity: "μ", value: point.mu }, { x, layer: layer.tensor, quantity: "σ", value: point.sigma }, { x, layer: layer.tensor, quantity: "R²", value: point.r2 });
    });
  }
  return {
    $schema: SCHEMA,
    title: { text: "Lognormal microstructure across training", subtitle: "size-weighted |w| histogram fitted at every checkpoint (docs/METHOD.md §2–3)" },
    data: { values: data },
    facet: { row: { field: "quantity", type: "nominal", title: null, sort: ["μ", "σ", "R²"] } },
    spec: {
      width: WIDTH,
      height: 140,
      mark: { type: "line", point: data.length <= 600 },
      encoding: {
        x: { field: "x", type: "quantitative", title: byStep ? "step" : "checkpoint" },
        y: { field: "value", type: "quantitative", title: null, scale: { zero: false } },
        color: { field: "layer", type: "nominal", title: "layer", legend: { orient: "bottom", direction: "vertical", labelLimit: 600 } },
      },
    },
    resolve: { scale: { y: "independent" } },
  };
}

/** Build, render and write the figures; returns the files written. */
export async function writeDynamicsFigures(result: DynamicsResult, directory: string): Promise<string[]> {
  await ensureOutputFolder(directory);
  const figures: { name: string; spec: object }[] = [];
  const pooled = result.pooled;
  if (pooled) {
    const label = result.layers.length === 1 ? result.layers[0]!.tensor : `${result.layers.length} layers pooled`;
    const other: AlternateScaling = pooled.alternate;
    const interval = result.step_interval ?? 1;
    figures.push({ name: "fluctuations", spec: panels(fluctuationSpec(pooled.fluctuations, label, result.scaling), fluctuationSpec(other.fluctuations, label, other.scaling)) });
    if (pooled.spectrum) {
      const bottom = other.spectrum ? spectrumSpec(other.spectrum, label, result.frequency_unit, interval, other.scaling) : undefined;
      figures.push({ name: "spectrum", spec: panels(spectrumSpec(pooled.spectrum, label, result.frequency_unit, interval, result.scaling), bottom) });
    }
  }
  if (result.settings.trajectory && result.layers.some((layer) => layer.trajectory.length > 0)) figures.push({ name: "trajectory", spec: trajectorySpec(result) });
  const written: string[] = [];
  for (const { name, spec } of figures) {
    const svg = await renderVegaLiteSvg(spec);
    const specPath = join(directory, `${name}.vl.json`);
    const svgPath = join(directory, `${name}.svg`);
    await writeFileAtomic(specPath, `${JSON.stringify(spec, null, 2)}\n`);
    await writeFileAtomic(svgPath, svg);
    written.push(specPath, svgPath);
  }
  return written;
}
