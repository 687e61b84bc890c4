/**
 * What `jaynes init` did (or, with --dry-run, would do), per tensor: a table for people and a JSON
 * document for scripts; and the provenance record written into the checkpoint's `__metadata__`.
 */
import type { InitTensor } from "../analysis/init/plan.js";
import type { MethodReference } from "../version.js";
import { bytes as formatBytes, count, fixed, integer, shape, significant } from "./numbers.js";
import { type TableOptions, paint } from "./table.js";
import { droppedNote, simpleTable } from "./textTable.js";
import { wrapText } from "./textWidth.js";

/** Everything that decides the bytes, as recorded in the output and printed by --format json. */
export interface InitProvenance {
  tool: "jaynes";
  version: string;
  /** The method the draws follow (docs/METHOD.md §9). */
  method: MethodReference;
  command: "init";
  /** The reference model (--like): its name and format. */
  source: string;
  source_format: string;
  seed: number;
  generator: "philox4x32-10";
  /** Where μ and σ came from: the model's own fits, a fit file, or --mu/--sigma. */
  parameters: { kind: "fit" } | { kind: "file"; file: string; model: string } | { kind: "given"; mu: number; sigma: number };
  signs: "random" | "like";
  /** --scale, or null: each layer's max |w| (or --match-std). */
  scale: number | null;
  match_std: string | null;
  settings: { bins: number; min_params: number; include: string[]; exclude: string[]; include_flagged: boolean };
}

export interface InitReport extends InitProvenance {
  dry_run: boolean;
  /** The files written (the index last) and their bytes; empty in a dry run. */
  output: { files: string[]; bytes: number };
  tensors: InitTensor[];
  warnings: string[];
}

/** The `__metadata__` entry: provenance and the parameters of every drawn layer, as one JSON string. */
export function initMetadata(provenance: InitProvenance, tensors: readonly InitTensor[]): string {
  const layers: Record<string, unknown> = {};
  for (const tensor of tensors) if (tensor.draw) layers[tensor.tensor] = tensor.draw;
  return JSON.stringify({ ...provenance, layers });
}

/** `jaynes init --format json`: the report as one JSON document (non-finite numbers as null). */
export function renderInitJson(report: InitReport): string {
  return `${JSON.stringify(report, (_key, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? null : value), 2)}\n`;
}

/** The terminal table of `jaynes init`: one row per tensor, what was drawn, copied or left out. */
export function renderInitTable(report: InitReport, options: TableOptions): string {
  const width = options.width;
  const out: string[] = [];
  const verb = report.dry_run ? "would be " : "";
  const target = report.match_std !== null;
  const head = [
    { header: "tensor" },
    { header: "shape", align: "left" as const, dropOrder: 20 },
    { header: "dtype", align: "left" as const, dropOrder: 30 },
    { header: "action", align: "left" as const },
    { header: "μ" },
    { header: "σ" },
    { header: "SE σ", dropOrder: 12 },
    { header: "σ₀", dropOrder: 35 },
    { header: "μ plain", dropOrder: 10 },
    { header: "scale", dropOrder: 40 },
    { header: "P(x>1)", dropOrder: 15 },
    ...(target ? [{ header: "target std", dropOrder: 45 }] : []),
    { header: "note", align: "left" as const, dropOrder: 50 },
  ];
  const rows: string[][] = [];
  for (const tensor of report.tensors) {
    const draw = tensor.draw;
    const dtype = tensor.out_dtype === null ? tensor.dtype : tensor.out_dtype === tensor.dtype ? tensor.dtype : `${tensor.dtype}→${tensor.out_dtype}`;
    rows.push([
      tensor.tensor,
      shape(tensor.shape),
      dtype,
      tensor.action === "draw" ? paint(options.color, 32, "draw") : tensor.action === "omit" ? paint(options.color, 33, "omit") : "copy",
      draw ? fixed(draw.mu, 4) : "",
      draw ? fixed(draw.sigma, 4) : "",
      draw?.fit_se?.sigma != null ? fixed(draw.fit_se.sigma, 4) : "",
      draw ? fixed(draw.null_gaussian.sigma, 3) : "",
      draw ? fixed(draw.mu_plain, 4) : "",
      draw ? significant(draw.scale, 4) : "",
      draw ? significant(draw.tail_mass, 2) : "",
      ...(target ? [draw?.target_std != null ? significant(draw.target_std, 4) : ""] : []),
      tensor.reason ?? (tensor.duplicate_of !== undefined ? `as ${tensor.duplicate_of} (same values)` : ""),
    ]);
  }
  const table = simpleTable(head, rows, { color: options.color, ...(width !== undefined ? { width } : {}) });
  out.push(table.text, ...droppedNote(table, width, "--format json has every field"));
  const drawn = report.tensors.filter((tensor) => tensor.action === "draw");
  const copied = report.tensors.filter((tensor) => tensor.action === "copy").length;
  const omitted = report.tensors.filter((tensor) => tensor.action === "omit").length;
  const drawnParams = drawn.reduce((sum, tensor) => sum + tensor.params, 0);
  const parameters = report.parameters.kind === "fit" ? "the model's own fits" : report.parameters.kind === "file" ? `fits from ${report.parameters.file}` : `μ ${report.parameters.mu}, σ ${report.parameters.sigma} for every layer`;
  out.push(
    wrapText(
      `${count(drawn.length, "layer")} (${integer(drawnParams)} weights) ${verb}drawn from ${parameters}, seed ${report.seed}, signs ${report.signs}` +
        `${report.match_std ? `, std matched to ${report.match_std}` : report.scale !== null ? `, scale ${report.scale}` : ""}; ${count(copied, "tensor")} ${verb}copied${omitted > 0 ? `, ${omitted} omitted` : ""}`,
      width,
    ),
  );
  if (drawn.length > 0) out.push("SE σ: standard error of the fitted σ (none for --mu/--sigma); σ₀: the σ the same fit gives on a Gaussian layer of that size");
  if (report.dry_run && report.match_std) out.push("(scale: the expected value; the written one is measured on the draws)");
  if (!report.dry_run) out.push(`wrote ${report.output.files.join(", ")} (${formatBytes(report.output.bytes)})`);
  return `${out.join("\n")}\n`;
}
