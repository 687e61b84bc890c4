/**
 * An ONNX model run by onnxruntime with its intermediate values as outputs.
 *
 * `prepare` decides what is observed, on the first sample:
 * 1. `If` nodes: values inside a branch are invisible from outside, so each If of the main graph is
 *    replaced by the branch its condition selects on the first sample (rewrite.ts `inline`); inlined
 *    branches may hold Ifs of their own, resolved the same way, one round per nesting level. Every
 *    later run checks that each condition still selects the same branch and fails otherwise.
 * 2. The activations: outputs of the (flattened) main graph's nodes that depend on the graph's
 *    inputs — not `Constant` nodes, not values computed from weights alone — of a floating type
 *    (onnxruntime infers the types of the exposed values), selected by name. A value that only
 *    rearranges an observed one (Reshape, Transpose, Squeeze, Identity, a Cast to the same type, …)
 *    holds the same numbers and is listed as a copy instead.
 * 3. The bytes each takes per sample, measured on the first sample a few values at a time.
 * `observe(names)` then creates the session that exposes one group of values; `run` returns them.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { type GraphNode, type OnnxModelGraph, walkModelGraph } from "../formats/onnx/graph.js";
import { openOnnx } from "../formats/onnx/onnx.js";
import { type Branch, type FlatGraph, type FlatNode, type RewriteWorkspace, createWorkspace, flattenGraph, writeRewrittenModel } from "../formats/onnx/rewrite.js";
import { WireStream } from "../formats/protobuf/wireStream.js";
import { openSource } from "../io/byteSource.js";
import { isFloatType, ortTypeOfOnnxCode } from "./elementTypes.js";
import type { GraphInput, InputArray } from "./inputs.js";
import { type OnnxRuntime, type OrtElementType, type OrtSession, type OrtTensor, releaseFinishedOutputs } from "./onnxRuntime.js";

/** How a value's axes are laid out, for choosing the unit (neuron/channel) axis. */
export type ValueLayout = "channels-first" | "channels-last";

export interface ActivationValue {
  name: string;
  /** op_type of the node producing it. */
  op: string;
  /** The producing node (graph path for nodes of inlined branches). */
  node: string;
  type: OrtElementType;
  layout: ValueLayout;
}

/** A part of the model whose values cannot be observed, and why. */
export interface UnreachedPart {
  name: string;
  reason: string;
}

/** A value that only rearranges or copies an observed one (Reshape, Transpose, …): not observed again. */
export interface CopiedValue {
  name: string;
  op: string;
  node: string;
  of: string;
}

export interface PreparedModel {
  values: ActivationValue[];
  copies: CopiedValue[];
  /** Bytes of each value for one sample (measured on the first). */
  bytesPerSample: Map<string, number>;
  unreached: UnreachedPart[];
  /** Branches taken by the inlined If nodes. */
  branches: Map<string, Branch>;
  /** Seconds spent rewriting the model and creating sessions. */
  prepareSeconds: number;
}

/** Ops whose outputs put channels on axis 1 (ONNX's NCHW convention). */
const CHANNELS_FIRST_OPS: ReadonlySet<string> = new Set([
  "Conv", "ConvTranspose", "ConvInteger", "QLinearConv", "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool",
  "BatchNormalization", "InstanceNormalization", "GroupNormalization", "LRN", "MaxUnpool", "DepthToSpace", "SpaceToDepth", "Upsample", "Resize", "RoiAlign", "MaxRoiPool",
]);
/** Ops that keep the layout of their first activation input (elementwise, slicing, joining). */
const LAYOUT_PRESERVING_OPS: ReadonlySet<string> = new Set([
  "Relu", "LeakyRelu", "PRelu", "ThresholdedRelu", "Selu", "Elu", "Celu", "Gelu", "Sigmoid", "HardSigmoid", "HardSwish", "Mish", "Tanh", "Softplus", "Softsign",
  "Clip", "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Pow", "Erf", "Sin", "Cos", "Floor", "Ceil", "Round", "Sign",
  "Add", "Sub", "Mul", "Div", "Max", "Min", "Mean", "Sum", "Where", "Identity", "Dropout", "Cast", "CastLike", "Pad", "Slice", "Concat", "Split", "Shrink", "QuantizeLinear", "DequantizeLinear",
]);

const isDefaultDomain = (node: GraphNode): boolean => node.domain === "" || node.domain === "ai.onnx";

/** Ops whose output holds exactly the values of their first input, rearranged. */
const REARRANGING_OPS: ReadonlySet<string> = new Set(["Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Dropout"]);
/** Casts: copies when the type does not change. */
const CASTS: ReadonlySet<string> = new Set(["Cast", "CastLike"]);
/** Candidate values per session while measuring their types and sizes on the first sample. */
const PROBE_GROUP = 32;

/** Rounds of If resolution (one per nesting level) before giving up. */
const MAX_IF_ROUNDS = 16;

interface RewrittenModel {
  path: string;
  remove(): Promise<void>;
}

export class OnnxActivationModel {
  private session: OrtSession | undefined;
  private rewritten: RewrittenModel | undefined;
  /** If nodes replaced by the branch their condition selected on the first sample. */
  private readonly inline = new Map<string, Branch>();
  /** Where rewritten copies go (created on first use), and how many were written. */
  private workspace: RewriteWorkspace | undefined;
  private copies = 0;
  /** The observed values' names. */
  private values: string[] = [];
  /** Condition value name → the branch it selected on the first sample, with the If's key. */
  private conditions: { name: string; key: string; branch: Branch }[] = [];

  private constructor(
    readonly path: string,
    private readonly runtime: OnnxRuntime,
    private readonly graph: OnnxModelGraph,
    private readonly externalFiles: string[],
    private readonly threads: number,
  ) {}

  static async open(path: string, runtime: OnnxRuntime, threads: number): Promise<OnnxActivationModel> {
    const opened = await openOnnx(path);
    const source = await openSource(path);
    try {
      const graph = await walkModelGraph(new WireStream(source));
      return new OnnxActivationModel(path, runtime, graph, opened.files.slice(1), threads);
    } finally {
      await source.close();
    }
  }

  /** The inputs the caller must feed (graph inputs that are not initializers). */
  graphInputs(): GraphInput[] {
    const graph = this.graph.graph;
    return graph.inputs
      .filter((input) => !graph.initializers.has(input.name))
      .map((input) => ({ name: input.name, type: ortTypeOfOnnxCode(input.elemType) ?? (`type ${input.elemType}` as OrtElementType), ...(input.shape ? { shape: input.shape } : {}) }));
  }

  /** A session on a copy with the If nodes decided so far inlined and `expose` (+ their conditions) as outputs. */
  private async createSession(expose: readonly string[]): Promise<{ session: OrtSession; rewritten: RewrittenModel }> {
    this.workspace ??= await createWorkspace(this.path, this.externalFiles);
    const path = join(this.workspace.folder, `model-${++this.copies}.onnx`);
    const rewritten: RewrittenModel = { path, remove: () => rm(path, { force: true }) };
    const source = await openSource(this.path);
    const conditions = this.conditions.map((condition) => condition.name);
    try {
      await writeRewrittenModel(source, this.graph, { inline: this.inline, expose: [...new Set([...expose, ...conditions])] }, path);
    } finally {
      await source.close();
    }
    try {
      const session = await this.runtime.createSession(rewritten.path, { intraOpNumThreads: this.threads, interOpNumThreads: 1, graphOptimizationLevel: "all", executionMode: "sequential", logSeverityLevel: 3 });
      return { session, rewritten };
    } catch (error) {
      await rewritten.remove();
      throw runtimeFailure(error, this.path, "cannot load the model");
    }
  }

  private feeds(inputs: ReadonlyMap<string, InputArray>): Record<string, OrtTensor> {
    const feeds: Record<string, OrtTensor> = {};
    for (const [name, array] of inputs) feeds[name] = this.runtime.tensor(array.type, array.data, array.dims);
    return feeds;
  }

  private async runSession(session: OrtSession, inputs: ReadonlyMap<string, InputArray>, fetches: readonly string[], label: string): Promise<Record<string, OrtTensor>> {
    try {
      return await session.run(this.feeds(inputs), fetches);
    } catch (error) {
      throw runtimeFailure(error, this.path, `failed on ${label}`);
    }
  }

  /**
   * Resolve If nodes on `first` (one sample), choose the values, and measure how many bytes each
   * takes per sample (the session that exposes them all is used for that one sample, then released).
   */
  async prepare(first: ReadonlyMap<string, InputArray>, selected: (name: string) => boolean): Promise<PreparedModel> {
    const started = performance.now();
    const undecided = new Map<string, string>();
    for (let round = 0; round < MAX_IF_ROUNDS; round++) {
      const pending = flattenGraph(this.graph.graph, this.inline).nodes.filter(
        (item): item is Extract<FlatNode, { kind: "node" }> => item.kind === "node" && item.node.opType === "If" && isDefaultDomain(item.node) && !undecided.has(item.key) && item.node.subgraphs.size === 2 && item.node.inputs[0] !== undefined,
      );
      if (pending.length === 0) break;
      const names = [...new Set(pending.map((item) => item.node.inputs[0]!))];
      const { session, rewritten } = await this.createSession(names);
      try {
        const outputs = await this.runSession(session, first, names, "the first sample");
        for (const item of pending) {
          const condition = outputs[item.node.inputs[0]!];
          const values = condition?.data;
          if (!condition || condition.type !== "bool" || !values || values.length !== 1) {
            undecided.set(item.key, "its condition is not one boolean");
            continue;
          }
          const branch: Branch = Number(values[0]) !== 0 ? "then_branch" : "else_branch";
          this.inline.set(item.key, branch);
          this.conditions.push({ name: item.node.inputs[0]!, key: item.key, branch });
        }
      } finally {
        await session.release();
        await rewritten.remove();
      }
    }

    const flat = flattenGraph(this.graph.graph, this.inline);
    // Unselected names are never exposed (nor probed): --include on a large model saves sessions.
    const candidates = [...activationCandidates(flat, this.graphInputs().map((input) => input.name)).values()].filter((candidate) => selected(candidate.name));
    const values: ActivationValue[] = [];
    const copies: CopiedValue[] = [];
    const bytesPerSample = new Map<string, number>();
    const types = new Map<string, string>();
    const observed = new Set<string>();
    // A session keeps every output it exposes until a run ends, fetched or not: a few at a time.
    for (let start = 0; start < candidates.length; start += PROBE_GROUP) {
      const chunk = candidates.slice(start, start + PROBE_GROUP);
      const { session, rewritten } = await this.createSession(chunk.map((candidate) => candidate.name));
      let keep = false;
      try {
        for (const meta of session.outputMetadata ?? []) if (meta.type !== undefined) types.set(meta.name, meta.type);
        const chosen: string[] = [];
        for (const candidate of chunk) {
          const type = types.get(candidate.name);
          if (type === undefined || !isFloatType(type)) continue;
          const source = candidate.input !== undefined && observed.has(candidate.input) ? candidate.input : undefined;
          if (source !== undefined && (REARRANGING_OPS.has(candidate.op) || (CASTS.has(candidate.op) && types.get(source) === type))) {
            copies.push({ name: candidate.name, op: candidate.op, node: candidate.node, of: source });
            continue;
          }
          observed.add(candidate.name);
          values.push({ name: candidate.name, op: candidate.op, node: candidate.node, layout: candidate.layout, type });
          chosen.push(candidate.name);
        }
        if (chosen.length === 0) continue;
        const outputs = await this.runSession(session, first, chosen, "the first sample");
        for (const name of chosen) {
          const data = outputs[name]?.data;
          bytesPerSample.set(name, ArrayBuffer.isView(data) ? data.byteLength : 0);
        }
        releaseFinishedOutputs();
        // One session exposing nothing but the observed values (and integers) serves the run too.
        keep = candidates.length <= PROBE_GROUP && chunk.every((candidate) => !isFloatType(types.get(candidate.name) ?? "") || chosen.includes(candidate.name));
        if (keep) {
          this.session = session;
          this.rewritten = rewritten;
          this.values = chosen;
        }
      } finally {
        if (!keep) {
          await session.release();
          await rewritten.remove();
        }
      }
    }
    const unreached = unreachedParts(flat, undecided, this.inline);
    return { values, copies, bytesPerSample, unreached, branches: new Map(this.inline), prepareSeconds: (performance.now() - started) / 1000 };
  }

  /** Create the session that returns `names` (the values of one group), replacing the previous one. */
  async observe(names: readonly string[]): Promise<number> {
    if (this.session && names.length === this.values.length && names.every((name) => this.values.includes(name))) return 0;
    const started = performance.now();
    await this.close();
    const { session, rewritten } = await this.createSession(names);
    this.session = session;
    this.rewritten = rewritten;
    this.values = [...names];
    return (performance.now() - started) / 1000;
  }

  /** The observed values for one batch; `label` names the batch in errors. */
  async run(inputs: ReadonlyMap<string, InputArray>, label: string): Promise<Record<string, OrtTensor>> {
    if (!this.session) throw new Error("observe() first");
    const conditions = [...new Set(this.conditions.map((condition) => condition.name))];
    const outputs = await this.runSession(this.session, inputs, [...this.values, ...conditions], label);
    for (const condition of this.conditions) {
      const value = outputs[condition.name]?.data;
      const branch: Branch = value && Number(value[0]) !== 0 ? "then_branch" : "else_branch";
      if (branch !== condition.branch) {
        throw new InputError(
          "model",
          this.path,
          `If node "${condition.key}" took its ${branch} on ${label} but its ${condition.branch} on the first sample; activations of one run must come from one branch (split the inputs by what the condition tests)`,
        );
      }
    }
    return outputs;
  }

  /** Release the current session (the workspace stays until `dispose`). */
  async close(): Promise<void> {
    await this.session?.release();
    this.session = undefined;
    await this.rewritten?.remove();
    this.rewritten = undefined;
  }

  /** Release everything, the workspace with its copies included. */
  async dispose(): Promise<void> {
    await this.close();
    await this.workspace?.remove();
    this.workspace = undefined;
  }
}

function runtimeMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 400);
}

/** What the runtime reported becomes a `model` error of the input; jaynes' own errors (a timeout, the memory cap, the process gone) pass as they are. */
function runtimeFailure(error: unknown, path: string, what: string): Error {
  if (error instanceof InputError || error instanceof UsageError) return error;
  return new InputError("model", path, `onnxruntime ${what}: ${runtimeMessage(error)}`);
}

/**
 * Values of the flattened graph that are activations: outputs of non-Constant nodes that depend on
 * a graph input, with the producing op and a layout guess. Outputs of the Identity nodes that stand
 * for inlined If outputs repeat a branch value and are left out.
 */
export interface Candidate extends Omit<ActivationValue, "type"> {
  /** The producing node's first input. */
  input?: string;
}

export function activationCandidates(flat: FlatGraph, inputs: readonly string[]): Map<string, Candidate> {
  const dependent = new Set(inputs);
  const layouts = new Map<string, ValueLayout>();
  const candidates = new Map<string, Candidate>();
  for (const item of flat.nodes) {
    if (item.kind === "identity") {
      if (dependent.has(item.input)) dependent.add(item.output);
      const layout = layouts.get(item.input);
      if (layout) layouts.set(item.output, layout);
      continue;
    }
    const node = item.node;
    const fromInputs = node.inputs.some((input) => dependent.has(input)) || node.opaqueSubgraphs.length > 0 || node.subgraphs.size > 0;
    const layout: ValueLayout = CHANNELS_FIRST_OPS.has(node.opType)
      ? "channels-first"
      : LAYOUT_PRESERVING_OPS.has(node.opType)
        ? (node.inputs.map((input) => layouts.get(input)).find((found) => found !== undefined) ?? "channels-last")
        : "channels-last";
    for (const output of node.outputs) {
      if (!output) continue;
      layouts.set(output, layout);
      if (!fromInputs || (node.opType === "Constant" && isDefaultDomain(node))) continue;
      dependent.add(output);
      if (!candidates.has(output)) candidates.set(output, { name: output, op: node.opType, node: item.key, layout, ...(node.inputs[0] ? { input: node.inputs[0] } : {}) });
    }
  }
  return candidates;
}

/** Subgraphs left as they are: Loop/Scan bodies, Ifs whose branch could not be chosen. */
function unreachedParts(flat: FlatGraph, undecided: ReadonlyMap<string, string>, inline: ReadonlyMap<string, Branch>): UnreachedPart[] {
  const parts: UnreachedPart[] = [];
  for (const item of flat.nodes) {
    if (item.kind !== "node") continue;
    const reason = undecided.get(item.key);
    if (reason) parts.push({ name: item.key, reason: `If branches not observed: ${reason}` });
    for (const attribute of item.node.opaqueSubgraphs) parts.push({ name: `${item.key}/${attribute}`, reason: `values inside a ${item.node.opType} body are not observed` });
  }
  for (const [key, branch] of inline) parts.push({ name: `${key}/${branch === "then_branch" ? "else_branch" : "then_branch"}`, reason: "If branch not taken on these inputs" });
  return parts;
}
