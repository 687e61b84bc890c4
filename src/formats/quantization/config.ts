/**
 * The quantisation settings a checkpoint folder declares, where it declares them: `config.json`'s
 * `quantization_config` (transformers: fp8, mxfp4, gptq, awq, bitsandbytes, compressed-tensors,
 * modelopt), `quantize_config.json` (AutoGPTQ) and `hf_quant_config.json` (ModelOpt's `quantization`).
 * Read beside the model's first file (the shard index of a sharded model), only when the tensors
 * look quantised. The settings refine what the tensors say (GPTQ's checkpoint_format, block sizes);
 * a checkpoint without them is still decoded from its tensors' names, dtypes and shapes.
 */
import { InputError } from "../../errors.js";
import { childOf, parentOf } from "../../io/location.js";
import { readSmallFile } from "../smallFile.js";

export interface QuantizationConfig {
  /** The file the settings came from. */
  file: string;
  settings: Record<string, unknown>;
}

const CONFIG_FILES: { name: string; pick: (json: Record<string, unknown>) => unknown }[] = [
  { name: "config.json", pick: (json) => json.quantization_config },
  { name: "quantize_config.json", pick: (json) => json },
  { name: "hf_quant_config.json", pick: (json) => json.quantization },
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The first quantisation settings found beside `modelFile`, or undefined. */
export async function readQuantizationConfig(modelFile: string): Promise<QuantizationConfig | undefined> {
  const folder = parentOf(modelFile);
  for (const { name, pick } of CONFIG_FILES) {
    const file = childOf(folder, name);
    let text: string;
    try {
      text = await readSmallFile(file, 16 * 1024 * 1024);
    } catch (error) {
      if (error instanceof InputError) continue; // absent or unreadable: the tensors decide
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      continue;
    }
    const settings = isRecord(json) ? pick(json) : undefined;
    if (isRecord(settings)) return { file, settings };
  }
  return undefined;
}

/** A numeric setting, looked up in `settings` and in compressed-tensors' first config group's `weights`. */
export function configNumber(config: QuantizationConfig | undefined, key: string): number | undefined {
  if (!config) return undefined;
  const direct = config.settings[key];
  if (typeof direct === "number") return direct;
  const groups = config.settings.config_groups;
  if (isRecord(groups)) {
    for (const group of Object.values(groups)) {
      const weights = isRecord(group) ? group.weights : undefined;
      if (isRecord(weights) && typeof weights[key] === "number") return weights[key] as number;
    }
  }
  return undefined;
}

export function configString(config: QuantizationConfig | undefined, key: string): string | undefined {
  const value = config?.settings[key];
  return typeof value === "string" ? value : undefined;
}

/** `weight_block_size` ([rows, cols]) of fp8 configs, if declared. */
export function configBlockSize(config: QuantizationConfig | undefined): [number, number] | undefined {
  const value = config?.settings.weight_block_size;
  if (Array.isArray(value) && value.length === 2 && value.every((v) => Number.isSafeInteger(v) && v > 0)) return [value[0], value[1]];
  return undefined;
}
