/**
 * Reads back what `jaynes fit` wrote — JSON (`--format json`), JSONL or CSV, recognised by content —
 * as the fitted lognormal of each layer of one model: what `jaynes init --from FIT` draws from. Only
 * the fields a draw needs are read (tensor, shape, μ, σ, max|w|, flags, the normalisation), each
 * checked, and the standard errors of μ and σ where the file has them (`fit_se` in JSON/JSONL,
 * `fit_se_mu`/`fit_se_sigma` in CSV; absent from fits made before they existed); every other field
 * may be there or not. A file holding several models is refused: which
 * one was meant cannot be guessed.
 */
import { InputError } from "../errors.js";
import { readSmallFile } from "./smallFile.js";

/** One layer of a fit file: its name, shape and fitted μ, σ. */
export interface FittedLayer {
  tensor: string;
  shape: number[];
  /** μ and σ as `fit` reports them (the size-weighted fit; μ in units of max|w|, or of |w| under --normalize none). */
  mu: number;
  sigma: number;
  /** The plain μ − σ², in units of the layer's max |w| whatever the normalisation was. */
  muPlain: number;
  maxAbs: number;
  flags: string[];
  /** Standard errors of μ and σ from the fit (METHOD §7.2), or null where the file has none. */
  fitSe: { mu: number | null; sigma: number | null } | null;
}

/** The layers of one model as a `fit` output recorded them. */
export interface FitFile {
  file: string;
  /** The model the fit was of, as `fit` named it. */
  model: string;
  layers: Map<string, FittedLayer>;
}

const MAX_FIT_FILE_BYTES = 256 * 1024 * 1024;

type Row = Record<string, unknown>;

/** Read μ and σ per layer from a CSV or JSON written by `jaynes fit` (one model); an InputError names what is wrong. */
export async function readFitFile(path: string): Promise<FitFile> {
  const text = await readSmallFile(path, MAX_FIT_FILE_BYTES);
  const { rows, models } = parseRows(path, text);
  const distinct = [...new Set(models)];
  if (distinct.length !== 1) {
    throw new InputError("model", path, distinct.length === 0 ? "holds no fitted layer" : `holds the fits of ${distinct.length} models (${distinct.slice(0, 3).map((m) => JSON.stringify(m)).join(", ")}${distinct.length > 3 ? ", …" : ""}); give the fit of one`);
  }
  const layers = new Map<string, FittedLayer>();
  for (const row of rows) {
    const layer = fittedLayer(path, row);
    if (layers.has(layer.tensor)) throw new InputError("model", path, "the layer appears twice", layer.tensor);
    layers.set(layer.tensor, layer);
  }
  return { file: path, model: distinct[0]!, layers };
}

/** The layer rows and the model each belongs to, from any of the three formats. */
function parseRows(path: string, text: string): { rows: Row[]; models: string[] } {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let document: unknown;
    try {
      document = JSON.parse(trimmed);
    } catch {
      document = undefined;
    }
    if (isObject(document)) {
      if (!Array.isArray(document.models)) throw new InputError("header-json", path, "is JSON but not the output of `jaynes fit --format json` (no \"models\" list)");
      const rows: Row[] = [];
      const models: string[] = [];
      for (const model of document.models) {
        if (!isObject(model) || !Array.isArray(model.layers) || !isObject(model.settings)) throw new InputError("header-json", path, "a model entry has no layers or settings");
        models.push(String(model.model));
        for (const layer of model.layers) {
          if (!isObject(layer)) throw new InputError("header-json", path, "a layer entry is not an object");
          rows.push({ ...layer, normalize: model.settings.normalize });
        }
      }
      return { rows, models };
    }
    // One JSON object per line: JSONL.
    const rows = trimmed.split(/\r?\n/).map((line, i) => {
      try {
        const row: unknown = JSON.parse(line);
        if (isObject(row)) return row;
      } catch {
        // reported below
      }
      throw new InputError("header-json", path, `line ${i + 1} is not a JSON object (expected the output of \`jaynes fit --format json\` or \`jsonl\`)`);
    });
    return { rows, models: rows.map((row) => String(row.model)) };
  }
  const records = parseCsv(path, text);
  const header = records[0] ?? [];
  for (const column of ["model", "tensor", "shape", "mu", "sigma", "max_abs", "flags", "normalize"]) {
    if (!header.includes(column)) throw new InputError("header-json", path, `is not a fit table: no column "${column}" (expected the output of \`jaynes fit --format csv\`, json or jsonl)`);
  }
  const rows = records.slice(1).map((record) => Object.fromEntries(header.map((column, i) => [column, record[i] ?? ""])) as Row);
  return { rows, models: rows.map((row) => String(row.model)) };
}

function fittedLayer(path: string, row: Row): FittedLayer {
  const tensor = row.tensor;
  if (typeof tensor !== "string" || tensor === "") throw new InputError("header-json", path, "a layer has no tensor name");
  const fail = (detail: string): never => {
    throw new InputError("header-json", path, detail, tensor);
  };
  const number = (field: string): number => {
    const value = row[field];
    const parsed = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
    if (!Number.isFinite(parsed)) fail(`${field} is not a finite number`);
    return parsed;
  };
  const mu = number("mu");
  const sigma = Math.abs(number("sigma"));
  const maxAbs = number("max_abs");
  if (sigma === 0) fail("sigma is 0");
  if (maxAbs <= 0) fail("max_abs is not positive");
  const shape = Array.isArray(row.shape) ? row.shape : typeof row.shape === "string" ? (row.shape === "" ? [] : row.shape.split("x").map(Number)) : fail("shape is missing");
  if (!shape.every((dim) => Number.isSafeInteger(dim) && (dim as number) >= 0)) fail("shape is not a list of non-negative integers");
  const flags = Array.isArray(row.flags) ? row.flags.map(String) : typeof row.flags === "string" ? row.flags.split(";").filter((flag) => flag !== "") : fail("flags are missing");
  const normalize = row.normalize;
  if (normalize !== "max" && normalize !== "none") fail(`normalize is ${JSON.stringify(normalize)}, not "max" or "none"`);
  // Under --normalize none, μ is in units of |w|; in units of the max it is μ − ln max|w|.
  const muPlain = mu - sigma * sigma - (normalize === "none" ? Math.log(maxAbs) : 0);
  return { tensor, shape: shape as number[], mu, sigma, muPlain, maxAbs, flags, fitSe: fitSeOf(row) };
}

/** fit_se {mu, sigma} (JSON, JSONL) or fit_se_mu, fit_se_sigma (CSV); null when neither is there. */
function fitSeOf(row: Row): { mu: number | null; sigma: number | null } | null {
  const nested = isObject(row.fit_se) ? row.fit_se : undefined;
  if (!nested && !("fit_se_mu" in row) && !("fit_se_sigma" in row)) return null;
  const value = (raw: unknown): number | null => {
    const parsed = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
    return Number.isFinite(parsed) && parsed >= 0 ? parsed : null;
  };
  return nested ? { mu: value(nested.mu), sigma: value(nested.sigma) } : { mu: value(row.fit_se_mu), sigma: value(row.fit_se_sigma) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** RFC 4180 CSV: fields split by commas, quoted with `"` (`""` inside), records by CRLF or LF. */
export function parseCsv(path: string, text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i++;
      } else {
        field += ch;
        i++;
      }
      continue;
    }
    if (ch === '"' && field === "") {
      quoted = true;
    } else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else {
      field += ch;
    }
    i++;
  }
  if (quoted) throw new InputError("malformed", path, "CSV ends inside a quoted field");
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records.filter((row) => !(row.length === 1 && row[0] === ""));
}
