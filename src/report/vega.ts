/**
 * Vega-Lite → SVG in Node, no browser: compile the Vega-Lite spec to Vega (vega-lite), run it
 * headless (`renderer: "none"`) and serialise the scenegraph (`view.toSVG()`). Text widths come
 * from Helvetica's metrics (textMetrics.ts) instead of Vega's canvas-less estimate, so the layout
 * reserves the room text really takes.
 *
 * Specs must carry their data inline: the loader refuses every URL and file, so rendering never
 * touches the network or the disk. vega and vega-lite are loaded on first use, so commands that
 * draw nothing do not pay for them. They are optional dependencies: without them jaynes runs, and only
 * drawing fails, with a usage error that says what to install (`requireFigureRenderer` checks up
 * front, before any model is read). References: https://vega.github.io/vega-lite/docs/ and
 * https://vega.github.io/vega/docs/api/view/#view_toSVG.
 */

import { vegaTextWidth } from "./textMetrics.js";
import { UsageError } from "../errors.js";

type VegaModule = typeof import("vega");
type VegaLiteModule = typeof import("vega-lite");

let modules: Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> | undefined;

/** The one message for a missing renderer, naming the options that asked for figures, if any. */
export function missingRendererMessage(options?: string): string {
  const asked = options === undefined ? "figures" : `figures (${options})`;
  return `${asked} need the optional packages vega and vega-lite, which are not installed: install them beside jaynes (\`npm install vega vega-lite\`)${options === undefined ? "" : ` or leave out ${options}`}`;
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

function load(): Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> {
  modules ??= Promise.all([import("vega"), import("vega-lite")]).then(
    ([vega, vegaLite]) => {
      // Without a canvas Vega estimates 0.8 em per character, which leaves a blank margin beside every long title.
      // (vega exports textMetrics at run time; its type declarations omit it.)
      (vega as unknown as { textMetrics: { width: typeof vegaTextWidth } }).textMetrics.width = vegaTextWidth;
      return { vega, vegaLite };
    },
    (error: unknown) => {
      modules = undefined;
      throw isModuleNotFound(error) ? new UsageError(missingRendererMessage()) : error;
    },
  );
  return modules;
}

/**
 * Throws a UsageError naming `options` (e.g. "--plot and --html") when vega or vega-lite is not
 * installed, so a command fails before it reads any model rather than after.
 */
export async function requireFigureRenderer(options: string): Promise<void> {
  try {
    await load();
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(missingRendererMessage(options));
    throw error;
  }
}

/**
 * Render a Vega-Lite spec (data inline) to an SVG document. Throws a UsageError when the optional
 * packages vega and vega-lite are not installed.
 */
export async function renderVegaLiteSvg(spec: object): Promise<string> {
  const { vega, vegaLite } = await load();
  // Compiler warnings (e.g. a dropped encoding) would otherwise land on stdout, which carries results.
  const compiled = vegaLite.compile(spec as Parameters<VegaLiteModule["compile"]>[0], { logger: vega.logger(vega.None) }).spec;
  const loader = vega.loader();
  const refuse = (): Promise<never> => Promise.reject(new Error("figures must carry their data inline (no URLs or files)"));
  loader.load = refuse;
  loader.sanitize = refuse;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", loader, logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
