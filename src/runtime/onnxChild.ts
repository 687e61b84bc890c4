/**
 * The onnxruntime process: the only place onnxruntime-node runs. Its `run` is synchronous native
 * code (it blocks the event loop of whatever thread calls it, and V8 cannot interrupt it), so a
 * model that computes for hours, or asks for more memory than the machine has, must run where it
 * can be killed: a child process (onnxProcess.ts kills it on --timeout, Ctrl-C, SIGTERM, or when
 * its resident memory passes the cap). Messages (advanced serialisation: typed arrays as they are):
 *
 *   → { id, op: "create", path, options }      ← { id, ok, value: { session, inputNames, … } }
 *   → { id, op: "run", session, feeds, fetches } ← { id, ok, value: { name: { type, dims, data } } }
 *   → { id, op: "release", session }            ← { id, ok }
 *   → { id, op: "version" }                     ← { id, ok, value: "1.x.y" }
 *
 * Errors come back as `{ id, ok: false, message, missing? }` (one line). The process leaves when its
 * parent goes (IPC closed, or — when a run holds the main thread — a watcher thread sees it orphaned).
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

export type ChildTensor = { type: string; dims: readonly number[]; data: unknown };

export type ChildRequest =
  | { id: number; op: "create"; path: string; options: Record<string, unknown> }
  | { id: number; op: "run"; session: number; feeds: Record<string, ChildTensor>; fetches: readonly string[] }
  | { id: number; op: "release"; session: number }
  | { id: number; op: "version" };

/** A request before its id is assigned (Omit distributed over the union). */
export type ChildPayload = ChildRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

export type ChildResponse = { id: number; ok: true; value?: unknown } | { id: number; ok: false; message: string; missing?: boolean };

export interface ChildSessionInfo {
  session: number;
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata?: readonly unknown[];
  outputMetadata?: readonly unknown[];
}

interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly unknown[];
  readonly outputMetadata?: readonly unknown[];
  run(feeds: Record<string, unknown>, fetches?: readonly string[]): Promise<Record<string, ChildTensor & { dispose?(): void }>>;
  release(): Promise<void>;
}

interface OrtModuleLike {
  InferenceSession: { create(path: string, options?: Record<string, unknown>): Promise<OrtSessionLike> };
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => unknown;
  env?: { versions?: { node?: string } };
}

const RUNTIME_PACKAGE = "onnxruntime-node";

function send(response: ChildResponse): void {
  process.send?.(response);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 400);
}

let ort: OrtModuleLike | undefined;
let loadError: { message: string; missing: boolean } | undefined;
try {
  ort = createRequire(import.meta.url)(RUNTIME_PACKAGE) as OrtModuleLike;
} catch (error) {
  loadError = { message: firstLine(error), missing: (error as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND" };
}

const sessions = new Map<number, OrtSessionLike>();
let nextSession = 1;

async function handle(request: ChildRequest): Promise<unknown> {
  if (!ort) throw Object.assign(new Error(loadError?.message ?? "not loaded"), { missing: loadError?.missing ?? false });
  switch (request.op) {
    case "version":
      return ort.env?.versions?.node ?? "unknown";
    case "create": {
      const session = await ort.InferenceSession.create(request.path, request.options);
      const id = nextSession++;
      sessions.set(id, session);
      const info: ChildSessionInfo = { session: id, inputNames: session.inputNames, outputNames: session.outputNames };
      if (session.inputMetadata) info.inputMetadata = session.inputMetadata;
      if (session.outputMetadata) info.outputMetadata = session.outputMetadata;
      return info;
    }
    case "run": {
      const session = sessions.get(request.session);
      if (!session) throw new Error(`no session ${request.session}`);
      const feeds: Record<string, unknown> = {};
      for (const [name, tensor] of Object.entries(request.feeds)) feeds[name] = new ort.Tensor(tensor.type, tensor.data, tensor.dims);
      const outputs = await session.run(feeds, request.fetches);
      const plain: Record<string, ChildTensor> = {};
      for (const [name, tensor] of Object.entries(outputs)) plain[name] = { type: tensor.type, dims: [...tensor.dims], data: tensor.data };
      return plain;
    }
    case "release": {
      await sessions.get(request.session)?.release();
      sessions.delete(request.session);
      return undefined;
    }
  }
}

// A parent killed with SIGKILL runs no exit hook, and this process's main thread may be inside an
// endless native run (deaf to the IPC channel closing): a watcher thread ends the process when it
// is orphaned (its parent changed).
new Worker(
  `const { workerData } = require("node:worker_threads");
   setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, "SIGKILL"); }, 500);`,
  { eval: true, workerData: process.ppid },
).unref();

process.on("message", (request: ChildRequest) => {
  handle(request).then(
    (value) => send({ id: request.id, ok: true, value }),
    (error: unknown) => send({ id: request.id, ok: false, message: firstLine(error), ...((error as { missing?: boolean }).missing ? { missing: true } : {}) }),
  );
});
process.on("disconnect", () => process.exit(0));
