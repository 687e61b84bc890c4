/**
 * What the user typed → the models to analyse, under the batch failure policy: a path that cannot be
 * resolved (missing, unreadable, a folder without models) is a failure entry and the other paths
 * are still resolved. Shard files named one by one belong together even when given as separate
 * arguments.
 */
import type { Failure } from "../errors.js";
import { groupShards, type ModelInput, resolveInputs } from "../formats/open.js";
import { forEachInput } from "./batch.js";
import type { RunEnvironment } from "./environment.js";

export async function resolveModelInputs(paths: readonly string[], env: Pick<RunEnvironment, "failed" | "skipped">): Promise<{ inputs: ModelInput[]; failures: Failure[] }> {
  const resolved = await forEachInput(paths, (path) => resolveInputs([path], env.skipped ? { onSkipped: env.skipped } : {}), { name: (path) => path }, env);
  const inputs = resolved.results.flat();
  const singles = inputs.filter((input) => input.paths.length === 1).map((input) => input.paths[0]!);
  const multi = inputs.filter((input) => input.paths.length > 1);
  return { inputs: [...groupShards(singles), ...multi], failures: resolved.failures };
}

/** The argument `openModel` takes for an input: its one path, or its list of shard files. */
export function openArgument(input: { paths: string[] }): string | string[] {
  return input.paths.length === 1 ? input.paths[0]! : input.paths;
}
