/**
 * Figures and the HTML report: Vega-Lite → SVG in Node, `fit --plot DIR`, `fit --html FILE`, and
 * the report loaded in headless Chromium (skipped with a message where `chromium` is not installed;
 * CI installs it).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { figureFolder, scopeSvgIds } from "../src/report/figureFiles.js";
import { fileNames } from "../src/report/figures.js";
import { escapeHtml } from "../src/report/html.js";
import { renderVegaLiteSvg } from "../src/report/vega.js";
import { REAL_MODEL } from "./fixtures/make.js";
import { expectCleanError, runCli } from "./helpers/cli.js";
import { decodePng, inkFraction } from "./helpers/png.js";
import { gaussian, mulberry32 } from "./helpers/random.js";
import { bytesOf, writeSafetensors } from "./helpers/safetensorsWriter.js";

const WEIRD_NAME = `blocks/0/<attn> & "proj's"`;

function chromiumPath(): string | undefined {
  const found = spawnSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" });
  const path = found.stdout.trim().split("\n")[0];
  return found.status === 0 && path ? path : undefined;
}

function chromium(binary: string, args: string[]): { stdout: string; status: number | null } {
  const profile = mkdtempSync(join(tmpdir(), "jaynes-chromium-"));
  try {
    const run = spawnSync(
      binary,
      ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, "--hide-scrollbars", ...args],
      { encoding: "utf8", timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
    );
    return { stdout: run.stdout, status: run.status };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

describe("Vega-Lite rendering", () => {
  it("renders a spec to SVG, escaping text", async () => {
    const svg = await renderVegaLiteSvg({
      title: "<script>alert(1)</script> & co",
      data: { values: [{ a: "<b>", b: 1 }] },
      mark: "bar",
      encoding: { x: { field: "a", type: "nominal" }, y: { field: "b", type: "quantitative" } },
    });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).not.toMatch(/<script|<b>/);
    expect(svg).toContain("&lt;script&gt;");
  });

  it("never loads data from URLs or files", async () => {
    const svg = await renderVegaLiteSvg({ data: { url: "/etc/passwd", format: { type: "dsv", delimiter: ":" } }, mark: "text", encoding: { text: { field: "root", type: "nominal" } } });
    expect(svg).not.toMatch(/daemon|nologin|\/bin\//);
  });

  it("scopes ids so inline SVGs in one page do not share clip paths", () => {
    const svg = '<svg><clipPath id="clip1"><rect/></clipPath><g clip-path="url(#clip1)"/><use href="#clip1"/><text>url(#other)</text></svg>';
    expect(scopeSvgIds(svg, "f7-")).toBe('<svg><clipPath id="f7-clip1"><rect/></clipPath><g clip-path="url(#f7-clip1)"/><use href="#f7-clip1"/><text>url(#other)</text></svg>');
  });

  it("makes safe, unique file names and escapes HTML", () => {
    expect(fileNames(["a/b", "a:b", "A/B", "..", "x".repeat(300)])).toEqual(["a_b", "a_b-2", "A_B-3", "layer", "x".repeat(120)]);
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});

describe("jaynes fit --plot / --html", () => {
  const dir = mkdtempSync(join(tmpdir(), "jaynes-figures-"));
  const weird = join(dir, "weird.safetensors");
  const plots = join(dir, "plots");
  const html = join(dir, "report.html");
  let run: ReturnType<typeof runCli>;

  beforeAll(() => {
    const normal = gaussian(mulberry32(31));
    const values = Float32Array.from({ length: 20_000 }, () => 0.02 * normal());
    writeSafetensors(weird, [{ name: WEIRD_NAME, dtype: "F32", shape: [100, 200], data: bytesOf(values) }]);
    run = runCli(["fit", REAL_MODEL, weird, "--plot", plots, "--html", html]);
  });

  it("writes per-model and per-layer SVGs beside their Vega-Lite specs, and still prints the table", () => {
    expect(run.code).toBe(0);
    // Each write is logged on stderr: one line per model folder and one for the report.
    const logged = run.stderr.trim().split("\n");
    expect(logged).toHaveLength(3);
    for (const line of logged) expect(line).toMatch(/^jaynes: wrote /);
    expect(run.stdout).toContain("0.weight");
    // Folders named from the full input path: the same input always gets the same folder.
    expect(readdirSync(plots).sort()).toEqual([figureFolder(REAL_MODEL), figureFolder(weird)].sort());
    expect(figureFolder(REAL_MODEL)).toMatch(/^mnist-mlp-epoch10\.safetensors-[0-9a-f]+$/);
    expect(figureFolder("a/model.onnx")).not.toBe(figureFolder("b/model.onnx"));
    const model = join(plots, figureFolder(REAL_MODEL));
    expect(readdirSync(model).sort()).toEqual(["depth.svg", "depth.vl.json", "layers", "mu-sigma.svg", "mu-sigma.vl.json", "r2.svg", "r2.vl.json"]);
    expect(readdirSync(join(model, "layers")).sort()).toEqual(["0.weight.svg", "0.weight.vl.json", "2.weight.svg", "2.weight.vl.json"]);
    expect(readdirSync(join(plots, figureFolder(weird), "layers")).sort()).toEqual(["blocks_0_attn_proj_s_.svg", "blocks_0_attn_proj_s_.vl.json"]);
    const spec = JSON.parse(readFileSync(join(model, "layers", "0.weight.vl.json"), "utf8")) as { $schema: string; vconcat: unknown[] };
    expect(spec.$schema).toMatch(/vega-lite\/v5/);
    expect(spec.vconcat).toHaveLength(2);
    const svg = readFileSync(join(model, "layers", "0.weight.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    for (const label of ["lognormal", "half-normal", "exponential", "power law"]) expect(svg).toContain(label);
  });

  it("writes one self-contained HTML page with the tables and every figure inline", () => {
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<script|<link|src="http|href="http/);
    expect(page).toContain('<table class="layers">');
    expect(page.match(/<svg/g)).toHaveLength(2 * 3 + 3); // 3 model figures each, 2 + 1 layers
    expect(page).toContain(escapeHtml(WEIRD_NAME));
    expect(page).not.toContain(WEIRD_NAME);
  });

  it("an unusable --plot or --html target is an output error (exit 73) before any work", () => {
    for (const args of [["--plot", weird], ["--html", join(dir, "missing", "report.html")]]) {
      const bad = runCli(["fit", REAL_MODEL, ...args]);
      expect(bad.code).toBe(73);
      expect(bad.stdout).toBe("");
      expect(expectCleanError(bad)).toHaveLength(1);
    }
  });

  const browser = chromiumPath();
  it.skipIf(!browser)("renders in headless Chromium: the table is in the DOM and the screenshot is not blank", () => {
    const url = `file://${html}`;
    const dom = chromium(browser!, ["--dump-dom", url]);
    expect(dom.status).toBe(0);
    expect(dom.stdout).toContain('<table class="layers">');
    expect(dom.stdout).toContain("0.weight");
    expect((dom.stdout.match(/<svg/g) ?? []).length).toBe(9);
    const png = join(dir, "report.png");
    const shot = chromium(browser!, ["--window-size=1280,1600", `--screenshot=${png}`, url]);
    expect(shot.status).toBe(0);
    expect(existsSync(png)).toBe(true);
    const image = decodePng(readFileSync(png));
    expect(image.width).toBe(1280);
    // Text, tables and charts: a blank or error page has almost no ink.
    expect(inkFraction(image)).toBeGreaterThan(0.03);
  });
  if (!browser) it("headless Chromium check skipped: chromium is not installed (apt-get install chromium)", () => {});
});
