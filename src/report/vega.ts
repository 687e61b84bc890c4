/**
 * Vega-Lite → SVG in Node, with no browser and no canvas: compile the Vega-Lite spec to Vega
 * (vega-lite 5, which runs on Node 20; vega-lite 6 needs Node ≥ 22), run it in a headless vega View
 * and serialise the scenegraph as SVG. Specs carry their data inline; nothing is fetched.
 */
import { compile, type TopLevelSpec } from "vega-lite";
import { parse, View } from "vega";

export async function renderVegaLiteSvg(spec: object): Promise<string> {
  const vegaSpec = compile(spec as TopLevelSpec).spec;
  const view = new View(parse(vegaSpec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
