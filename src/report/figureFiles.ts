/**
 * Render the figures of analysed models to SVG (vega.ts) and write them, each beside its
 * Vega-Lite spec, as
 *
 *   DIR/<model>/depth.svg, r2.svg, mu-sigma.svg          (+ .vl.json)
 *   DIR/<model>/layers/<tensor>.svg                      (+ .vl.json)
 *
 * <model> is the model file's name without extension, made unique; tensor names become safe file
 * names (figures.ts `fileNames`). Every file is written atomically.
 */
import { basename, join } from "node:path";
import type { FittedModel } from "../analysis/fittedModel.js";
import type { ModelResult } from "../analysis/model.js";
import { ensureOutputFolder, writeFileAtomic } from "../io/atomicWrite.js";
import { type FigureSpec, fileNames, layerFigureSpecs, modelFigureSpecs } from "./figures.js";
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

async function render(spec: FigureSpec, prefix: string): Promise<RenderedFigure> {
  return { ...spec, svg: scopeSvgIds(await renderVegaLiteSvg(spec.spec), prefix) };
}

/** Render every figure of each model, its layers' histograms from the bin counts kept beside it. */
export async function renderModelFigures(fitted: readonly FittedModel[]): Promise<ModelFigures[]> {
  const models = fitted.map(({ result }) => result);
  const folders = fileNames(models.map((model) => basename(model.model).replace(/\.(safetensors|json|bin|onnx|tflite|gguf|pt|pth|ckpt)$/i, "")));
  const out: ModelFigures[] = [];
  let counter = 0;
  for (const [index, model] of models.entries()) {
    const figures: RenderedFigure[] = [];
    for (const spec of modelFigureSpecs(model)) figures.push(await render(spec, `f${++counter}-`));
    const layers: RenderedFigure[] = [];
    for (const spec of layerFigureSpecs(model, fitted[index]!.histograms)) layers.push(await render(spec, `f${++counter}-`));
    out.push({ model, folder: folders[index]!, figures, layers });
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
