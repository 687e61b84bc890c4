/**
 * What `jaynes init` does with each tensor of the reference model (METHOD §9), decided before any
 * byte is written:
 * - **draw** the layers `jaynes fit` would fit — float tensors selected by --include/--exclude, with
 *   at least --min-params elements — that have parameters (the model's own fit, the layer's row in
 *   --from FIT, or --mu/--sigma) and are not flagged (unless --include-flagged);
 * - **copy** every other tensor as it is stored: byte for byte where its encoding is a safetensors
 *   dtype stored little-endian (every tensor of a safetensors file), value for value otherwise
 *   (big-endian or varint-coded floats in their own dtype; quantised layers as their F32 values);
 * - **omit** what cannot be carried: tensors whose bytes the reader does not locate (integer tensors of
 *   ONNX, TFLite, GGUF, … files), or that are stored out of row-major order.
 * Parameters are in units of the max |w| of the layer they were fitted on; the draw's scale is that
 * max unless --scale or --match-std sets it. A layer `fit` counts once because it holds the same
 * values as an earlier one (`duplicate_of`: aliased storage, tied or copied weights) is drawn with
 * that layer's parameters, stream and pinned element, so the two stay identical in the output.
 * Each drawn layer carries the evidence of the fit it is drawn from (METHOD §7): the standard errors
 * of μ and σ, what a Gaussian layer of its size gives, and the fit's flags.
 */
import { InputError } from "../../errors.js";
import type { FitFile } from "../../formats/fitFile.js";
import { WRITABLE_FLOAT_BYTES, type WritableFloatDType } from "../../decode/floatBits.js";
import { DTYPE_BITS } from "../../formats/safetensors.js";
import { safetensorsBytes } from "../../formats/safetensorsWrite.js";
import type { OpenedModel, TensorRecord } from "../../formats/tensor.js";
import type { TensorData } from "../../io/tensorData.js";
import { type StoredBytes, tensorBytes } from "../../io/tensorChunks.js";
import { MIN_ACCEPTANCE, acceptance, pinnedIndex, streamOf } from "../../stats/lognormalDraw.js";
import { nullFit } from "../../stats/nullBaseline.js";
import type { LayerResult } from "../layerResult.js";
import { type ModelResult, tensorSelector, tensorSkipReason } from "../model.js";
import type { AnalysisSettings } from "../settings.js";

/** Where μ and σ come from: the reference model's own fits, a fit file, or given values. */
export type ParameterSource = { kind: "fit"; result: ModelResult } | { kind: "file"; fit: FitFile } | { kind: "given"; mu: number; sigma: number; result: ModelResult };

/** The standard deviation a drawn layer is rescaled to (--match-std). */
export type MatchStd = "like" | "kaiming" | "xavier" | "torch";
/** The values `--match-std` accepts. */
export const MATCH_STD_CHOICES: readonly MatchStd[] = ["like", "kaiming", "xavier", "torch"];

/** The draw's options: seed, signs, scale, match-std. */
export interface InitOptions {
  /** 32-bit unsigned seed of the generator. */
  seed: number;
  signs: "random" | "like";
  /** Max |w| of every drawn layer; default: the max of the layer the parameters were fitted on. */
  scale?: number;
  matchStd?: MatchStd;
}

/** The parameters of one drawn layer (the JSON of the plan and of the written `__metadata__`). */
export interface DrawnLayer {
  parameters: "fit" | "file" | "given";
  /** μ, σ as `fit` reports them (size-weighted, units of max|w|) and the plain μ − σ² drawn from. */
  mu: number;
  sigma: number;
  mu_plain: number;
  /** Max |w| of the layer the parameters were fitted on. */
  max_abs: number;
  /** Max |w| of the drawn layer (the pinned element); with --match-std known once it is measured. */
  scale: number | null;
  /** P(x > 1): the lognormal's mass above the max, removed by drawing again. */
  tail_mass: number;
  /** The standard deviation rescaled to (--match-std), and what it was taken from. */
  target_std: number | null;
  match_std: MatchStd | null;
  /** Flat index of the element set to ±scale. */
  pinned: number;
  /** Standard errors of μ and σ of the fit drawn from (METHOD §7.2); null for --mu/--sigma, or a --from file without them. */
  fit_se: { mu: number | null; sigma: number | null } | null;
  /** μ, σ the same procedure gives on a Gaussian layer of this size and --bins (METHOD §7.1): a σ near it does not tell the layer from a Gaussian one. */
  null_gaussian: { mu: number; sigma: number };
  /** Quality flags of the fit drawn from (non-empty only with --include-flagged). */
  flags: string[];
}

/** One row per tensor of the model. */
export interface InitTensor {
  tensor: string;
  shape: number[];
  params: number;
  /** As stored, in the reader's vocabulary. */
  dtype: string;
  /** As written (safetensors dtype); null when omitted. */
  out_dtype: string | null;
  action: "draw" | "copy" | "omit";
  /** Why the tensor is copied or omitted rather than drawn. */
  reason: string | null;
  draw: DrawnLayer | null;
  /** Drawn identically to this earlier layer, whose values it shares in the reference. */
  duplicate_of?: string;
}

/** How a tensor's bytes are produced. */
export type TensorSource =
  | { kind: "draw"; dtype: WritableFloatDType; seed: number; stream: [number, number] }
  /** The stored bytes as they are. */
  | { kind: "bytes"; data: StoredBytes }
  /** Decoded and encoded again: 8/16-bit float codes as their patterns, other values as `dtype`. */
  | { kind: "recode"; data: TensorData; dtype: string }
  | { kind: "omit" };

/** One tensor of the plan: its report row, its record in the reference model, and where its values come from. */
export interface PlannedTensor {
  row: InitTensor;
  record: TensorRecord;
  source: TensorSource;
  /** Bytes written (0 when omitted). */
  bytes: number;
}

/** The plan of an init: one entry per tensor and the warnings. */
export interface InitPlan {
  tensors: PlannedTensor[];
  /** Warnings for the user (a layer that could not be drawn, …). */
  warnings: string[];
}

/** Float dtypes safetensors stores and this tool writes in their own dtype. */
const SAFETENSORS_FLOATS: ReadonlySet<string> = new Set(["F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2"]);

/** The dtype a tensor with this data is written in: its own when safetensors has it, else F32. */
function storedFloatDtype(data: TensorData): string {
  const { encoding } = data;
  return (encoding.kind === "float" || encoding.kind === "varint") && SAFETENSORS_FLOATS.has(encoding.dtype) ? encoding.dtype : "F32";
}

/** A drawn layer keeps its dtype when it is F64/F32/F16/BF16; other storage is drawn as F32. */
function drawDtype(data: TensorData): WritableFloatDType {
  const dtype = storedFloatDtype(data);
  return dtype in WRITABLE_FLOAT_BYTES ? (dtype as WritableFloatDType) : "F32";
}

/** fan-in and fan-out as PyTorch computes them: dims [out, in, kernel…]. */
function fans(shape: readonly number[]): { fanIn: number; fanOut: number } | undefined {
  if (shape.length < 2) return undefined;
  const receptive = shape.slice(2).reduce((product, dim) => product * dim, 1);
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/** The standard deviation of a standard initialisation of a layer of this shape. */
export function standardInitStd(init: Exclude<MatchStd, "like">, shape: readonly number[]): number | undefined {
  const f = fans(shape);
  if (!f) return undefined;
  switch (init) {
    case "kaiming": // He et al. 2015, normal, gain √2 (ReLU): Var = 2 / fan_in
      return Math.sqrt(2 / f.fanIn);
    case "xavier": // Glorot & Bengio 2010: Var = 2 / (fan_in + fan_out)
      return Math.sqrt(2 / (f.fanIn + f.fanOut));
    case "torch": // nn.Linear/nn.Conv default, kaiming_uniform(a = √5): U(±1/√fan_in), Var = 1 / (3 fan_in)
      return Math.sqrt(1 / (3 * f.fanIn));
  }
}

interface Parameters {
  parameters: DrawnLayer["parameters"];
  mu: number;
  sigma: number;
  muPlain: number;
  maxAbs: number;
  flags: readonly string[];
  fitSe: DrawnLayer["fit_se"];
  nullGaussian: DrawnLayer["null_gaussian"] | undefined;
  /** The layer whose values this one shares (its parameters, stream and pinned element are used). */
  duplicateOf?: string;
}

/** The parameters for a layer, or why there are none. */
function parametersFor(source: ParameterSource, record: TensorRecord): Parameters | { reason: string } {
  if (source.kind === "file") {
    const fitted = source.fit.layers.get(record.name);
    if (!fitted) return { reason: "not in the --from fit" };
    return { parameters: "file", mu: fitted.mu, sigma: fitted.sigma, muPlain: fitted.muPlain, maxAbs: fitted.maxAbs, flags: fitted.flags, fitSe: fitted.fitSe, nullGaussian: undefined };
  }
  let layer: LayerResult | undefined = source.result.layers.find((candidate) => candidate.tensor === record.name);
  let duplicateOf: string | undefined;
  if (!layer) {
    const skipped = source.result.skipped.find((candidate) => candidate.tensor === record.name);
    duplicateOf = skipped?.duplicate_of;
    layer = duplicateOf !== undefined ? source.result.layers.find((candidate) => candidate.tensor === duplicateOf) : undefined;
    if (!layer) return { reason: skipped?.reason ?? "not fitted" };
  }
  const shared = { maxAbs: layer.max_abs, flags: layer.flags, nullGaussian: { mu: layer.null_gaussian.mu, sigma: layer.null_gaussian.sigma }, ...(duplicateOf !== undefined ? { duplicateOf } : {}) };
  if (source.kind === "given") {
    return { parameters: "given", mu: source.mu, sigma: source.sigma, muPlain: source.mu - source.sigma * source.sigma, fitSe: null, ...shared };
  }
  // init analyses with --normalize max, so μ is in units of the max already.
  return { parameters: "fit", mu: layer.mu, sigma: layer.sigma, muPlain: layer.mu_plain, fitSe: { mu: layer.fit_se.mu, sigma: layer.fit_se.sigma }, ...shared };
}

/** How a tensor that is not drawn is carried, and its output dtype. */
function copySource(record: TensorRecord): { source: TensorSource; dtype: string | null; reason?: string } {
  if (record.permuted) return { source: { kind: "omit" }, dtype: null, reason: "stored out of row-major order (Fortran order or a strided view)" };
  if (record.data) {
    const dtype = storedFloatDtype(record.data);
    const plain = record.data.encoding.kind === "float" && !record.data.encoding.bigEndian && dtype === record.data.encoding.dtype;
    if (plain && tensorBytes(record.data) === safetensorsBytes(dtype, record.params)) return { source: { kind: "bytes", data: record.data }, dtype };
    return { source: { kind: "recode", data: record.data, dtype }, dtype };
  }
  const storage = record.storage;
  // Copied as stored only when the stored bytes are the plain little-endian row-major elements.
  const plain = storage && !storage.compression && !storage.columnMajor && (!storage.bigEndian || storage.itemBytes === 1);
  if (plain && DTYPE_BITS[record.dtype] !== undefined) return { source: { kind: "bytes", data: { ranges: storage.ranges } }, dtype: record.dtype };
  return { source: { kind: "omit" }, dtype: null, reason: "the reader does not locate its bytes for copying" };
}

/** Decide, tensor by tensor, what `init` writes: drawn from a lognormal, copied, or left out (docs/METHOD.md §9). Pure. */
export function planInit(model: OpenedModel, settings: AnalysisSettings, parameters: ParameterSource, options: InitOptions): InitPlan {
  const selected = tensorSelector(settings);
  const warnings: string[] = [];
  const tensors = model.tensors.map((record): PlannedTensor => {
    const base = { tensor: record.name, shape: record.shape, params: record.params, dtype: record.dtype };
    const copied = (reason: string): PlannedTensor => {
      const copy = copySource(record);
      const bytes = copy.dtype === null ? 0 : safetensorsBytes(copy.dtype, record.params)!;
      return { row: { ...base, out_dtype: copy.dtype, action: copy.dtype === null ? "omit" : "copy", reason: copy.reason ? `${reason}; ${copy.reason}` : reason, draw: null }, record, source: copy.source, bytes };
    };
    const skip = tensorSkipReason(record, settings, selected);
    if (skip !== undefined || !record.data) return copied(skip ?? "not analysed");
    const found = parametersFor(parameters, record);
    if ("reason" in found) return copied(found.reason);
    if (found.flags.length > 0 && !settings.includeFlagged) return copied(`flagged ${found.flags.join(",")} (--include-flagged draws it)`);
    if (options.signs === "like" && record.permuted) return copied("--signs like needs the reference in row-major order");
    const accepted = acceptance(found.muPlain, found.sigma);
    if (!(accepted >= MIN_ACCEPTANCE)) {
      warnings.push(`tensor ${JSON.stringify(record.name)}: μ_plain ${found.muPlain.toFixed(3)}, σ ${found.sigma.toFixed(3)} put ${((1 - accepted) * 100).toFixed(1)} % of |w| above the layer's max; copied instead`);
      return copied(`the lognormal puts more than ${100 - MIN_ACCEPTANCE * 100} % of |w| above the max`);
    }
    let targetStd: number | null = null;
    if (options.matchStd !== undefined && options.matchStd !== "like") {
      const std = standardInitStd(options.matchStd, record.shape);
      if (std === undefined) {
        warnings.push(`tensor ${JSON.stringify(record.name)}: --match-std ${options.matchStd} needs a fan-in (≥ 2 dims); copied instead`);
        return copied(`--match-std ${options.matchStd}: no fan-in for ${record.shape.length} dim(s)`);
      }
      targetStd = std;
    }
    const dtype = drawDtype(record.data);
    const stream = streamOf(found.duplicateOf ?? record.name);
    const nullGaussian = found.nullGaussian ?? nullFit("gaussian", record.params, settings.bins);
    const draw: DrawnLayer = {
      parameters: found.parameters,
      mu: found.mu,
      sigma: found.sigma,
      mu_plain: found.muPlain,
      max_abs: found.maxAbs,
      scale: options.matchStd !== undefined ? null : (options.scale ?? found.maxAbs),
      tail_mass: 1 - accepted,
      target_std: targetStd,
      match_std: options.matchStd ?? null,
      pinned: pinnedIndex(options.seed, stream, record.params),
      fit_se: found.fitSe,
      null_gaussian: { mu: nullGaussian.mu, sigma: nullGaussian.sigma },
      flags: [...found.flags],
    };
    return {
      row: { ...base, out_dtype: dtype, action: "draw", reason: null, draw, ...(found.duplicateOf !== undefined ? { duplicate_of: found.duplicateOf } : {}) },
      record,
      source: { kind: "draw", dtype, seed: options.seed, stream },
      bytes: record.params * WRITABLE_FLOAT_BYTES[dtype],
    };
  });
  if (parameters.kind === "file") checkFitMatches(model, settings, parameters.fit);
  return { tensors, warnings };
}

/**
 * A --from fit must describe this architecture: every selected layer it holds must exist in the
 * model with the same shape (as `compare` requires), else the two are not one architecture.
 */
function checkFitMatches(model: OpenedModel, settings: AnalysisSettings, fit: FitFile): void {
  const selected = tensorSelector(settings);
  const byName = new Map(model.tensors.map((tensor) => [tensor.name, tensor]));
  const missing: string[] = [];
  const reshaped: string[] = [];
  for (const layer of fit.layers.values()) {
    if (!selected(layer.tensor)) continue;
    const tensor = byName.get(layer.tensor);
    if (!tensor) missing.push(layer.tensor);
    else if (tensor.shape.join("x") !== layer.shape.join("x")) reshaped.push(`${JSON.stringify(layer.tensor)} ${layer.shape.join("×")} in the fit vs ${tensor.shape.join("×")}`);
  }
  const problems: string[] = [];
  const list = (names: string[]): string => names.slice(0, 3).map((name) => JSON.stringify(name)).join(", ") + (names.length > 3 ? ", …" : "");
  if (missing.length > 0) problems.push(`${missing.length} fitted layer${missing.length === 1 ? "" : "s"} not in the model (${list(missing)})`);
  if (reshaped.length > 0) problems.push(`different shapes (${reshaped.slice(0, 3).join("; ")}${reshaped.length > 3 ? "; …" : ""})`);
  if (problems.length > 0) throw new InputError("model", fit.file, `${problems.join("; ")}: not a fit of this architecture (restrict with --include/--exclude)`);
}
