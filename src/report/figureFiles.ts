/**
 * Render the figures of analysed models to SVG (vega.ts) and write them, each beside its
 * Vega-Lite spec, as
 *
 *   DIR/<model>/depth.svg, r2.svg, mu-sigma.svg          (+ .vl.json)
 *   DIR/<model>/layers/<tensor>.svg                      (+ .vl.json)
 *
 * <model> is `figureFolder(model)`: the model file's name and a hash of its full path, so the same
 * input always writes into the same folder whatever else is in the run, and two `model.onnx` from
 * different folders never share one; tensor names become safe file names (figures.ts `fileNames`).
 * Every file is written atomically.
 */
import { join, resolve } from "node:path";
import type { FittedModel } from "../analysis/fittedModel.js";
import type { ModelResult } from "../analysis/model.js";
import { modelStem } from "../analysis/scan/outputs.js";
import { ensureOutputFolder, writeFileAtomic } from "../io/atomicWrite.js";
import { isRemoteLocation } from "../io/location.js";
import { type FigureSpec, layerFigureSpecs, modelFigureSpecs } from "./figures.js";
import { renderVegaLiteSvg } from "./vega.js";

/** A figure with its SVG. */
export interface RenderedFigure extends FigureSpec {
  svg: string;
}

/** The rendered figures of one model, and the folder name they are written under. */
export interface ModelFigures {
  model: ModelResult;
  /** Folder name of this model under the figure directory. */
  folder: string;
  figures: RenderedFigure[];
  layers: RenderedFigure[];
}

/**
 * Vega numbers its clip paths and gradients per render, so two inline SVGs in one page can carry
 * the same id and borrow each other's clip rectangle; give each SVG's ids a prefix of its own.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const match of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(match[1]!);
  if (ids.size === 0) return svg;
  return svg.replace(/(\sid=")([^"]+)(")|(url\(#)([^)]+)(\))|(href="#)([^"]+)(")/g, (whole, a1, id1, a3, b1, id2, b3, c1, id3, c3) => {
    if (id1 !== undefined) return ids.has(id1) ? `${a1}${prefix}${id1}${a3}` : whole;
    if (id2 !== undefined) return ids.has(id2) ? `${b1}${prefix}${id2}${b3}` : whole;
    return ids.has(id3) ? `${c1}${prefix}${id3}${c3}` : whole;
  });
}

/**
 * The folder of a model's figures: its file name and a hash of its full path (the absolute path of a
 * local input, the address of a Hub one), e.g. `mnist-mlp-epoch10.safetensors-3fa2c1d0`.
 */
export function figureFolder(model: string): string {
  return modelStem(isRemoteLocation(model) ? model : resolve(model));
}

async function render(spec: FigureSpec, prefix: string): Promise<RenderedFigure> {
  return { ...spec, svg: scopeSvgIds(await renderVegaLiteSvg(spec.spec), prefix) };
}

/** Render every figure of each model, its layers' histograms from the bin counts kept beside it. */
export async function renderModelFigures(fitted: readonly FittedModel[]): Promise<ModelFigures[]> {
  const models = fitted.map(({ result }) => result);
  const out: ModelFigures[] = [];
  let counter = 0;
  for (const [index, model] of models.entries()) {
    const figures: RenderedFigure[] = [];
    for (const spec of modelFigureSpecs(model)) figures.push(await render(spec, `f${++counter}-`));
    const layers: RenderedFigure[] = [];
    for (const spec of layerFigureSpecs(model, fitted[index]!.histograms)) layers.push(await render(spec, `f${++counter}-`));
    out.push({ model, folder: figureFolder(model.model), figures, layers });
  }
  return out;
}

/** Write the rendered figures under `directory`; returns the paths written. */
export async function writeFigures(directory: string, sets: readonly ModelFigures[]): Promise<string[]> {
  const written: string[] = [];
  for (const set of sets) {
    const root = join(directory, set.folder);
    await ensureOutputFolder(join(root, "layers"));
    for (const figure of [...set.figures, ...set.layers]) {
      const base = join(root, figure.name);
      await writeFileAtomic(`${base}.svg`, figure.svg);
      await writeFileAtomic(`${base}.vl.json`, `${JSON.stringify(figure.spec, null, 2)}\n`);
      written.push(`${base}.svg`, `${base}.vl.json`);
    }
  }
  return written;
}
