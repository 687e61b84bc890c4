/**
 * `dynamics`: one checkpoint series is one input of the batch loop (its statistics need every
 * checkpoint, so a checkpoint that cannot be read fails the series), with the same failure policy
 * and exit codes as every command. Warnings about the result go to the environment; `--plot` figures
 * are written here.
 */
import { analyzeDynamics, type DynamicsResult, type DynamicsSettings } from "../analysis/dynamics/analyze.js";
import type { Failure } from "../errors.js";
import { forEachInput } from "./batch.js";
import { applyEnvironment, type RunEnvironment } from "./environment.js";
import { checkSelection } from "./selection.js";

export interface DynamicsRequest {
  paths: readonly string[];
  settings: Partial<DynamicsSettings>;
  /** Write the figures into this folder. */
  plot?: string;
  /** Called before each checkpoint is read (progress). */
  onCheckpoint?: (index: number, total: number, name: string) => void;
}

export interface DynamicsRun {
  result?: DynamicsResult;
  failures: Failure[];
  /** Tracked weights were NaN/Inf in some checkpoint (left out): an input problem, exit 2. */
  nonfinite: boolean;
  /** Figure files written (with --plot). */
  written: string[];
}

export async function runDynamics(request: DynamicsRequest, env: RunEnvironment): Promise<DynamicsRun> {
  applyEnvironment(env);
  const series = [...request.paths];
  const analysed = await forEachInput([series], (paths) => analyzeDynamics(paths, { jobs: env.jobs, ...request.settings }, { ...(request.onCheckpoint ? { onCheckpoint: request.onCheckpoint } : {}), ...(env.skipped ? { onSkipped: env.skipped } : {}) }), { name: (paths) => paths.join(" ") }, env);
  const result = analysed.results[0];
  if (!result) return { failures: analysed.failures, nonfinite: false, written: [] };
  checkSelection([result], { include: request.settings.analysis?.include ?? [], exclude: request.settings.analysis?.exclude ?? [] }, env);
  let nonfinite = false;
  for (const layer of result.layers) {
    if (layer.nonfinite_series > 0) {
      nonfinite = true;
      env.warn(`tensor ${JSON.stringify(layer.tensor)}: ${layer.nonfinite_series} tracked weights were NaN/Inf in some checkpoint and were left out`);
    }
  }
  if (result.layers.length === 0) env.warn(`no layer was tracked (${result.skipped.length} tensors skipped; lower --min-params or check --include/--exclude)`);
  if (result.order === "step" && result.step_interval === null) env.warn("checkpoint steps are unevenly spaced; the spectrum treats them as evenly spaced checkpoints");
  let written: string[] = [];
  if (request.plot !== undefined) {
    // Loaded on demand: vega + vega-lite take a few hundred ms to import, which no other path needs.
    const { writeDynamicsFigures } = await import("../report/dynamicsFigures.js");
    written = await writeDynamicsFigures(result, request.plot);
  }
  return { result, failures: [], nonfinite, written };
}
