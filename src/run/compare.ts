/**
 * `compare A B`: analyse both checkpoints under the batch failure policy (a failure in A still lets
 * B be analysed, and both are reported), then compare them layer by layer. A pair whose layers do
 * not correspond is a failure of the pair, named "A vs B".
 */
import { compareModels, type ModelComparison } from "../analysis/compare.js";
import { type FittedModel, fitModel } from "../analysis/fittedModel.js";
import { resolveSettings, type AnalysisSettings } from "../analysis/settings.js";
import type { Failure } from "../errors.js";
import { openModel } from "../formats/open.js";
import { isRemoteLocation } from "../io/location.js";
import { failureOf, forEachInput } from "./batch.js";
import { applyEnvironment, type RunEnvironment } from "./environment.js";
import { checkSelection } from "./selection.js";

export interface CompareRun {
  /** Absent when an input failed or the two do not correspond. */
  comparison?: ModelComparison;
  /** The two analysed models (with their bin counts when kept), for figures. */
  models: FittedModel[];
  failures: Failure[];
}

export async function runCompare(a: string, b: string, settings: Partial<AnalysisSettings>, env: RunEnvironment, options: { keepHistograms?: boolean } = {}): Promise<CompareRun> {
  applyEnvironment(env);
  const analysed = await forEachInput(
    [a, b],
    async (path) => {
      try {
        return await fitModel(await openModel(path), settings, {
          jobs: env.jobs,
          keepHistograms: options.keepHistograms ?? false,
          onStart: (_model, bytes) => env.progress?.start(path, bytes, isRemoteLocation(path)),
          onBytes: (bytes) => env.progress?.advance(bytes),
        });
      } finally {
        env.progress?.clear();
      }
    },
    { name: (path) => path },
    env,
  );
  checkSelection(analysed.results.map(({ result }) => result), resolveSettings(settings), env);
  const [resultA, resultB] = analysed.results.map(({ result }) => result);
  if (analysed.failures.length > 0 || !resultA || !resultB) return { models: [], failures: analysed.failures };
  try {
    return { comparison: compareModels(resultA, resultB), models: analysed.results, failures: [] };
  } catch (error) {
    const failure = failureOf(`${a} vs ${b}`, error);
    env.failed(failure, error);
    return { models: [], failures: [failure] };
  }
}
