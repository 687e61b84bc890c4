/**
 * Each scanned model's layer table, as CSV and as JSON (the `jaynes fit --format csv|json` outputs
 * of that model), written into the scan's output folder by `scan` and `merge`.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { ModelResult } from "../../analysis/model.js";
import { modelOutputs } from "../../analysis/scan/outputs.js";
import type { Stored } from "../../analysis/stored.js";
import { OutputError } from "../../errors.js";
import { writeFileAtomic } from "../../io/atomicWrite.js";
import { describeIoError } from "../../io/byteSource.js";
import { renderCsv } from "../../report/csv.js";
import { renderJson } from "../../report/json.js";
import { documentHeader } from "../../version.js";

/** A model's layer table as CSV and as JSON; with `onlyIfMissing`, files already there are kept. */
export async function writeModelTables(outDir: string, result: Stored<ModelResult>, onlyIfMissing: boolean): Promise<void> {
  const outputs = modelOutputs(result.model);
  const files: [string, () => string][] = [
    [outputs.csv, () => renderCsv([result])],
    [outputs.json, () => renderJson({ ...documentHeader(), models: [result], failures: [] })],
  ];
  for (const [relative, render] of files) {
    const path = join(outDir, relative);
    if (onlyIfMissing && (await stat(path).then(() => true, () => false))) continue;
    await writeFileAtomic(path, render());
  }
}

/** An output folder that cannot be written ends the run (OutputError, exit 73): every later model would fail the same way. */
export async function writingTo<T>(outDir: string, writing: Promise<T>): Promise<T> {
  try {
    return await writing;
  } catch (error) {
    if (error instanceof OutputError) throw error;
    throw new OutputError(`cannot write into ${outDir}: ${describeIoError(error)}`);
  }
}
