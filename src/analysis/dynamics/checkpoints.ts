/**
 * A checkpoint series: what the user typed → opened models in time order, checked to be one
 * architecture. Order: by the integer `step` in each checkpoint's metadata (`__metadata__` of
 * safetensors), else `global_step` of the Trainer's `trainer_state.json` beside it, when every
 * checkpoint has one; else by natural sort of the names (`ckpt-2` before `ckpt-10`). A folder of
 * Trainer `checkpoint-N/` folders is such a series. Every checkpoint must hold the same tensor names with the same shapes
 * as the first; anything else is an input error naming the checkpoint and the tensor.
 *
 * Only names, paths and steps are kept (the headers are parsed again when each checkpoint is read),
 * so a long series of large models costs no memory per tensor per checkpoint.
 */
import { InputError } from "../../errors.js";
import { openModel, resolveInputs, type ModelInput } from "../../formats/open.js";
import type { OpenedModel } from "../../formats/tensor.js";
import { type SkippedEntry, trainerStateStep } from "../../formats/trainingFiles.js";

/** One checkpoint of a series. */
export interface Checkpoint {
  /** Display name (the file, or the shard series). */
  name: string;
  /** The file(s) the model is opened from. */
  paths: string[];
  /** `step` from the metadata, when present and a non-negative integer. */
  step?: number;
}

/** How a series was ordered: by the `step` in every checkpoint's metadata, or by name. */
export type CheckpointOrder = "step" | "name";

/** Checkpoints in time order. */
export interface CheckpointSeries {
  checkpoints: Checkpoint[];
  order: CheckpointOrder;
  /** Step difference between consecutive checkpoints when ordered by step and evenly spaced. */
  stepInterval?: number;
}

/** The metadata key holding the training step. */
export const STEP_KEY = "step";

export function metadataStep(metadata: Record<string, string>): number | undefined {
  const text = metadata[STEP_KEY];
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined;
  const step = Number(text);
  return Number.isSafeInteger(step) ? step : undefined;
}

const naturalOrder = new Intl.Collator("en", { numeric: true, sensitivity: "variant" }).compare;

/** Time order: by step when every checkpoint has a distinct one, else by natural sort of the names. */
export function orderCheckpoints(checkpoints: Checkpoint[]): CheckpointSeries {
  const byName = [...checkpoints].sort((a, b) => naturalOrder(a.name, b.name));
  if (checkpoints.length === 0 || !checkpoints.every((checkpoint) => checkpoint.step !== undefined)) return { checkpoints: byName, order: "name" };
  const byStep = [...byName].sort((a, b) => a.step! - b.step!);
  for (let i = 1; i < byStep.length; i++) {
    if (byStep[i]!.step === byStep[i - 1]!.step) {
      throw new InputError("model", byStep[i]!.name, `has step ${byStep[i]!.step}, like ${byStep[i - 1]!.name}: two checkpoints of the same step`);
    }
  }
  const interval = byStep.length > 1 ? byStep[1]!.step! - byStep[0]!.step! : undefined;
  const even = interval !== undefined && byStep.every((checkpoint, i) => i === 0 || checkpoint.step! - byStep[i - 1]!.step! === interval);
  return { checkpoints: byStep, order: "step", ...(even ? { stepInterval: interval } : {}) };
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

interface NamedModel {
  name: string;
  model: OpenedModel;
}

/** Throw unless `checkpoint` has exactly the tensor names and shapes of `reference`. */
export function checkSameArchitecture(reference: NamedModel, checkpoint: NamedModel): void {
  const expected = new Map(reference.model.tensors.map((tensor) => [tensor.name, tensor]));
  const seen = new Set<string>();
  for (const tensor of checkpoint.model.tensors) {
    const other = expected.get(tensor.name);
    if (!other) throw new InputError("model", checkpoint.name, `has tensor ${JSON.stringify(tensor.name)}, which ${reference.name} does not: checkpoints must share tensor names`, tensor.name);
    if (tensor.shape.length !== other.shape.length || tensor.shape.some((dim, i) => dim !== other.shape[i])) {
      throw new InputError("model", checkpoint.name, `shape ${shapeText(tensor.shape)} differs from ${shapeText(other.shape)} in ${reference.name}`, tensor.name);
    }
    seen.add(tensor.name);
  }
  for (const name of expected.keys()) {
    if (!seen.has(name)) throw new InputError("model", checkpoint.name, `lacks tensor ${JSON.stringify(name)} of ${reference.name}: checkpoints must share tensor names`, name);
  }
}

export function openCheckpoint(checkpoint: Checkpoint): Promise<OpenedModel> {
  return openModel(checkpoint.paths.length === 1 ? checkpoint.paths[0]! : checkpoint.paths);
}

/**
 * Resolve paths (files, directories, shard lists) to checkpoints, open each once to read its step and
 * check its architecture against the first, and put them in time order.
 */
export async function openCheckpointSeries(paths: string[], options: { onSkipped?: (entry: SkippedEntry) => void } = {}): Promise<CheckpointSeries> {
  const inputs: ModelInput[] = await resolveInputs(paths, { seriesOnly: true, ...options });
  const checkpoints: Checkpoint[] = [];
  let reference: NamedModel | undefined;
  for (const input of inputs) {
    const checkpoint: Checkpoint = { name: input.display, paths: input.paths };
    const model = await openCheckpoint(checkpoint);
    if (reference) checkSameArchitecture(reference, { name: checkpoint.name, model });
    else reference = { name: checkpoint.name, model };
    const step = metadataStep(model.metadata) ?? (await trainerStateStep(input.paths[0]!));
    checkpoints.push(step !== undefined ? { ...checkpoint, step } : checkpoint);
  }
  return orderCheckpoints(checkpoints);
}
