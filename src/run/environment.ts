/**
 * What a use case needs from the world it runs in, passed in one object instead of read from
 * process globals: worker threads, the Hub client's settings, where warnings, failures and progress
 * go, and the environment variables it consults. The CLI builds one from its options and the
 * process (cli/environment.ts); a library caller or a test builds one with `runEnvironment()`.
 *
 * The Hub client (io/hub) still holds its settings process-wide, as byte sources are opened by name;
 * `applyEnvironment` sets them from `hub` at the start of each use case, so one run sees one
 * configuration whatever ran before it.
 */
import type { Failure } from "../errors.js";
import type { SkippedEntry } from "../formats/trainingFiles.js";
import { configureHub, type HubSettings } from "../io/hub/index.js";
import { defaultJobs } from "../parallel/executor.js";

/** Reading progress of one input at a time (the CLI draws a bar on a terminal). */
export interface Progress {
  /** An input is opened: `bytes` of tensor data will be read from `label` (`remote`: downloaded). */
  start(label: string, bytes: number, remote: boolean): void;
  /** `bytes` more were read. */
  advance(bytes: number): void;
  /** The input is done (or failed): remove whatever was drawn. */
  clear(): void;
}

/** What a use case gets from the world it runs in (build one with `runEnvironment`). */
export interface RunEnvironment {
  /** Worker threads for the accumulation (1 = this thread only). */
  jobs: number;
  /** Hub client settings for this run (endpoint, token, cache directory, retry and warning callbacks). */
  hub: Partial<HubSettings>;
  /** A warning for the user: one line, no prefix. */
  warn(message: string): void;
  /** An input failed; the run goes on with the others. Called as it happens. */
  failed(failure: Failure, error: unknown): void;
  progress?: Progress;
  /** A file or folder left out of a folder's models on purpose (training companions, configs, …), and why. */
  skipped?: (entry: SkippedEntry) => void;
  /** Environment variables a use case consults (e.g. GITHUB_STEP_SUMMARY). */
  variables: Readonly<Record<string, string | undefined>>;
}

/** An environment that reports nothing (warnings and failures are still in the results). */
export function runEnvironment(overrides: Partial<RunEnvironment> = {}): RunEnvironment {
  return { jobs: defaultJobs(), hub: {}, warn: () => undefined, failed: () => undefined, variables: {}, ...overrides };
}

/** Make the process-wide clients (the Hub's) follow this environment. Every use case calls it first. */
export function applyEnvironment(env: RunEnvironment): void {
  configureHub(env.hub);
}
