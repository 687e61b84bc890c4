/**
 * The files training frameworks write beside a model's weights, told apart by the names the
 * frameworks give them (Hugging Face `Trainer`/accelerate, DeepSpeed, FSDP, PEFT). Content cannot
 * tell them apart: `optimizer.pt` is a torch.save archive like `pytorch_model.bin`, and
 * `rng_state.pth`/`training_args.bin` are pickles of objects no reader should build. In a folder
 * they are skipped companions, reported with their reason (`--verbose`), never failures. Named
 * explicitly, an optimizer state is analysed as a model of its own (its tensors are the Adam moments,
 * `state.<i>.exp_avg`, `…exp_avg_sq`); the others are refused with what they are.
 */
import { baseNameOf, childOf, parentOf } from "../io/location.js";
import { readSmallFile } from "./smallFile.js";

/** A file or folder left out of the models, and why. */
export interface SkippedEntry {
  path: string;
  reason: string;
}

const OPTIMIZER = "optimizer state (Adam moments), not weights; name the file to analyse its tensors";

/** Trainer's and accelerate's fixed names (transformers `trainer.py`, accelerate `utils/constants.py`). */
const COMPANION_FILES: [RegExp, string][] = [
  [/^optimizer(_\d+)?\.(pt|bin)$/, OPTIMIZER],
  [/^scheduler(_\d+)?\.(pt|bin)$/, "learning-rate scheduler state, not weights"],
  [/^scaler(_\d+)?\.pt$/, "mixed-precision gradient scaler state, not weights"],
  [/^(rng_state(_\d+)?\.pth|random_states_\d+\.pkl)$/, "random-number generator state, not weights"],
  [/^training_args\.bin$/, "the Trainer's training arguments (a pickled TrainingArguments), not weights"],
  [/^custom_checkpoint_\d+\.pkl$/, "accelerate custom object state, not weights"],
  [/\.distcp$/, "a torch.distributed.checkpoint (FSDP) shard, not read: consolidate it with torch.distributed.checkpoint.format_utils.dcp_to_torch_save"],
  [/^(zero_pp_rank_\d+_mp_rank_\d+_optim_states|bf16_zero_pp_rank_\d+_mp_rank_\d+_optim_states)\.pt$/, "DeepSpeed ZeRO optimizer partition, not weights"],
  [/^(zero_pp_rank_\d+_)?mp_rank_\d+_model_states\.pt$/, "DeepSpeed engine state (module weights partitioned by ZeRO), not read: consolidate with zero_to_fp32.py"],
];

/** Small files that are never weights, listed so that `--verbose` says what a checkpoint folder held. */
const NOTE_FILES: [RegExp, string][] = [
  [/^trainer_state\.json$/, "the Trainer's state (global_step orders a checkpoint series), not weights"],
  [/^adapter_config\.json$/, "PEFT adapter configuration (the adapter's weights are adapter_model.*)"],
  [/^(config|generation_config|preprocessor_config)\.json$/, "model configuration, not weights"],
  [/^(tokenizer|tokenizer_config|special_tokens_map|added_tokens|vocab)\.json$|^(merges|vocab)\.txt$|^tokenizer\.model$|^spiece\.model$/, "tokenizer, not weights"],
  [/^latest$|^zero_to_fp32\.py$/, "DeepSpeed checkpoint tag or script, not weights"],
];

/** Folders that hold an engine's sharded state rather than model weights. */
const COMPANION_FOLDERS: [RegExp, string][] = [
  [/^global_step\d+$/, "DeepSpeed engine checkpoint (ZeRO-partitioned model and optimizer states), not read: the weights are the model file beside it, or consolidate with zero_to_fp32.py"],
  [/^(pytorch_model_fsdp|model_fsdp)_\d+$/, "FSDP sharded state dict (.distcp files), not read: consolidate with torch.distributed.checkpoint.format_utils.dcp_to_torch_save"],
  [/^optimizer_\d+$/, "FSDP sharded optimizer state (.distcp files), not weights"],
];

function match(table: readonly [RegExp, string][], name: string): string | undefined {
  return table.find(([pattern]) => pattern.test(name))?.[1];
}

/** Why a file is a training companion (skipped in folders), or undefined when it is not one. */
export function companionReason(path: string): string | undefined {
  return match(COMPANION_FILES, baseNameOf(path));
}

/** Why a file is worth listing as skipped though no reader would take it (configs, tokenizers). */
export function noteReason(path: string): string | undefined {
  return match(NOTE_FILES, baseNameOf(path));
}

/** Why a folder is not entered (an engine's sharded state), or undefined. */
export function companionFolderReason(path: string): string | undefined {
  return match(COMPANION_FOLDERS, baseNameOf(path));
}

/** An optimizer state: a companion in a folder, a model of its own when named. */
export function isOptimizerState(path: string): boolean {
  return companionReason(path) === OPTIMIZER;
}

/** Trainer's checkpoint folders: `checkpoint-<global step>` (transformers `PREFIX_CHECKPOINT_DIR`). */
export const CHECKPOINT_FOLDER = /^checkpoint-(\d+)$/;

export function isCheckpointFolder(path: string): boolean {
  return CHECKPOINT_FOLDER.test(baseNameOf(path));
}

/** The Trainer's state file, written into every checkpoint folder. */
export const TRAINER_STATE = "trainer_state.json";

/**
 * `global_step` from the `trainer_state.json` beside a model file, or undefined when there is none.
 * Read with a pattern, not a JSON parser: Python writes a diverged loss in `log_history` as `NaN`,
 * which is not JSON; `global_step` is a top-level integer (the log entries say `step`).
 */
export async function trainerStateStep(modelPath: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readSmallFile(childOf(parentOf(modelPath), TRAINER_STATE), 64 * 1024 * 1024);
  } catch {
    return undefined;
  }
  const match = /"global_step"\s*:\s*(\d+)\s*[,}]/.exec(text);
  const step = match ? Number(match[1]) : NaN;
  return Number.isSafeInteger(step) ? step : undefined;
}
