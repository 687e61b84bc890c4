/**
 * The figures of `jaynes dynamics --plot DIR`, as Vega-Lite specs with their data inline (analogues of
 * Figures 2–4 of Katsnelson, Vanchurin & Westerhout, arXiv 2107.03402):
 *   fluctuations  density of |d| on log–log axes, the fitted power law over its range, the Gaussian
 *                 tail above it, and the crossover;
 *   spectrum      the averaged power spectrum with the two fitted slopes a_low, a_high;
 *   trajectory    μ, σ and R² of the lognormal fit per layer across the checkpoints.
 * Each is written as NAME.vl.json (the spec, reusable in any Vega-Lite tool) and NAME.svg.
 */
import { join } from "node:path";
import type { DynamicsResult } from "../analysis/dynamics/analyze.js";
import type { FluctuationResult } from "../analysis/dynamics/fluctuations.js";
import { discreteFrequency, type SpectrumResult } from "../analysis/dynamics/spectrum.js";
import { ensureOutputFolder, writeFileAtomic } from "../io/atomicWrite.js";
import { gaussianTailDensity } from "../stats/gaussianTail.js";
import { powerLawDensity } from "../stats/powerLaw.js";
import { significant } from "./numbers.js";
import { renderVegaLiteSvg } from "./vega.js";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";
const WIDTH = 520;
const HEIGHT = 340;
const CURVE_POINTS = 60;

/** Log-spaced points on [lo, hi]. */
function logSpace(lo: number, hi: number, count = CURVE_POINTS): number[] {
  return Array.from({ length: count }, (_, i) => lo * (hi / lo) ** (i / (count - 1)));
}

const logAxis = (field: string, title: string): object => ({ field, type: "quantitative", title, scale: { type: "log", nice: false }, axis: { format: "~e", grid: true } });

/** Data as grey points, the fits in fixed colours, legend below the plot with full labels. */
function seriesColor(domain: string[]): object {
  const palette = ["#7f7f7f", "#d62728", "#1f77b4"];
  return { field: "series", type: "nominal", title: null, scale: { domain, range: palette.slice(0, domain.length) }, legend: { orient: "bottom", direction: "vertical", labelLimit: 600 } };
}

export function fluctuationSpec(f: FluctuationResult, title: string): object {
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
  const pLabel = p ? `power law γ = ${p.gamma.toFixed(3)}` : "";
  if (p) for (const x of logSpace(p.range[0], p.range[1])) data.push({ x, y: p.fraction * powerLawDensity(x, p.gamma, p.range[0], p.range[1]), series: pLabel });
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
  const layers: object[] = [
    { transform: [{ filter: "datum.series === 'data'" }], mark: { type: "point", filled: true, size: 28 }, encoding: { x: logAxis("x", "|d| = |w(t+1) − w(t)|"), y: logAxis("y", "probability density"), color } },
    { transform: [{ filter: "datum.series !== 'data'" }], mark: { type: "line", strokeWidth: 2 }, encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" }, color } },
  ];
  if (f.crossover !== null) {
    layers.push({ data: { values: [{ x: f.crossover, label: `crossover ${significant(f.crossover, 3)}` }] }, mark: { type: "rule", strokeDash: [4, 4], color: "gray" }, encoding: { x: { field: "x", type: "quantitative" } } });
  }
  return {
    $schema: SCHEMA,
    title: { text: `Fluctuations of tracked weights — ${title}`, subtitle: [p ? `${pLabel} ± ${p.gamma_se.toFixed(3)} on [${significant(p.range[0], 3)}, ${significant(p.range[1], 3)}], KS ${p.ks.toFixed(4)}` : "no power-law range found", f.crossover !== null ? `crossover s·√γ = ${significant(f.crossover, 3)} (dashed)` : ""].filter(Boolean) },
    width: WIDTH,
    height: HEIGHT,
    data: { values: data },
    layer: layers,
  };
}

/** `interval`: steps per checkpoint when the unit is 1/step (f per checkpoint = f · interval), else 1. */
export function spectrumSpec(s: SpectrumResult, title: string, unit: string, interval: number): object {
  const data: { f: number; P: number; series: string }[] = [];
  const domain = ["averaged spectrum"];
  for (let k = 0; k < s.frequency.length; k++) if (s.power[k]! > 0) data.push({ f: s.frequency[k]!, P: s.power[k]!, series: "averaged spectrum" });
  if (s.a_low !== null && s.a_high !== null && s.split !== null && s.power_at_split !== null && s.low_range && s.high_range) {
    const lnSplit = Math.log(discreteFrequency(s.split * interval));
    const fitted = (f: number, a: number): number => s.power_at_split! * Math.exp(-a * (Math.log(discreteFrequency(f * interval)) - lnSplit));
    const low = `low f: a_low = ${s.a_low.toFixed(3)}`;
    const high = `high f: a_high = ${s.a_high.toFixed(3)}`;
    domain.push(low, high);
    for (const f of logSpace(s.low_range[0], s.low_range[1], 30)) data.push({ f, P: fitted(f, s.a_low), series: low });
    for (const f of logSpace(s.high_range[0], s.high_range[1], 30)) data.push({ f, P: fitted(f, s.a_high), series: high });
  }
  const color = seriesColor(domain);
  return {
    $schema: SCHEMA,
    title: { text: `Power spectrum of tracked weights — ${title}`, subtitle: [`${s.series} series of ${s.length} checkpoints, mean removed, Hann window`, `split ${significant(s.split, 3)} ${unit} (${s.split_source}); slopes fitted against sin(πf)/π`] },
    width: WIDTH,
    height: HEIGHT,
    data: { values: data },
    layer: [
      { transform: [{ filter: "datum.series === 'averaged spectrum'" }], mark: { type: "point", filled: true, size: 22 }, encoding: { x: logAxis("f", `frequency f (${unit})`), y: logAxis("P", "power P(f)"), color } },
      { transform: [{ filter: "datum.series !== 'averaged spectrum'" }], mark: { type: "line", strokeWidth: 2 }, encoding: { x: { field: "f", type: "quantitative" }, y: { field: "P", type: "quantitative" }, color } },
    ],
  };
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
    title: { text: "Lognormal microstructure across training", subtitle: "size-weighted |w| histogram fitted at every checkpoint (METHOD §2–3)" },
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
    figures.push({ name: "fluctuations", spec: fluctuationSpec(pooled.fluctuations, label) });
    if (pooled.spectrum) figures.push({ name: "spectrum", spec: spectrumSpec(pooled.spectrum, label, result.frequency_unit, result.step_interval ?? 1) });
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
