/**
 * onnxruntime-node, run in a child process of its own (onnxChild.ts). It is an optional dependency
 * (≈ 300 MB of native libraries for every platform): `fit`, `scan` and the rest never load it, and a
 * process that needs it and cannot find it stops with one line saying how to install it. Only the
 * few members used here are typed, so the project compiles whether or not the package is installed.
 *
 * Why a process: onnxruntime-node's `run` is synchronous native code. On the main thread it blocks
 * SIGINT/SIGTERM handling and every timer; on a worker thread it cannot be interrupted either, and
 * Node's exit waits for the thread. A model is untrusted input (a Loop with a huge trip count, an
 * Expand to a huge shape), so its runs happen in a process that is killed — at once — when the
 * input's `--timeout` runs out (io/inputSignal.ts), when jaynes is interrupted or exits, or when the
 * process's resident memory passes `memoryCapBytes` (polled). Each becomes one input error naming
 * the model; the other models of a batch are still run. Tensors cross the process boundary as typed
 * arrays (a copy, bounded by what one run returns).
 */
import { type ChildProcess, fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { InputError, UsageError } from "../errors.js";
import { inputSignal } from "../io/inputSignal.js";
import type { ChildPayload, ChildRequest, ChildResponse, ChildSessionInfo, ChildTensor } from "./onnxChild.js";

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
  /** End the runtime's process (idempotent). */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** The input the runtime runs (errors name it). */
  owner: string;
  /** Resident memory the runtime's process may reach before it is killed (`limit`). */
  memoryCapBytes: number;
}

export const RUNTIME_PACKAGE = "onnxruntime-node";
export const RUNTIME_MISSING = `this command runs models with the optional package ${RUNTIME_PACKAGE}, which is not installed here: install it with \`npm install ${RUNTIME_PACKAGE}\` (README "Neuron outputs")`;

/** The child's script; the same file whether this module runs from src/ (tests) or dist/. */
const CHILD_URL = new URL("../../dist/runtime/onnxChild.js", import.meta.url);
/** How often the child's resident memory is read. */
const MEMORY_POLL_MS = 200;

/** Throw the UsageError (exit 1) when the package cannot be found, before any process is started. */
export function assertRuntimeInstalled(): void {
  try {
    createRequire(import.meta.url).resolve(RUNTIME_PACKAGE);
  } catch {
    throw new UsageError(RUNTIME_MISSING);
  }
}

/** Resident memory of a process (Linux /proc), or undefined where it cannot be read. */
function residentBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A runtime in a new child process; a UsageError (exit 1) when the package is missing or cannot load. */
export async function loadOnnxRuntime(options: RuntimeOptions = { owner: "onnxruntime", memoryCapBytes: Number.POSITIVE_INFINITY }): Promise<OnnxRuntime> {
  assertRuntimeInstalled();
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // process.exit (also on SIGINT/SIGTERM) must not leave a model computing in an orphan.
    process.on("exit", () => liveChildren.forEach((child) => child.kill("SIGKILL")));
  }
  const child = fork(CHILD_URL, [], { serialization: "advanced", stdio: ["ignore", "ignore", "pipe", "ipc"], execArgv: [] });
  liveChildren.add(child);
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr = (stderr + text).slice(-2000)));
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  /** Why the process ended, when jaynes ended it (the error every pending call gets). */
  let killedFor: Error | undefined;
  let gone = false;

  const failAll = (error: Error): void => {
    for (const call of pending.values()) call.reject(error);
    pending.clear();
  };
  const kill = (why: Error): void => {
    if (gone) return;
    killedFor ??= why;
    child.kill("SIGKILL");
  };
  const poll = Number.isFinite(options.memoryCapBytes)
    ? setInterval(() => {
        const rss = child.pid === undefined ? undefined : residentBytes(child.pid);
        if (rss !== undefined && rss > options.memoryCapBytes) {
          kill(new InputError("limit", options.owner, `onnxruntime used more than ${Math.round(options.memoryCapBytes / 2 ** 20)} MiB running the model (--runtime-memory): stopped`));
        }
      }, MEMORY_POLL_MS)
    : undefined;
  poll?.unref();
  child.on("message", (response: ChildResponse) => {
    const call = pending.get(response.id);
    if (!call) return;
    pending.delete(response.id);
    if (response.ok) call.resolve(response.value);
    else if (response.missing) call.reject(new UsageError(RUNTIME_MISSING));
    else call.reject(Object.assign(new Error(response.message), { fromRuntime: true }));
  });
  child.on("exit", (code, signal) => {
    gone = true;
    liveChildren.delete(child);
    if (poll) clearInterval(poll);
    const said = stderr.split("\n").map((line) => line.trim()).filter((line) => line !== "").pop()?.slice(0, 200);
    failAll(killedFor ?? new InputError("model", options.owner, `onnxruntime stopped running the model (${signal ? `signal ${signal}` : `exit code ${code}`}${said ? `: ${said}` : ""})`));
  });
  child.on("error", (error) => {
    // A process that could not start sends no "exit": fail the calls here.
    const failure = new InputError("model", options.owner, `the onnxruntime process failed: ${error.message.split("\n")[0]}`);
    kill(failure);
    failAll(failure);
  });

  const call = <T>(request: ChildPayload): Promise<T> => {
    if (gone) return Promise.reject(killedFor ?? new InputError("model", options.owner, "onnxruntime is no longer running"));
    const signal = inputSignal();
    signal?.throwIfAborted();
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => kill(signal!.reason instanceof Error ? signal!.reason : new InputError("timeout", options.owner, "stopped"));
      signal?.addEventListener("abort", onAbort, { once: true });
      const done = (): void => signal?.removeEventListener("abort", onAbort);
      pending.set(id, {
        resolve: (value) => {
          done();
          resolve(value as T);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      child.send({ ...request, id } as ChildRequest, (error) => {
        if (error && pending.has(id)) kill(new InputError("model", options.owner, `cannot talk to the onnxruntime process: ${error.message}`));
      });
    });
  };

  let version: string;
  try {
    version = await call<string>({ op: "version" });
  } catch (error) {
    kill(error as Error);
    if (error instanceof UsageError || error instanceof InputError) throw error;
    throw new UsageError(`${RUNTIME_PACKAGE} is installed but cannot be loaded (${(error as Error).message.split("\n")[0]})`);
  }

  return {
    version,
    tensor: (type, data, dims) => ({ type, data, dims }),
    async createSession(path, sessionOptions) {
      const info = await call<ChildSessionInfo>({ op: "create", path, options: { ...sessionOptions } });
      return {
        inputNames: info.inputNames,
        outputNames: info.outputNames,
        ...(info.inputMetadata ? { inputMetadata: info.inputMetadata as OrtValueMetadata[] } : {}),
        ...(info.outputMetadata ? { outputMetadata: info.outputMetadata as OrtValueMetadata[] } : {}),
        run: async (feeds, fetches) => {
          const plain: Record<string, ChildTensor> = {};
          for (const [name, tensor] of Object.entries(feeds)) plain[name] = { type: tensor.type, dims: tensor.dims, data: tensor.data };
          return call<Record<string, OrtTensor>>({ op: "run", session: info.session, feeds: plain, fetches: fetches ?? [] });
        },
        release: async () => {
          if (!gone) await call({ op: "release", session: info.session }).catch(() => undefined);
        },
      };
    },
    async close() {
      if (gone) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      kill(new InputError("model", options.owner, "onnxruntime was closed"));
      await exited;
    },
  };
}

/** Errors the runtime itself reported (the model failed), as opposed to jaynes stopping it. */
export function isRuntimeError(error: unknown): boolean {
  return error instanceof Error && (error as { fromRuntime?: boolean }).fromRuntime === true;
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
