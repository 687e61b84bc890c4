/**
 * The library's front door: `analyze` (one model → its result) and `analyzeLayers` (the same, as a
 * stream of per-tensor outcomes in file order). Settings and options come in one object; settings
 * use the names of the `settings` every result records (snake_case), with the camelCase names of
 * jaynes 0.1 as aliases (settings.ts).
 */
import { type ModelSource, openModel } from "../formats/open.js";
import { forgetByteSource } from "../io/byteSource.js";
import type { LayerStatistics } from "../stats/layerHistograms.js";
import type { LayerResult, SkippedTensor } from "./layerResult.js";
import { type AnalyzeOptions, type ModelResult, analyzeOpenedModel } from "./model.js";
import type { SettingsInput } from "./settings.js";

/** What `analyze` and `analyzeLayers` take: the settings (SettingsInput) and how to run (AnalyzeOptions). */
export interface AnalyzeRequest extends SettingsInput, AnalyzeOptions {}

/** One tensor's outcome, as `analyzeLayers` yields it. */
export type LayerEvent =
  /** A fitted layer, with the statistics it was fitted from (bin counts, value summary). */
  | { kind: "layer"; layer: LayerResult; statistics: LayerStatistics }
  /** A tensor that was not fitted, and why. */
  | { kind: "skipped"; skipped: SkippedTensor };

const SETTING_KEYS = ["bins", "normalize", "min_params", "include_flagged", "include", "exclude", "bootstrap", "seed", "minParams", "includeFlagged"] as const;

/** Split a request into its settings and its options. */
export function splitRequest(request: AnalyzeRequest): { settings: SettingsInput; options: AnalyzeOptions } {
  const settings: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined) continue;
    if ((SETTING_KEYS as readonly string[]).includes(key)) settings[key] = value;
    else options[key] = value;
  }
  return { settings: settings as SettingsInput, options: options as AnalyzeOptions };
}

/**
 * Analyse one model — a path, URL, ByteSource or list of shard files (ModelSource) — and return its
 * result: every fitted layer, the skipped tensors and the summary row, exactly what
 * `jaynes fit --format json` prints for it. Rejects with an InputError naming the input when it
 * cannot be read, and with the signal's reason when `request.signal` aborts.
 *
 *   const result = await analyze("model.safetensors", { bins: 100, min_params: 10_000 });
 */
export async function analyze(source: ModelSource, request: AnalyzeRequest = {}): Promise<ModelResult> {
  const { settings, options } = splitRequest(request);
  options.signal?.throwIfAborted();
  try {
    const model = await openModel(source);
    return await analyzeOpenedModel(model, settings, options);
  } finally {
    if (isByteSource(source)) forgetByteSource(source);
  }
}

function isByteSource(source: ModelSource): source is Extract<ModelSource, { readExact: unknown }> {
  return typeof source === "object" && !(source instanceof URL) && !Array.isArray(source);
}

/**
 * Analyse one model and yield each tensor's outcome as soon as it and every tensor before it are
 * done, in the order of the file: a fitted layer (with its statistics) or a skipped tensor. The
 * generator's return value is the whole ModelResult. Leaving the loop early (`break`, an exception)
 * stops the analysis and closes what it opened; so does aborting `request.signal`.
 *
 *   for await (const event of analyzeLayers("model.safetensors")) {
 *     if (event.kind === "layer") console.log(event.layer.tensor, event.layer.sigma);
 *   }
 */
export async function* analyzeLayers(source: ModelSource, request: AnalyzeRequest = {}): AsyncGenerator<LayerEvent, ModelResult, undefined> {
  const stop = new AbortController();
  const signal = request.signal ? AbortSignal.any([request.signal, stop.signal]) : stop.signal;
  const ready = new Map<number, LayerEvent>();
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: { error: unknown } | undefined;
  let result: ModelResult | undefined;
  const work = analyze(source, {
    ...request,
    signal,
    onOutcome: (index, outcome, statistics) => {
      request.onOutcome?.(index, outcome, statistics);
      ready.set(index, "mu" in outcome && statistics ? { kind: "layer", layer: outcome, statistics } : { kind: "skipped", skipped: outcome as SkippedTensor });
      wake?.();
    },
  }).then(
    (value) => {
      result = value;
    },
    (error: unknown) => {
      failure = { error };
    },
  );
  void work.finally(() => {
    finished = true;
    wake?.();
  });
  let next = 0;
  try {
    for (;;) {
      for (let event = ready.get(next); event !== undefined; event = ready.get(next)) {
        ready.delete(next++);
        yield event;
      }
      if (finished) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    if (failure) throw failure.error;
    return result!;
  } finally {
    if (!finished) {
      stop.abort(new DOMException("the consumer stopped reading the layers", "AbortError"));
      await work;
    }
  }
}
