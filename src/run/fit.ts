/**
 * `fit`: analyse every model the paths name, under the batch failure policy (run/batch.ts), keeping
 * what the renderers need (results, and bin counts when figures are drawn). Figures and the HTML
 * report are written by `writeFitFigures`.
 */
import { join } from "node:path";
import { type FittedModel, fitModel } from "../analysis/fittedModel.js";
import { type AnalysisSettings, resolveSettings } from "../analysis/settings.js";
import { ExitCode, type Failure } from "../errors.js";
import { openModel } from "../formats/open.js";
import { writeFileAtomic } from "../io/atomicWrite.js";
import { withInputDeadline } from "../io/inputSignal.js";
import { isRemoteLocation } from "../io/location.js";
import { nonfiniteTensors, nonfiniteWarning } from "../analysis/nonfinite.js";
import { renderModelFigures, writeFigures } from "../report/figureFiles.js";
import { renderHtmlReport } from "../report/html.js";
import { VERSION } from "../version.js";
import { failureExitCode, forEachInput } from "./batch.js";
import { applyEnvironment, type RunEnvironment } from "./environment.js";
import { openArgument, resolveModelInputs } from "./inputs.js";
import { checkSelection } from "./selection.js";

export interface FitRequest {
  paths: readonly string[];
  settings: Partial<AnalysisSettings>;
  /** Keep each fitted layer's bin counts (for figures). */
  keepHistograms?: boolean;
  /** Seconds one input may take (open and analysis); beyond it the input is a `timeout` failure. */
  timeout?: number;
}

export interface FitRun {
  models: FittedModel[];
  failures: Failure[];
  /** Layers that held NaN/Inf values (dropped and flagged `nonfinite`, or nothing else and skipped): an input problem, exit 2. */
  nonfinite: { model: string; tensor: string; values: number }[];
}

export async function runFit(request: FitRequest, env: RunEnvironment): Promise<FitRun> {
  applyEnvironment(env);
  const resolved = await resolveModelInputs(request.paths, env);
  const analysed = await forEachInput(
    resolved.inputs,
    async (input) => {
      try {
        return await withInputDeadline(input.display, request.timeout, async () =>
          fitModel(await openModel(openArgument(input)), request.settings, {
            jobs: env.jobs,
            keepHistograms: request.keepHistograms ?? false,
            onStart: (_model, bytes) => env.progress?.start(input.display, bytes, isRemoteLocation(input.display)),
            onBytes: (bytes) => env.progress?.advance(bytes),
          }),
        );
      } finally {
        env.progress?.clear();
      }
    },
    { name: (input) => input.display },
    env,
  );
  checkSelection(analysed.results.map(({ result }) => result), resolveSettings(request.settings), env);
  const nonfinite = analysed.results.flatMap(({ result }) =>
    nonfiniteTensors(result).map((entry) => {
      env.warn(nonfiniteWarning(result.model, entry));
      return { model: result.model, tensor: entry.tensor, values: entry.nonfinite };
    }),
  );
  return { models: analysed.results, failures: [...resolved.failures, ...analysed.failures], nonfinite };
}

/** 70 if an input hit a bug, else 2 if an input failed or held NaN/Inf weights, else 0. */
export function fitExitCode(run: FitRun): number {
  const code = failureExitCode(run.failures);
  return code === ExitCode.ok && run.nonfinite.length > 0 ? ExitCode.input : code;
}

/** What was written: one model's figure folder (with its files), or the HTML report. */
export type FigureWrite = { kind: "folder"; model: string; folder: string; files: string[]; layers: number; figures: number } | { kind: "html"; path: string; models: number };

/**
 * Render the figures of the fitted models and write them to `plot` (a folder: one subfolder per
 * model, named by report/figureFiles.ts `figureFolder`) and/or `html` (a file); `onWrite` hears of
 * each model's folder and of the report as they are written.
 */
export async function writeFitFigures(run: Pick<FitRun, "models" | "failures">, outputs: { plot?: string; html?: string }, onWrite: (write: FigureWrite) => void = () => undefined): Promise<void> {
  if (run.models.length === 0 || (outputs.plot === undefined && outputs.html === undefined)) return;
  const figures = await renderModelFigures(run.models);
  if (outputs.plot !== undefined) {
    for (const set of figures) {
      const files = await writeFigures(outputs.plot, [set]);
      onWrite({ kind: "folder", model: set.model.model, folder: join(outputs.plot, set.folder), files, layers: set.layers.length, figures: set.figures.length });
    }
  }
  if (outputs.html !== undefined) {
    await writeFileAtomic(outputs.html, renderHtmlReport(figures, { version: VERSION, failures: run.failures }));
    onWrite({ kind: "html", path: outputs.html, models: figures.length });
  }
}
