/**
 * The figures as Vega-Lite specs (https://vega.github.io/vega-lite/docs/), data inline, so a user
 * can restyle the written .vl.json and re-render it anywhere:
 * - per layer: the size-weighted histogram y_i (bars on the bins) with the fitted lognormal and the
 *   alternatives overlaid, each labelled with its R² and ΔAIC (to the best by AIC);
 * - per model (the paper's figures): μ and σ against layer depth, R² per layer beside the null
 *   baseline, and the μ–σ scatter coloured by the best family.
 * Layers are in depth order (formats/depthOrder.ts); the depth axis has a tick per layer labelled
 * with its (abbreviated) tensor name, or per block (`layers.7.…` → 7) when there are too many
 * layers to name, or per few layers by index — integer ticks always. Titles name the model by its
 * file name (never an absolute path); every curve's legend entry is drawn in the curve's dash.
 * Flagged layers (METHOD §3) can have μ in the hundreds; the μ/σ figures leave them out unless the
 * model was analysed with --include-flagged, as the summary does (the R² figure shows every layer).
 */
import { FAMILIES, MODEL_NAMES, type ModelName, aicOf, deltaAic, expectedCounts, fittedCurve, fittedParameters } from "../analysis/evidence.js";
import type { LayerResult } from "../analysis/layerResult.js";
import type { ModelResult } from "../analysis/model.js";
import { isRemoteLocation } from "../io/location.js";
import { binCentres, sizeWeightedHistogram } from "../stats/binning.js";
import { shape as formatShape } from "./numbers.js";
import { distinctShortNames } from "./shortNames.js";

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Colours in registry order (stats/families.ts): the lognormal first, in the paper's red. */
const PALETTE = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];

/** One colour per family in every figure. */
export const MODEL_COLORS = Object.fromEntries(MODEL_NAMES.map((name, i) => [name, PALETTE[i % PALETTE.length]!])) as { readonly [name in ModelName]: string };

const MODEL_LABELS = Object.fromEntries(MODEL_NAMES.map((name) => [name, FAMILIES[name].label])) as { readonly [name in ModelName]: string };

/** The paper's claim for trained, highly connected layers (arXiv 2310.06960). */
const PAPER_SIGMA = 0.65;
const PAPER_MU: [number, number] = [-3, -2.5];
const CURVE_POINTS = 150;

/** Dash of each family's curve (solid for the paper's lognormal), also in the legend. */
const MODEL_DASHES: { readonly [name in ModelName]: number[] } = {
  lognormal: [1, 0],
  halfnormal: [6, 3],
  exponential: [2, 2],
  powerlaw: [8, 3, 2, 3],
};

/** File names that say nothing on their own (`model.onnx`): shown with their folder. */
const GENERIC_NAME = /^(model|pytorch_model|tf_model|flax_model|weights?|checkpoint|ckpt|params|variables|saved_model)([.-]|$)/i;

/**
 * How figures name a model: its file name (with the folder above it when the name is generic, as
 * `blazepose/model.json`), or its Hub address — never an absolute path, which says where the
 * analysis ran rather than what was analysed.
 */
export function modelDisplayName(model: string): string {
  if (isRemoteLocation(model)) return model;
  const parts = model.split(/[\\/]+/).filter((part) => part !== "" && part !== ".");
  const base = parts.at(-1) ?? model;
  return GENERIC_NAME.test(base) && parts.length > 1 ? `${parts.at(-2)}/${base}` : base;
}

const BASE = { $schema: VEGA_LITE_SCHEMA, background: "white", config: { font: "Helvetica, Arial, sans-serif", view: { stroke: "#ddd" }, axis: { labelFontSize: 11, titleFontSize: 12 } } };

function round(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "—";
}

/** "lognormal  R² 0.946  ΔAIC 122,619" — the legend entry of one family. */
function curveLabel(layer: LayerResult, model: ModelName): string {
  const delta = deltaAic(layer, model);
  const difference = delta !== null ? Math.round(delta).toLocaleString("en-US") : aicOf(layer, model) === null ? "∞ (L = 0)" : "—";
  return `${MODEL_LABELS[model]}  R² ${round(fittedParameters(layer, model).r2, 3)}  ΔAIC ${model === layer.best ? "0 (best)" : difference}`;
}

/**
 * One layer: on top the size-weighted histogram y_i the curves were fitted to (what R² measures);
 * below, on a log scale, the counts n_i and each fit's expected counts N·π_i (what the likelihood
 * and AIC measure — it sees the many small |w| that size weighting hides). `unit` is the right end
 * of the histogram (1 under --normalize max, max|w| under none).
 */
export function layerHistogramSpec(layer: LayerResult, counts: Float64Array, unit: number, modelName = ""): object {
  const bins = counts.length;
  const centres = binCentres(bins, unit);
  const y = sizeWeightedHistogram(counts, centres);
  const total = counts.reduce((sum, n) => sum + n, 0);
  const bars = Array.from(y, (value, i) => ({ lo: (i / bins) * unit, hi: ((i + 1) / bins) * unit, y: rounded(value) }));
  const top = Math.max(...y) * 1.25 || 1;
  const labels = MODEL_NAMES.map((model) => curveLabel(layer, model));
  const curves: { x: number; y: number; model: string }[] = [];
  const expected: { x: number; n: number; model: string }[] = [];
  MODEL_NAMES.forEach((model, m) => {
    const curve = fittedCurve(layer, model);
    for (let j = 1; j <= CURVE_POINTS; j++) {
      const x = (j / CURVE_POINTS) * unit;
      const value = curve(x);
      if (Number.isFinite(value)) curves.push({ x: rounded(x), y: rounded(Math.min(Math.max(value, -top), 2 * top)), model: labels[m]! });
    }
    expectedCounts(layer, model, total, bins, unit).forEach((n, i) => {
      if (n > 0) expected.push({ x: rounded(centres[i]!), n: rounded(n), model: labels[m]! });
    });
  });
  const observed = Array.from(counts, (n, i) => ({ x: rounded(centres[i]!), n })).filter((point) => point.n > 0);
  const largest = Math.max(...counts);
  const decades = Array.from({ length: Math.floor(Math.log10(largest * 3)) + 1 }, (_, k) => 10 ** k);
  const xAxis = { field: "x", type: "quantitative", title: unit === 1 ? "x = |w| / max|w|" : "|w|", scale: { domain: [0, unit], nice: false } };
  // Colour and dash encode the same field with the same legend, so Vega-Lite draws one legend whose
  // symbols carry both (a dashed curve has a dashed legend entry).
  const legend = { title: "fit", orient: "bottom", direction: "vertical", labelLimit: 420, symbolType: "stroke", symbolSize: 400, symbolStrokeWidth: 2 };
  const color = { field: "model", type: "nominal", sort: labels, scale: { domain: labels, range: MODEL_NAMES.map((model) => MODEL_COLORS[model]) }, legend };
  const dash = { field: "model", type: "nominal", sort: labels, scale: { domain: labels, range: MODEL_NAMES.map((model) => MODEL_DASHES[model]) }, legend };
  const subtitle = [`${modelName} · ${formatShape(layer.shape)} · ${layer.params.toLocaleString("en-US")} weights · best by AIC: ${layer.best ? MODEL_LABELS[layer.best] : "—"} · null R² ${round(layer.null_r2, 3)}`];
  if (layer.flags.length > 0) subtitle.push(`flags: ${layer.flags.join(", ")}`);
  return {
    ...BASE,
    title: { text: layer.tensor, subtitle: modelName ? subtitle : subtitle.map((line) => line.replace(/^ · /, "")), anchor: "start", limit: 900 },
    vconcat: [
      {
        width: 460,
        height: 250,
        layer: [
          {
            data: { values: bars },
            mark: { type: "rect", color: "#c7c7c7", stroke: "#ffffff", strokeWidth: 0.3 },
            encoding: {
              x: { ...xAxis, field: "lo" },
              x2: { field: "hi" },
              y: { field: "y", type: "quantitative", title: "size-weighted fraction y", scale: { domain: [0, top], nice: false } },
              y2: { datum: 0 },
            },
          },
          {
            data: { values: curves },
            mark: { type: "line", clip: true, strokeWidth: 1.8 },
            encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" }, color, strokeDash: dash },
          },
        ],
      },
      {
        width: 460,
        height: 150,
        layer: [
          {
            data: { values: observed },
            mark: { type: "point", filled: true, color: "#777", size: 14 },
            encoding: { x: { ...xAxis, title: null }, y: { field: "n", type: "quantitative", title: "counts n (log)", scale: { type: "log", domain: [0.3, largest * 3], nice: false }, axis: { values: decades, format: "~s" } } },
          },
          {
            data: { values: expected },
            mark: { type: "line", clip: true, strokeWidth: 1.4 },
            encoding: { x: { field: "x", type: "quantitative" }, y: { field: "n", type: "quantitative" }, color, strokeDash: dash },
          },
        ],
      },
    ],
  };
}

/** Six significant digits: enough for any figure, and the .vl.json stays small. */
function rounded(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(6)) : value;
}

interface DepthRow {
  /** Position on the depth axis: the layer's index among the model's fitted layers (depth order). */
  position: number;
  tensor: string;
  mu: number;
  sigma: number;
  r2: number;
  null_r2: number;
  best: string;
  flagged: boolean;
  null_gaussian_mu: number;
  null_gaussian_sigma: number;
  null_laplace_mu: number;
  null_laplace_sigma: number;
}

function depthRows(model: ModelResult): DepthRow[] {
  return model.layers.map((layer, position) => ({
    position,
    tensor: layer.tensor,
    mu: layer.mu,
    sigma: layer.sigma,
    r2: layer.r2,
    null_r2: layer.null_r2,
    best: layer.best ?? "none",
    flagged: layer.flags.length > 0,
    null_gaussian_mu: layer.null_gaussian.mu,
    null_gaussian_sigma: layer.null_gaussian.sigma,
    null_laplace_mu: layer.null_laplace.mu,
    null_laplace_sigma: layer.null_laplace.sigma,
  }));
}

function shownRows(model: ModelResult): { rows: DepthRow[]; note: string } {
  const rows = depthRows(model);
  if (model.settings.include_flagged) return { rows, note: "flagged layers included (hollow)" };
  const shown = rows.filter((row) => !row.flagged);
  const left = rows.length - shown.length;
  return { rows: shown, note: left > 0 ? `${left} flagged layer${left > 1 ? "s" : ""} not shown (--include-flagged)` : "" };
}

function modelTitle(model: ModelResult, text: string, note = ""): object {
  return { text: `${modelDisplayName(model.model)}: ${text}`, subtitle: note.split(" · ").filter(Boolean), anchor: "start", limit: 900 };
}

/** Up to this many layers, every tick is labelled with the layer's (abbreviated) name. */
export const NAMED_TICKS = 40;
/** Labels of named ticks are shortened to this many characters. */
const TICK_LABEL_WIDTH = 26;
/** At most this many ticks on a block or index axis. */
const MAX_TICKS = 25;

/** Where the depth axis puts ticks and what they say. */
export interface DepthAxis {
  title: string;
  /** Positions with a tick, and the label of each. */
  values: number[];
  labels: string[];
  named: boolean;
}

/** The longest start shared by every name that ends at a separator ("model_1/model/"). */
function commonStem(names: readonly string[]): string {
  if (names.length < 2) return "";
  let stem = names[0]!;
  for (const name of names) while (!name.startsWith(stem)) stem = stem.slice(0, -1);
  const cut = Math.max(stem.lastIndexOf("/"), stem.lastIndexOf("."), stem.lastIndexOf(":"));
  return cut >= 0 ? stem.slice(0, cut + 1) : "";
}

/**
 * Short tick labels: below the common stem, and without trailing path components most names share
 * (`/convolution/merged_input`, `.weight`), as long as the labels stay distinct.
 */
export function tickLabels(names: readonly string[]): { labels: string[]; stem: string } {
  const stem = commonStem(names);
  const below = names.map((name) => name.slice(stem.length) || name);
  const split = below.map((name) => name.split(/(?=[./])/));
  const trailing = new Map<string, number>();
  let trimmed = split.map((parts) => [...parts]);
  for (let round = 0; round < 8; round++) {
    trailing.clear();
    for (const parts of trimmed) if (parts.length > 1) trailing.set(parts.at(-1)!, (trailing.get(parts.at(-1)!) ?? 0) + 1);
    const next = trimmed.map((parts) => (parts.length > 1 && (trailing.get(parts.at(-1)!) ?? 0) * 2 >= names.length ? parts.slice(0, -1) : parts));
    if (next.every((parts, i) => parts.length === trimmed[i]!.length)) break;
    trimmed = next;
  }
  const short = trimmed.map((parts) => parts.join(""));
  const labels = new Set(short).size === short.length ? short : below;
  return { labels: distinctShortNames(labels, TICK_LABEL_WIDTH), stem };
}

/** The block a name belongs to: its first number that is a whole path component (`layers.7.mlp` → 7, `h/3/w` → 3). */
function blockOf(name: string): { prefix: string; block: number } | undefined {
  const match = /(^|[./])(\d+)(?=[./]|$)/.exec(name);
  return match ? { prefix: name.slice(0, match.index + match[1]!.length), block: Number(match[2]) } : undefined;
}

/** Every `step`-th entry of `values` (the first included), so that at most MAX_TICKS remain. */
function thinned<T>(values: readonly T[]): T[] {
  const step = Math.ceil(values.length / MAX_TICKS);
  return values.filter((_, i) => i % step === 0);
}

/**
 * The depth axis for layers at `positions` named `names`: the names themselves (abbreviated below
 * their common stem) when there are few; else block numbers when every name has one and they never
 * decrease with depth; else every few layer indices. Ticks are always whole layers.
 */
export function depthAxis(names: readonly string[], positions: readonly number[]): DepthAxis {
  if (names.length <= NAMED_TICKS) {
    const { labels, stem } = tickLabels(names);
    return { title: stem ? `layer (depth order; names below ${stem})` : "layer (depth order)", values: [...positions], labels, named: true };
  }
  const blocks = names.map(blockOf);
  const ordered = blocks.every((block, i) => block !== undefined && (i === 0 || block.block >= blocks[i - 1]!.block));
  const distinct = new Set(blocks.map((block) => block?.block)).size;
  if (ordered && distinct >= 3) {
    const starts = positions.filter((_, i) => i === 0 || blocks[i]!.block !== blocks[i - 1]!.block);
    const ticks = thinned(starts);
    return { title: `block (${blocks[0]!.prefix}N), in depth order`, values: ticks, labels: ticks.map((position) => String(blocks[positions.indexOf(position)]!.block)), named: false };
  }
  const ticks = thinned([...positions]);
  return { title: "layer index (depth order)", values: ticks, labels: ticks.map(String), named: false };
}

/** The x encoding of a depth axis over `count` fitted layers; `labels: false` hides tick labels and title (an upper panel). */
function depthEncoding(axis: DepthAxis, count: number, labels = true): object {
  const byValue = Object.fromEntries(axis.values.map((value, i) => [String(value), axis.labels[i]!]));
  return {
    field: "position",
    type: "quantitative",
    title: labels ? axis.title : null,
    scale: { domain: [-0.5, Math.max(count, 1) - 0.5], nice: false, zero: false },
    axis: {
      values: axis.values,
      labels,
      labelExpr: `${JSON.stringify(byValue)}[datum.value] || ''`,
      // Every named tick keeps its label (Vega would hide labels whose rotated boxes overlap).
      ...(axis.named ? { labelAngle: -60, labelAlign: "right", labelBaseline: "middle", labelLimit: 170, labelFontSize: 10, labelOverlap: false } : {}),
      grid: true,
    },
  };
}

function axisFor(rows: readonly DepthRow[]): DepthAxis {
  return depthAxis(
    rows.map((row) => row.tensor),
    rows.map((row) => row.position),
  );
}

const POINT_FILL = { condition: { test: "datum.flagged", value: "white" }, value: "#444" };

/** Wide enough for a named tick every 14 pixels. */
const depthWidth = (count: number): number => Math.max(520, 14 * Math.min(count, NAMED_TICKS));

function depthPanel(field: "mu" | "sigma", title: string, rows: DepthRow[], x: object, count: number): object {
  return {
    width: depthWidth(count),
    height: 170,
    data: { values: rows },
    layer: [
      { mark: { type: "line", color: "#999", strokeWidth: 1 }, encoding: { x, y: { field, type: "quantitative", title, scale: { zero: false } } } },
      { mark: { type: "point", size: 36, stroke: "#444", opacity: 1 }, encoding: { x, y: { field, type: "quantitative" }, fill: POINT_FILL } },
    ],
  };
}

/** μ and σ of the lognormal fit against layer depth. */
export function depthSpec(model: ModelResult): object {
  const { rows, note } = shownRows(model);
  const axis = axisFor(rows);
  const count = model.layers.length;
  return { ...BASE, title: modelTitle(model, "μ and σ by layer", note), vconcat: [depthPanel("mu", "μ (size-weighted)", rows, depthEncoding(axis, count, false), count), depthPanel("sigma", "σ", rows, depthEncoding(axis, count), count)] };
}

/** R² of the lognormal fit per layer, beside the null baseline (a Gaussian layer of the same size). */
export function r2Spec(model: ModelResult): object {
  const series = ["lognormal R²", "null R² (Gaussian layer, same size)"];
  const all = depthRows(model);
  const rows = all.flatMap((row) => [
    { position: row.position, tensor: row.tensor, series: series[0], value: row.r2, flagged: row.flagged },
    { position: row.position, tensor: row.tensor, series: series[1], value: row.null_r2, flagged: false },
  ]);
  const legend = { title: null, orient: "bottom", labelLimit: 400, symbolType: "stroke", symbolSize: 400, symbolStrokeWidth: 2 };
  const encoding = {
    x: depthEncoding(axisFor(all), all.length),
    y: { field: "value", type: "quantitative", title: "R²", scale: { zero: false } },
    color: { field: "series", type: "nominal", sort: series, scale: { domain: series, range: [MODEL_COLORS.lognormal, "#888888"] }, legend },
  };
  return {
    ...BASE,
    title: modelTitle(model, "R² per layer", all.some((row) => row.flagged) ? "hollow: flagged" : ""),
    width: depthWidth(all.length),
    height: 220,
    data: { values: rows },
    layer: [
      { mark: { type: "line", strokeWidth: 1.2 }, encoding: { ...encoding, strokeDash: { field: "series", type: "nominal", sort: series, scale: { domain: series, range: [[1, 0], [4, 3]] }, legend } } },
      { transform: [{ filter: "!datum.flagged" }], mark: { type: "point", size: 36, filled: true }, encoding: { ...encoding, color: { ...encoding.color, legend: null } } },
      { transform: [{ filter: "datum.flagged" }], mark: { type: "point", size: 36, filled: false, strokeWidth: 1.5 }, encoding: { ...encoding, color: { ...encoding.color, legend: null } } },
    ],
  };
}

/**
 * Where the null layers fall (METHOD §7.1): for the Gaussian and the Laplace null, the box spanned by
 * the nulls (μ₀, σ₀) of the shown layers' sizes, widened by ±0.01 in σ and ±0.05 in μ so that one
 * layer size still shows, labelled.
 */
function nullRegions(rows: readonly DepthRow[]): object[] {
  const regions: object[] = [];
  for (const [family, label, color] of [["gaussian", "Gaussian null", "#bdbdbd"], ["laplace", "Laplace null", "#c6dbef"]] as const) {
    const mus = rows.map((row) => row[`null_${family}_mu`]).filter(Number.isFinite);
    const sigmas = rows.map((row) => row[`null_${family}_sigma`]).filter(Number.isFinite);
    if (mus.length === 0 || sigmas.length === 0) continue;
    const box = { sigma0: Math.min(...sigmas) - 0.01, sigma1: Math.max(...sigmas) + 0.01, mu0: Math.min(...mus) - 0.05, mu1: Math.max(...mus) + 0.05, label };
    regions.push(
      { data: { values: [box] }, mark: { type: "rect", color, opacity: 0.6 }, encoding: { x: { field: "sigma0", type: "quantitative" }, x2: { field: "sigma1" }, y: { field: "mu0", type: "quantitative" }, y2: { field: "mu1" } } },
      { data: { values: [box] }, mark: { type: "text", align: "left", baseline: "bottom", dx: 2, dy: -2, fontSize: 10, color: "#555" }, encoding: { x: { field: "sigma0", type: "quantitative" }, y: { field: "mu1", type: "quantitative" }, text: { field: "label" } } },
    );
  }
  return regions;
}

/** The μ–σ scatter, one point per layer, coloured by the best family; the paper's region and the null layers' region shaded. */
export function muSigmaSpec(model: ModelResult): object {
  const { rows, note } = shownRows(model);
  const reference = model.settings.normalize === "max";
  const layers: object[] = [...nullRegions(rows)];
  if (reference) {
    layers.push(
      { data: { values: [{ mu0: PAPER_MU[0], mu1: PAPER_MU[1] }] }, mark: { type: "rect", color: "#f2c9c9", opacity: 0.5 }, encoding: { y: { field: "mu0", type: "quantitative" }, y2: { field: "mu1" } } },
      { data: { values: [{ sigma: PAPER_SIGMA }] }, mark: { type: "rule", color: MODEL_COLORS.lognormal, strokeDash: [4, 3] }, encoding: { x: { field: "sigma", type: "quantitative" } } },
    );
  }
  const encoding = {
    x: { field: "sigma", type: "quantitative", title: "σ", scale: { zero: false } },
    y: { field: "mu", type: "quantitative", title: "μ (size-weighted)", scale: { zero: false } },
    color: { field: "best", type: "nominal", title: "best by AIC", scale: { domain: [...MODEL_NAMES, "none"], range: [...MODEL_NAMES.map((name) => MODEL_COLORS[name]), "#999999"] } },
  };
  layers.push(
    { data: { values: rows }, transform: [{ filter: "!datum.flagged" }], mark: { type: "point", size: 60, filled: true, opacity: 0.85 }, encoding },
    { data: { values: rows }, transform: [{ filter: "datum.flagged" }], mark: { type: "point", size: 60, filled: false, strokeWidth: 1.5 }, encoding },
  );
  const paper = reference ? `red band: the paper's μ ≈ −3…−2.5, dashed: σ ≈ ${PAPER_SIGMA}; grey/blue boxes: what Gaussian/Laplace layers of these sizes give` : "grey/blue boxes: what Gaussian/Laplace layers of these sizes give";
  return { ...BASE, title: modelTitle(model, "μ against σ, one point per layer", [note, paper].filter(Boolean).join(" · ")), width: 420, height: 320, layer: layers };
}

/** A figure as a Vega-Lite spec (data inline) and its file name. */
export interface FigureSpec {
  /** File name without extension, relative to the model's folder (e.g. "depth", "layers/0.weight"). */
  name: string;
  title: string;
  spec: object;
}

/** The model figures: μ and σ by depth, R² per layer, μ against σ. */
export function modelFigureSpecs(model: ModelResult): FigureSpec[] {
  return [
    { name: "depth", title: "μ and σ by layer", spec: depthSpec(model) },
    { name: "r2", title: "R² per layer", spec: r2Spec(model) },
    { name: "mu-sigma", title: "μ against σ", spec: muSigmaSpec(model) },
  ];
}

/** Safe, unique file names for tensors (case-insensitively unique, for case-insensitive disks). */
export function fileNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    const base = name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "").slice(0, 120) || "layer";
    let candidate = base;
    for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${base}-${n}`;
    used.add(candidate.toLowerCase());
    return candidate;
  });
}

/** One histogram figure per fitted layer whose bin counts are in `histograms`. */
export function layerFigureSpecs(model: ModelResult, histograms: ReadonlyMap<string, Float64Array>): FigureSpec[] {
  const fitted = model.layers.filter((layer) => histograms.has(layer.tensor));
  const names = fileNames(fitted.map((layer) => layer.tensor));
  return fitted.map((layer, i) => ({
    name: `layers/${names[i]}`,
    title: layer.tensor,
    spec: layerHistogramSpec(layer, histograms.get(layer.tensor)!, model.settings.normalize === "none" ? layer.max_abs : 1, modelDisplayName(model.model)),
  }));
}
