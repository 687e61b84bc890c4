/**
 * `--html report.html`: one self-contained page (no scripts, no external resources) with, per
 * model, the paper's Table 2 row, the per-layer table with the evidence columns, the model figures
 * and every layer's histogram figure as inline SVG (figureFiles.ts renders them). Everything taken
 * from the input (paths, tensor names) is HTML-escaped; the SVGs come from Vega, which escapes text.
 */
import { ALTERNATIVE_NAMES, MODEL_NAMES, type ModelName, aicOf, deltaAic } from "../analysis/evidence.js";
import type { LayerResult } from "../analysis/layerResult.js";
import type { ModelResult } from "../analysis/model.js";
import type { ModelFigures, RenderedFigure } from "./figureFiles.js";
import type { Failure } from "../errors.js";
import { bytes, fixed, integer, meanSdSe, shape, significant, withSe } from "./numbers.js";
import { METHOD } from "../version.js";
import { settingsText, shownSe } from "./table.js";

/** Options of the HTML report. */
export interface HtmlReportOptions {
  version: string;
  failures?: readonly Failure[];
  title?: string;
  /** Replaces the opening paragraph that says what the numbers are (HTML; escape what it quotes). */
  introHtml?: string;
  /** The sections of docs/METHOD.md the page follows (default "§2–5, §7": the fit and its evidence). */
  methodSections?: string;
}

/** Layer figures start collapsed for models with more layers than this. */
const OPEN_LAYER_FIGURES = 24;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const STYLE = `
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1500px; padding: 0 16px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 36px; border-bottom: 1px solid #ddd; padding-bottom: 4px; word-break: break-all; }
p.meta, p.note { color: #555; font-size: 13px; } .note { max-width: 980px; line-height: 1.45; }
table { border-collapse: collapse; font-size: 12px; margin: 10px 0; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: right; white-space: nowrap; }
th { background: #f4f4f4; } td.name, th.name, td.text { text-align: left; } td.name { max-width: 420px; overflow: hidden; text-overflow: ellipsis; }
tr.flagged td { color: #999; } .best { font-weight: 600; }
.figures { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure { margin: 0; } .scroll { overflow-x: auto; }
details > summary { cursor: pointer; font-weight: 600; margin: 14px 0 8px; }
.failures { color: #a00; }
`;

function table(head: string[], rows: { cells: string[]; className?: string }[], className: string): string {
  const header = head.map((cell, i) => `<th${i === 0 ? ' class="name"' : ""}>${cell}</th>`).join("");
  const body = rows.map((row) => `<tr${row.className ? ` class="${row.className}"` : ""}>${row.cells.join("")}</tr>`).join("\n");
  return `<div class="scroll"><table class="${className}"><thead><tr>${header}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

const td = (text: string, className?: string): string => `<td${className ? ` class="${className}"` : ""}>${escapeHtml(text)}</td>`;

function layerRow(layer: LayerResult): { cells: string[]; className?: string } {
  const deltaText = (model: ModelName): string => {
    const delta = deltaAic(layer, model);
    if (delta !== null) return Math.round(delta).toLocaleString("en-US");
    return aicOf(layer, model) === null ? "∞" : "—";
  };
  return {
    cells: [
      td(layer.tensor, "name"),
      td(shape(layer.shape)),
      td(integer(layer.params)),
      td(layer.quantization ? `${layer.dtype}*` : layer.dtype, "text"),
      td(significant(layer.A, 4)),
      td(withSe(layer.mu, shownSe(layer).mu, 3)),
      td(withSe(layer.sigma, shownSe(layer).sigma, 3)),
      td(layer.bootstrap ? `${fixed(layer.bootstrap.mu_ci[0], 3)} … ${fixed(layer.bootstrap.mu_ci[1], 3)}` : "—"),
      td(layer.bootstrap ? `${fixed(layer.bootstrap.sigma_ci[0], 3)} … ${fixed(layer.bootstrap.sigma_ci[1], 3)}` : "—"),
      td(fixed(layer.null_gaussian.sigma, 3)),
      td(fixed(layer.null_laplace.sigma, 3)),
      td(fixed(layer.r2, 4)),
      td(fixed(layer.null_r2, 4)),
      td(layer.best ?? "—", "text best"),
      td(layer.best_ml ?? "—", "text best"),
      td(significant(layer.gof_per_dof, 3)),
      td(fixed(layer.sigma_half_bins, 3)),
      td(fixed(layer.sigma_double_bins, 3)),
      td(fixed(layer.max_ratio, 3)),
      td(fixed(layer.mu_drop_max, 3)),
      ...MODEL_NAMES.map((model) => td(deltaText(model))),
      ...ALTERNATIVE_NAMES.map((model) => td(fixed(layer.alternatives[model].r2, 4))),
      td(fixed(layer.alpha, 3)),
      td(fixed(layer.beta, 3)),
      td(fixed(layer.equilibrium_spread, 3)),
      td(layer.flags.join(", "), "text"),
    ],
    ...(layer.flags.length > 0 ? { className: "flagged" } : {}),
  };
}

function figureHtml(figure: RenderedFigure): string {
  return `<figure aria-label="${escapeHtml(figure.title)}">${figure.svg}</figure>`;
}

function modelSection(set: ModelFigures, index: number): string {
  const model: ModelResult = set.model;
  const s = model.summary;
  const settings = model.settings;
  const flagged = model.layers.filter((layer) => layer.flags.length > 0).length;
  const summary = table(
    ["model", "layers", "params", "A", "μ", "σ", "σ₀ (Gaussian / Laplace null)", "R²", "R² > null"],
    [
      {
        cells: [
          td(model.model, "name"),
          td(s.coverage === null ? String(s.layers) : `${s.layers} of ${s.fitted} (${Math.round(100 * s.coverage)} %)${s.caution ? ` — ${s.caution}` : ""}`),
          td(integer(s.params)),
          td(meanSdSe(s.A, 4)),
          td(meanSdSe(s.mu, 3)),
          td(meanSdSe(s.sigma, 3)),
          td(`${fixed(s.null_gaussian_sigma, 3)} / ${fixed(s.null_laplace_sigma, 3)}`),
          td(meanSdSe(s.r2, 3)),
          td(`${s.r2_above_null}/${s.layers}`),
        ],
      },
    ],
    "summary",
  );
  const layers = table(
    ["tensor", "shape", "params", "dtype", "A", "μ ± SE", "σ ± SE", "μ 95 %", "σ 95 %", "σ₀ Gauss", "σ₀ Laplace", "R²", "null R²", "best", "best (ML)", "G/dof", "σ (B/2)", "σ (2B)", "max ratio", "μ w/o max", ...MODEL_NAMES.map((name) => `ΔAIC ${name}`), ...ALTERNATIVE_NAMES.map((name) => `R² ${name}`), "α", "β", "spread", "flags"],
    model.layers.map(layerRow),
    "layers",
  );
  const layerFigures = set.layers.length
    ? `<details${set.layers.length <= OPEN_LAYER_FIGURES ? " open" : ""}><summary>Per-layer histograms (${set.layers.length})</summary><div class="figures">${set.layers.map(figureHtml).join("\n")}</div></details>`
    : "";
  return `<section class="model" id="model-${index + 1}">
<h2>${escapeHtml(model.model)}</h2>
<p class="meta">${escapeHtml(`${model.format}, ${bytes(model.bytes)}, ${model.tensors} tensors; ${model.layers.length} layers fitted (${flagged} flagged${settings.include_flagged ? ", included" : ", left out of the summary"}), ${model.skipped.length} tensors skipped; settings: ${settingsText(settings)}`)}</p>
${summary}
${layers}
<div class="figures">${set.figures.map(figureHtml).join("\n")}</div>
${layerFigures}
</section>`;
}

/** The self-contained HTML report (no scripts, no external resources) of rendered models. */
export function renderHtmlReport(sets: readonly ModelFigures[], options: HtmlReportOptions): string {
  const title = options.title ?? "jaynes report";
  const failures = options.failures?.length
    ? `<section class="failures"><h2>Inputs that could not be analysed</h2><ul>${options.failures.map((failure) => `<li>${escapeHtml(failure.error)}</li>`).join("")}</ul></section>`
    : "";
  const nav = sets.length > 1 ? `<ul>${sets.map((set, i) => `<li><a href="#model-${i + 1}">${escapeHtml(set.model.model)}</a></li>`).join("")}</ul>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="jaynes ${escapeHtml(options.version)}, method ${escapeHtml(METHOD.version)}">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">jaynes ${escapeHtml(options.version)} · ${sets.length} model${sets.length === 1 ? "" : "s"} · numbers as specified by method ${escapeHtml(METHOD.version)}: <code>${escapeHtml(METHOD.document)}</code> ${escapeHtml(options.methodSections ?? "§2–5, §7")} in the jaynes package and repository</p>
${options.introHtml ?? `<p class="note">Per layer, |w| / max|w| in B equal bins; the size-weighted histogram y is fitted with the paper's lognormal (A, μ, σ, R²)
and, on the same histogram, with a half-normal (|w| of a Gaussian), an exponential (|w| of a Laplace) and a power law.
<b>null R²</b> is what the lognormal scores on a Gaussian layer of the same size: an R² at or below it is no evidence for a lognormal.
<b>best</b> is the family with the smallest AIC on the layer's counts; <b>ΔAIC</b> is each family's distance to it (above ~10: clearly worse).
α, β are the teleodynamic parameters and <b>spread</b> the layer's distance from arbitrage equilibrium (0 at equilibrium).
Flagged layers (grey) are left out of the summary row. In the histograms, the top panel is what R² measures, the bottom panel (counts, log scale) what the likelihood measures.</p>`}
${nav}
${failures}
${sets.map(modelSection).join("\n")}
</body>
</html>
`;
}
