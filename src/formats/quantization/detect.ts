/**
 * Checkpoint quantisation schemes, recognised from the checkpoint itself: tensor names, dtypes and
 * shapes, refined by the folder's quantisation settings (config.ts). Each quantised weight becomes one
 * record under its logical name and shape (`x.qweight` → `x.weight` [out, in]), whose data is the
 * codes plus a description of the side tensors (quantizedEncoding.ts); the side tensors (scales,
 * zero points, group indices, quant maps and states, activation scales) are consumed: listed as
 * skipped with the layer they belong to, never fitted as layers. Everything else is left as the
 * reader made it, so a model mixing quantised and plain (e.g. BF16 norm) tensors reports each.
 *
 * | scheme | tensors (prefix P) |
 * |---|---|
 * | MXFP4 (gpt-oss) | `P_blocks` U8 [..., G, 16], `P_scales` U8 [..., G] |
 * | NVFP4 (ModelOpt) | `P.weight` U8 [o, i/2], `P.weight_scale` F8_E4M3 [o, i/16], `P.weight_scale_2` F32 |
 * | NVFP4 (compressed-tensors) | `P.weight_packed` U8 [o, i/2], `P.weight_scale` F8_E4M3, `P.weight_global_scale` |
 * | FP8 / int8 with scale | `P.weight` F8_E4M3/F8_E5M2/I8, `P.weight_scale_inv` or `P.weight_scale` (1, [o], [o, 1], blocks) |
 * | bitsandbytes int8 | `P.weight` I8 [o, i], `P.SCB` F32 [o] |
 * | bitsandbytes 4-bit | `P.weight` U8, `P.weight.absmax`, `P.weight.quant_map`, `P.weight.quant_state.bitsandbytes__nf4|fp4` |
 * | GPTQ | `P.qweight` I32 [i·b/32, o], `P.qzeros`, `P.scales` [g, o], `P.g_idx` |
 * | AWQ | `P.qweight` I32 [i, o·b/32], `P.qzeros`, `P.scales` [g, o] |
 * | compressed-tensors pack-quantized | `P.weight_packed` I32 [o, i·b/32], `P.weight_scale` [o, g], `P.weight_zero_point`, `P.weight_g_idx`, `P.weight_shape` |
 */
import { InputError } from "../../errors.js";
import { SourcePool } from "../../io/byteSource.js";
import { readSpan, totalBytes } from "../../io/chunks.js";
import type { QuantizationInfo, QuantizedEncoding, SideTensor } from "../../io/quantizedEncoding.js";
import type { ByteRange } from "../../io/tensorData.js";
import type { OpenedModel, TensorRecord } from "../tensor.js";
import { type QuantizationConfig, configBlockSize, configNumber, configString, readQuantizationConfig } from "./config.js";

/** Name endings that only quantised checkpoints use: the tensors are looked at only when one is present. */
const SIGNATURES = [/_blocks$/, /\.qweight$/, /\.weight_packed$/, /\.weight_scale(_inv|_2)?$/, /\.SCB$/, /\.weight\.absmax$/, /\.weight_global_scale$/];
/** Per-module parameters that are not weights: activation and KV-cache scales, stored shapes. */
const PARAMETER_SUFFIXES = ["input_scale", "input_global_scale", "output_scale", "k_scale", "v_scale", "weight_shape", "weight_format", "input_zero_point"];

const FLOAT_SCALE_DTYPES = new Set(["F32", "F16", "BF16", "F64"]);

interface Detection {
  /** The record that replaces the codes' record. */
  record: TensorRecord;
  /** Names of the tensors consumed (side tensors and the codes' stored name). */
  consumed: string[];
}

interface Context {
  byName: Map<string, TensorRecord>;
  config: QuantizationConfig | undefined;
  pool: SourcePool;
}

/** Decode the quantised tensors of an opened model (the model itself when it has none). */
export async function withQuantizedTensors(model: OpenedModel): Promise<OpenedModel> {
  if (!model.tensors.some((tensor) => SIGNATURES.some((pattern) => pattern.test(tensor.name)))) return model;
  const byName = new Map(model.tensors.map((tensor) => [tensor.name, tensor]));
  const config = model.files[0] !== undefined ? await readQuantizationConfig(model.files[0]) : undefined;
  const pool = new SourcePool();
  const context: Context = { byName, config, pool };
  const replaced = new Map<string, TensorRecord>();
  const consumedBy = new Map<string, string>();
  try {
    for (const tensor of model.tensors) {
      if (consumedBy.has(tensor.name)) continue;
      const detection = await detect(tensor, context);
      if (!detection) continue;
      replaced.set(tensor.name, detection.record);
      for (const name of detection.consumed) if (name !== tensor.name) consumedBy.set(name, detection.record.name);
    }
  } finally {
    await pool.close();
  }
  if (replaced.size === 0) return model;
  // Activation scales and stored shapes of the quantised modules are parameters, not weights.
  for (const record of replaced.values()) {
    const prefix = modulePrefix(record.name);
    for (const suffix of PARAMETER_SUFFIXES) if (byName.has(`${prefix}.${suffix}`) && !consumedBy.has(`${prefix}.${suffix}`)) consumedBy.set(`${prefix}.${suffix}`, record.name);
  }
  const names = new Set(model.tensors.map((tensor) => tensor.name));
  const tensors = model.tensors.map((tensor): TensorRecord => {
    const decoded = replaced.get(tensor.name);
    if (decoded) {
      // Keep the stored name where the logical one is taken by another tensor.
      if (decoded.name !== tensor.name && names.has(decoded.name) && !consumedBy.has(decoded.name)) return { ...decoded, name: tensor.name, originalName: tensor.name };
      return decoded;
    }
    const owner = consumedBy.get(tensor.name);
    if (owner === undefined) return tensor;
    const { data: _data, ...rest } = tensor;
    return { ...rest, skipReason: `quantisation parameter of "${owner}" (consumed by its decoder)` };
  });
  return { ...model, tensors };
}

function modulePrefix(name: string): string {
  return name.endsWith(".weight") ? name.slice(0, -".weight".length) : name;
}

function side(record: TensorRecord): SideTensor {
  return { name: record.name, dtype: record.dtype, shape: record.shape, ranges: record.storage!.ranges };
}

function fileOf(record: TensorRecord): string {
  return record.storage?.ranges[0]?.source ?? "";
}

function malformed(record: TensorRecord, message: string): InputError {
  return new InputError("malformed", fileOf(record), message, record.name);
}

async function readStored(pool: SourcePool, record: TensorRecord): Promise<Uint8Array> {
  const ranges: ByteRange[] = record.storage?.ranges ?? [];
  const bytes = new Uint8Array(totalBytes(ranges));
  await readSpan(ranges, pool, 0, bytes);
  return bytes;
}

async function readFloats(pool: SourcePool, record: TensorRecord): Promise<number[]> {
  if (record.dtype !== "F32") throw malformed(record, `is ${record.dtype}; expected F32`);
  const bytes = await readStored(pool, record);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(4 * i, true));
}

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A record that stands for the decoded weight. */
function decodedRecord(codes: TensorRecord, name: string, shape: number[], dtype: string, encoding: QuantizedEncoding, words: string, info: QuantizationInfo): TensorRecord {
  const params = product(shape);
  return {
    name,
    ...(name !== codes.name ? { originalName: codes.name } : {}),
    dtype,
    shape,
    params,
    data: { ranges: codes.storage!.ranges, encoding, elements: params },
    quantization: words,
    quantizationInfo: info,
  };
}

async function detect(tensor: TensorRecord, context: Context): Promise<Detection | undefined> {
  if (!tensor.storage) return undefined;
  const { byName } = context;
  const name = tensor.name;
  if (name.endsWith("_blocks")) return detectMxfp4(tensor, context);
  if (name.endsWith(".qweight")) return detectGptqAwq(tensor, context);
  if (name.endsWith(".weight_packed")) return tensor.dtype === "U8" ? detectNvfp4(tensor, context, "ct") : detectCtPack(tensor, context);
  if (!name.endsWith(".weight")) return undefined;
  if (byName.has(`${name}.absmax`)) return detectBnb4bit(tensor, context);
  const prefix = modulePrefix(name);
  if (tensor.dtype === "I8" && byName.has(`${prefix}.SCB`)) return detectByteScaled(tensor, byName.get(`${prefix}.SCB`)!, context, "bnb-int8");
  if (tensor.dtype === "U8" && byName.get(`${prefix}.weight_scale`)?.dtype === "F8_E4M3" && byName.has(`${prefix}.weight_scale_2`)) return detectNvfp4(tensor, context, "modelopt");
  if (tensor.dtype === "F8_E4M3" || tensor.dtype === "F8_E5M2" || tensor.dtype === "I8") {
    const scale = byName.get(`${name}_scale_inv`) ?? byName.get(`${name}_scale`);
    if (scale && FLOAT_SCALE_DTYPES.has(scale.dtype)) return detectByteScaled(tensor, scale, context, "product");
  }
  return undefined;
}

function info(scheme: string, bits: number, blockSize: number, granularity: string, code: string, scale: string, zeroPoint: boolean, context: Context): QuantizationInfo {
  return { scheme, bits, block_size: blockSize, granularity, code, scale, zero_point: zeroPoint, detected_from: context.config ? context.config.file.split("/").pop()! : "tensors" };
}

function detectMxfp4(blocks: TensorRecord, context: Context): Detection | undefined {
  const prefix = blocks.name.slice(0, -"_blocks".length);
  const scales = context.byName.get(`${prefix}_scales`);
  if (!scales?.storage || blocks.dtype !== "U8") return undefined;
  const shape = blocks.shape;
  if (shape.length < 2 || shape[shape.length - 1] !== 16) throw malformed(blocks, `MXFP4 blocks must be [..., G, 16] bytes (32 values per block), not [${shape.join(", ")}]`);
  const groupShape = shape.slice(0, -1);
  if (scales.dtype !== "U8" && scales.dtype !== "F8_E8M0") throw malformed(scales, `MXFP4 scales must be U8/F8_E8M0 (E8M0 exponents), not ${scales.dtype}`);
  if (scales.shape.join(",") !== groupShape.join(",")) throw malformed(scales, `has shape [${scales.shape.join(", ")}] but ${blocks.name} needs one scale per block: [${groupShape.join(", ")}]`);
  const logical = [...groupShape.slice(0, -1), groupShape[groupShape.length - 1]! * 32];
  const encoding: QuantizedEncoding = { kind: "quantized", scheme: "microscaled", variant: "mxfp4", block: 32, elements: product(logical), scale: side(scales) };
  return {
    record: decodedRecord(blocks, prefix, logical, "MXFP4", encoding, "MXFP4: E2M1 codes, E8M0 scale per 32 values", info("mxfp4", 4, 32, "block", "E2M1", "E8M0", false, context)),
    consumed: [scales.name],
  };
}

function detectNvfp4(packed: TensorRecord, context: Context, flavour: "ct" | "modelopt"): Detection | undefined {
  const prefix = modulePrefix(packed.name.replace(/\.weight_packed$/, ".weight"));
  const scale = context.byName.get(`${prefix}.weight_scale`);
  const global = context.byName.get(flavour === "ct" ? `${prefix}.weight_global_scale` : `${prefix}.weight_scale_2`);
  if (!scale?.storage || !global?.storage) return undefined;
  if (scale.dtype !== "F8_E4M3") return undefined;
  const shape = packed.shape;
  if (shape.length !== 2) throw malformed(packed, `NVFP4 codes must be [out, in/2], not [${shape.join(", ")}]`);
  const [out, half] = shape as [number, number];
  const logical = [out, half * 2];
  if (scale.shape.length !== 2 || scale.shape[0] !== out || scale.shape[1]! * 16 !== half * 2) {
    throw malformed(scale, `has shape [${scale.shape.join(", ")}] but NVFP4 needs one FP8 scale per 16 values of [${logical.join(", ")}]: [${out}, ${(half * 2) / 16}]`);
  }
  if (product(global.shape) !== 1) throw malformed(global, `must hold one global scale, not [${global.shape.join(", ")}]`);
  const variant = flavour === "ct" ? "nvfp4-ct" : "nvfp4-modelopt";
  const encoding: QuantizedEncoding = { kind: "quantized", scheme: "microscaled", variant, block: 16, elements: out * half * 2, scale: side(scale), global: side(global) };
  const words = flavour === "ct" ? "NVFP4 (compressed-tensors): E2M1 codes, E4M3 scale per 16 values ÷ F32 global scale" : "NVFP4 (ModelOpt): E2M1 codes, E4M3 scale per 16 values × F32 global scale";
  return {
    record: decodedRecord(packed, `${prefix}.weight`, logical, "NVFP4", encoding, words, info("nvfp4", 4, 16, "block", "E2M1", "E4M3×F32", false, context)),
    consumed: [scale.name, global.name],
  };
}

/** The block edge that makes ⌈size/edge⌉ = count: the declared one, else the power of two that does. */
function blockEdge(size: number, count: number, declared: number | undefined): number | undefined {
  if (declared !== undefined && Math.ceil(size / declared) === count) return declared;
  for (let edge = 1; edge <= size * 2; edge *= 2) if (Math.ceil(size / edge) === count) return edge;
  return undefined;
}

function detectByteScaled(weight: TensorRecord, scale: TensorRecord, context: Context, rule: "product" | "bnb-int8"): Detection {
  const prefix = modulePrefix(weight.name);
  if (!scale.storage) throw malformed(scale, "scale tensor has no stored bytes");
  const shape = weight.shape;
  const cols = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  const rows = weight.params / Math.max(1, cols);
  const scales = product(scale.shape);
  let layout: "tensor" | "channel" | "block";
  let blockRows = rows;
  let blockCols = cols;
  if (scales === 1) layout = "tensor";
  else if (scales === rows && (scale.shape.length === 1 || scale.shape[scale.shape.length - 1] === 1)) {
    layout = "channel";
    blockRows = 1;
  } else if (scale.shape.length === 2 && shape.length === 2) {
    const declared = configBlockSize(context.config);
    const r = blockEdge(rows, scale.shape[0]!, declared?.[0]);
    const c = blockEdge(cols, scale.shape[1]!, declared?.[1]);
    if (r === undefined || c === undefined) throw malformed(scale, `shape [${scale.shape.join(", ")}] is no block grid of ${weight.name} [${shape.join(", ")}]`);
    layout = "block";
    blockRows = r;
    blockCols = c;
  } else {
    throw malformed(scale, `shape [${scale.shape.join(", ")}] matches neither a tensor, a per-row nor a block scale of ${weight.name} [${shape.join(", ")}]`);
  }
  const zero = weight.dtype === "I8" ? context.byName.get(`${prefix}.weight_zero_point`) : undefined;
  const code = weight.dtype as "F8_E4M3" | "F8_E5M2" | "I8";
  const encoding: QuantizedEncoding = {
    kind: "quantized",
    scheme: "byte-scaled",
    code,
    rows,
    cols,
    layout,
    blockRows,
    blockCols,
    rule,
    scale: side(scale),
    ...(zero?.storage ? { zero: side(zero) } : {}),
  };
  const fp8 = code !== "I8";
  const method = configString(context.config, "quant_method");
  const scheme = rule === "bnb-int8" ? "bnb-int8" : method === "compressed-tensors" ? (fp8 ? "ct-fp8" : "ct-int8") : fp8 ? "fp8" : "int8";
  const blockSize = layout === "tensor" ? weight.params : layout === "channel" ? cols : blockRows * blockCols;
  const where = layout === "tensor" ? "one scale" : layout === "channel" ? "a scale per row" : `a scale per ${blockRows}×${blockCols} block`;
  const words = rule === "bnb-int8" ? "bitsandbytes LLM.int8: int8 codes × SCB/127 per row" : `${fp8 ? (code === "F8_E4M3" ? "FP8 E4M3" : "FP8 E5M2") : "int8"} codes, ${where} (${scale.name.split(".").pop()} ${scale.dtype})${zero ? " and zero point" : ""}`;
  return {
    record: decodedRecord(weight, weight.name, shape, weight.dtype, encoding, words, info(scheme, 8, blockSize, layout, fp8 ? code.slice(3) : "INT8", scale.dtype, zero !== undefined, context)),
    consumed: [scale.name, ...(zero ? [zero.name] : [])],
  };
}

async function detectBnb4bit(weight: TensorRecord, context: Context): Promise<Detection | undefined> {
  const { byName, pool } = context;
  const name = weight.name;
  const absmax = byName.get(`${name}.absmax`);
  const quantMap = byName.get(`${name}.quant_map`);
  const state = byName.get(`${name}.quant_state.bitsandbytes__nf4`) ?? byName.get(`${name}.quant_state.bitsandbytes__fp4`);
  if (!absmax?.storage || !quantMap?.storage || !state?.storage) return undefined;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(new TextDecoder().decode(await readStored(pool, state))) as Record<string, unknown>;
  } catch {
    throw malformed(state, "does not hold the JSON quant state bitsandbytes writes");
  }
  const blocksize = json.blocksize;
  const shape = json.shape;
  if (typeof blocksize !== "number" || !Number.isSafeInteger(blocksize) || blocksize <= 0) throw malformed(state, `quant state has no valid blocksize (${JSON.stringify(blocksize)})`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw malformed(state, "quant state has no valid shape");
  const logical = shape as number[];
  const elements = product(logical);
  if (weight.dtype !== "U8" || totalBytes(weight.storage!.ranges) !== Math.ceil(elements / 2)) throw malformed(weight, `holds ${totalBytes(weight.storage!.ranges)} bytes; ${elements} 4-bit values of shape [${logical.join(", ")}] need ${Math.ceil(elements / 2)}`);
  const blocks = Math.ceil(elements / blocksize);
  if (product(absmax.shape) !== blocks) throw malformed(absmax, `holds ${product(absmax.shape)} values; ${elements} values in blocks of ${blocksize} need ${blocks}`);
  const map = await readFloats(pool, quantMap);
  if (map.length !== 16) throw malformed(quantMap, `holds ${map.length} levels, not 16`);
  const quantType = typeof json.quant_type === "string" ? json.quant_type : state.name.endsWith("nf4") ? "nf4" : "fp4";
  const consumed = [absmax.name, quantMap.name, state.name];
  let nested: { absmax: SideTensor; quantMap: number[]; blocksize: number; offset: number } | undefined;
  const nestedAbsmax = byName.get(`${name}.nested_absmax`);
  if (nestedAbsmax?.storage) {
    const nestedMap = byName.get(`${name}.nested_quant_map`);
    if (!nestedMap?.storage) throw malformed(nestedAbsmax, "double quantisation without nested_quant_map");
    const nestedBlocksize = json.nested_blocksize;
    const offset = json.nested_offset;
    if (typeof nestedBlocksize !== "number" || typeof offset !== "number") throw malformed(state, "double quantisation without nested_blocksize and nested_offset");
    if (absmax.dtype !== "U8") throw malformed(absmax, `is ${absmax.dtype}; doubly quantised absmax are U8 codes`);
    const levels = await readFloats(pool, nestedMap);
    if (levels.length !== 256) throw malformed(nestedMap, `holds ${levels.length} levels, not 256`);
    nested = { absmax: side(nestedAbsmax), quantMap: levels, blocksize: nestedBlocksize, offset };
    consumed.push(nestedAbsmax.name, nestedMap.name);
  } else if (absmax.dtype !== "F32") {
    throw malformed(absmax, `is ${absmax.dtype}; absmax are F32 (or U8 with nested_absmax)`);
  }
  const encoding: QuantizedEncoding = { kind: "quantized", scheme: "bnb-4bit", quantType, elements, blocksize, quantMap: map, absmax: side(absmax), ...(nested ? { nested } : {}) };
  const code = quantType.toUpperCase();
  const words = `bitsandbytes ${code}: 4-bit codes, absmax per ${blocksize} values${nested ? " (double-quantised: 8-bit codes, F32 per 256 blocks)" : ""}`;
  return {
    record: decodedRecord(weight, name, logical, code, encoding, words, info(`bnb-${quantType}`, 4, blocksize, "block", code, nested ? "U8×F32" : "F32", false, context)),
    consumed,
  };
}

function bitsFromConfig(context: Context): number | undefined {
  return configNumber(context.config, "bits") ?? configNumber(context.config, "w_bit") ?? configNumber(context.config, "num_bits");
}

function detectGptqAwq(qweight: TensorRecord, context: Context): Detection | undefined {
  const { byName } = context;
  const prefix = qweight.name.slice(0, -".qweight".length);
  const scales = byName.get(`${prefix}.scales`);
  const qzeros = byName.get(`${prefix}.qzeros`);
  const gIdx = byName.get(`${prefix}.g_idx`);
  if (!scales?.storage || qweight.dtype !== "I32" || qweight.shape.length !== 2 || scales.shape.length !== 2) return undefined;
  if (!FLOAT_SCALE_DTYPES.has(scales.dtype)) throw malformed(scales, `is ${scales.dtype}; group scales are floats`);
  const [qRows, qCols] = qweight.shape as [number, number];
  const [groups, out] = scales.shape as [number, number];
  const method = configString(context.config, "quant_method");
  const awq = method === "awq" || (method !== "gptq" && qCols !== out);
  const bits = bitsFromConfig(context) ?? (qzeros ? (32 * qzeros.shape[1]!) / out : 4);
  if (![2, 4, 8].includes(bits)) return undefined;
  const perWord = 32 / bits;
  const inFeatures = awq ? qRows : gIdx ? gIdx.params : qRows * perWord;
  if (awq) {
    if (bits !== 4) throw malformed(qweight, `AWQ packs 4-bit codes; ${bits}-bit AWQ is not supported`);
    const version = configString(context.config, "version");
    if (version !== undefined && version.toLowerCase() !== "gemm") throw malformed(qweight, `AWQ version "${version}" uses another packing; only GEMM is supported`);
    if (qCols * perWord !== out) throw malformed(qweight, `AWQ qweight [${qRows}, ${qCols}] does not pack scales' ${out} outputs`);
  } else if (qCols !== out || qRows * perWord < inFeatures) {
    throw malformed(qweight, `GPTQ qweight [${qRows}, ${qCols}] does not pack [${inFeatures}, ${out}] in ${bits}-bit codes`);
  }
  const declared = configNumber(context.config, "group_size") ?? configNumber(context.config, "q_group_size");
  const groupSize = declared !== undefined && declared > 0 ? declared : Math.ceil(inFeatures / groups);
  if (Math.ceil(inFeatures / groupSize) !== groups && !gIdx) throw malformed(scales, `has ${groups} groups; ${inFeatures} inputs in groups of ${groupSize} need ${Math.ceil(inFeatures / groupSize)}`);
  const format = configString(context.config, "checkpoint_format");
  const variant = awq ? "awq" : "gptq";
  const encoding: QuantizedEncoding = {
    kind: "quantized",
    scheme: "int-group",
    variant,
    bits,
    inFeatures,
    outFeatures: out,
    groupSize,
    groups,
    zeroOffset: variant === "gptq" && format !== "gptq_v2" ? 1 : 0,
    scale: side(scales),
    ...(qzeros?.storage ? { zero: side(qzeros) } : {}),
    ...(gIdx?.storage && !awq ? { gIdx: side(gIdx) } : {}),
  };
  const words = awq ? `AWQ: ${bits}-bit codes, ${scales.dtype} scale and zero point per ${groupSize} inputs` : `GPTQ: ${bits}-bit codes, ${scales.dtype} scale and zero point per ${groupSize} inputs${gIdx ? " (g_idx)" : ""}`;
  return {
    record: decodedRecord(qweight, `${prefix}.weight`, [out, inFeatures], `INT${bits}`, encoding, words, info(variant, bits, groupSize, "group", `INT${bits}`, scales.dtype, qzeros !== undefined, context)),
    consumed: [scales.name, ...(qzeros ? [qzeros.name] : []), ...(gIdx ? [gIdx.name] : [])],
  };
}

async function detectCtPack(packed: TensorRecord, context: Context): Promise<Detection | undefined> {
  const { byName, pool } = context;
  const prefix = packed.name.slice(0, -".weight_packed".length);
  const scale = byName.get(`${prefix}.weight_scale`);
  if (!scale?.storage || packed.dtype !== "I32" || packed.shape.length !== 2) return undefined;
  if (!FLOAT_SCALE_DTYPES.has(scale.dtype)) throw malformed(scale, `is ${scale.dtype}; group scales are floats`);
  const [out, packedCols] = packed.shape as [number, number];
  const shapeRecord = byName.get(`${prefix}.weight_shape`);
  let inFeatures: number | undefined;
  if (shapeRecord?.storage) {
    const bytes = await readStored(pool, shapeRecord);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const wide = shapeRecord.dtype === "I64";
    inFeatures = wide ? Number(view.getBigInt64(8, true)) : view.getInt32(4, true);
  }
  const bits = bitsFromConfig(context) ?? (inFeatures !== undefined ? [4, 8, 2].find((b) => Math.ceil((inFeatures! * b) / 32) === packedCols) : 4);
  if (bits === undefined || ![2, 4, 8].includes(bits)) throw malformed(packed, `cannot tell the bit width of [${out}, ${packedCols}] packed codes`);
  const perWord = 32 / bits;
  inFeatures ??= packedCols * perWord;
  if (Math.ceil(inFeatures / perWord) !== packedCols) throw malformed(packed, `[${out}, ${packedCols}] does not pack ${inFeatures} inputs in ${bits}-bit codes`);
  const groups = scale.shape.length === 2 ? scale.shape[1]! : 1;
  if (scale.shape[0] !== out && product(scale.shape) !== 1) throw malformed(scale, `has shape [${scale.shape.join(", ")}]; pack-quantized scales are [${out}, groups]`);
  const declared = configNumber(context.config, "group_size");
  const groupSize = declared !== undefined && declared > 0 ? declared : Math.ceil(inFeatures / groups);
  const zero = byName.get(`${prefix}.weight_zero_point`);
  const gIdx = byName.get(`${prefix}.weight_g_idx`);
  const encoding: QuantizedEncoding = {
    kind: "quantized",
    scheme: "int-group",
    variant: "ct-pack",
    bits,
    inFeatures,
    outFeatures: out,
    groupSize,
    groups,
    zeroOffset: 0,
    scale: side(scale),
    ...(zero?.storage ? { zero: side(zero) } : {}),
    ...(gIdx?.storage ? { gIdx: side(gIdx) } : {}),
  };
  const granularity = groups === 1 ? "channel" : "group";
  return {
    record: decodedRecord(packed, `${prefix}.weight`, [out, inFeatures], `INT${bits}`, encoding, `compressed-tensors pack-quantized: ${bits}-bit codes, ${scale.dtype} scale per ${groups === 1 ? "row" : `${groupSize} inputs`}${zero ? " and zero point" : ""}`, info(`ct-int${bits}`, bits, groupSize, granularity, `INT${bits}`, scale.dtype, zero !== undefined, context)),
    consumed: [scale.name, ...(zero ? [zero.name] : []), ...(gIdx ? [gIdx.name] : []), ...(shapeRecord ? [shapeRecord.name] : [])],
  };
}
