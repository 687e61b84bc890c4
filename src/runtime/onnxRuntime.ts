/**
 * onnxruntime-node, loaded on first use. It is an optional dependency (≈ 300 MB of native
 * libraries for every platform): `fit`, `scan` and the rest never load it, and a process that needs
 * it and cannot find it stops with one line saying how to install it. Only the few members used
 * here are typed, so the project compiles whether or not the package is installed.
 */
import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { UsageError } from "../errors.js";

/** Element types as onnxruntime names them (Tensor.Type). */
export type OrtElementType = "float32" | "float16" | "float64" | "bfloat16" | "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32" | "int64" | "uint64" | "bool" | "string" | (string & {});

export type OrtData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

export interface OrtTensor {
  readonly type: OrtElementType;
  readonly dims: readonly number[];
  readonly data: OrtData | readonly string[];
  dispose?(): void;
}

export interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: OrtElementType;
  /** Dims: numbers, symbolic names, or "" for unnamed dynamic dims. */
  readonly shape?: readonly (number | string)[];
}

export interface OrtSessionOptions {
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
  executionMode?: "sequential" | "parallel";
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadata[];
  readonly outputMetadata?: readonly OrtValueMetadata[];
  run(feeds: Record<string, OrtTensor>, fetches?: readonly string[]): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface OnnxRuntime {
  readonly version: string;
  createSession(path: string, options: OrtSessionOptions): Promise<OrtSession>;
  tensor(type: OrtElementType, data: OrtData, dims: readonly number[]): OrtTensor;
}

interface OrtModule {
  InferenceSession: { create(path: string, options?: OrtSessionOptions): Promise<OrtSession> };
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => OrtTensor;
  env?: { versions?: { node?: string } };
}

export const RUNTIME_PACKAGE = "onnxruntime-node";
export const RUNTIME_MISSING = `this command runs models with the optional package ${RUNTIME_PACKAGE}, which is not installed here: install it with \`npm install ${RUNTIME_PACKAGE}\` (README "Neuron outputs")`;

let loaded: Promise<OnnxRuntime> | undefined;

/** The runtime, or a UsageError (exit 1) when the package is missing or cannot load. */
export function loadOnnxRuntime(): Promise<OnnxRuntime> {
  loaded ??= load();
  return loaded;
}

async function load(): Promise<OnnxRuntime> {
  let ort: OrtModule;
  try {
    // Resolved at run time only: a static import would make every command need the package.
    const require = createRequire(import.meta.url);
    ort = require(RUNTIME_PACKAGE) as OrtModule;
  } catch (error) {
    loaded = undefined;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "MODULE_NOT_FOUND") throw new UsageError(RUNTIME_MISSING);
    throw new UsageError(`${RUNTIME_PACKAGE} is installed but cannot be loaded (${(error as Error).message.split("\n")[0]})`);
  }
  return {
    version: ort.env?.versions?.node ?? "unknown",
    createSession: (path, options) => ort.InferenceSession.create(path, options),
    tensor: (type, data, dims) => new ort.Tensor(type, data, dims),
  };
}

let collector: (() => void) | null | undefined;

/**
 * Free the outputs of finished runs now. onnxruntime hands outputs over as ArrayBuffers, which V8
 * frees at its next garbage collection; with tens of MB per run that comes late (on PP-OCR, runs
 * returning 64 MB each kept two or three runs' outputs alive: +150 MB). A full collection of this
 * process's small heap takes a few milliseconds, negligible beside a run that returns that much.
 */
export function releaseFinishedOutputs(): void {
  if (collector === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      collector = runInNewContext("gc") as () => void;
    } catch {
      collector = null;
    }
  }
  collector?.();
}
