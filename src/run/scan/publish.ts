/**
 * What `jaynes scan` and `jaynes merge` do with a finished scan: apply the CI gates, build the summary
 * document, write it (summary.json, .csv, .md, .tex — or one shard's part file) and append the
 * Markdown to the GitHub step summary when the environment names one. The CLI prints the result and
 * turns it into an exit code (70 if a model hit a bug, else 2 if an input failed or held NaN/Inf
 * weights, else 3 if a gate failed, else 0: failed inputs outrank gates because an incomplete scan
 * cannot pass).
 */
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { type GateSettings, type GateViolation, evaluateGates, hasGates } from "../../analysis/scan/gates.js";
import { SUMMARY_FILES, partFileName } from "../../analysis/scan/outputs.js";
import type { Shard } from "../../analysis/scan/shard.js";
import { type GateReport, type ScanPart, type ScanResults, type ScanSummary, buildScanSummary } from "../../analysis/scan/summary.js";
import { writeFileAtomic } from "../../io/atomicWrite.js";
import { describeIoError } from "../../io/byteSource.js";
import { renderJsonDocument } from "../../report/json.js";
import { renderScanLatex } from "../../report/latex.js";
import { renderScanCsv, renderScanMarkdown } from "../../report/scanSummary.js";
import { VERSION, documentHeader } from "../../version.js";
import { nonfiniteTensors, nonfiniteWarning } from "../../analysis/nonfinite.js";
import type { RunEnvironment } from "../environment.js";

export interface FinishedScan extends ScanResults {
  outDir: string;
  /** Set for one shard of a scan: write its part file instead of the summaries. */
  shard?: Shard;
}

export interface PublishedScan {
  summary: ScanSummary;
  /** Undefined when no gate was given. */
  violations?: GateViolation[];
  /** Layers that held NaN/Inf values (warned about): the scan fails with exit code 2. */
  nonfinite: { model: string; tensor: string; values: number }[];
}

/** The environment variable naming the file GitHub Actions shows as the run's step summary. */
export const STEP_SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY";

export async function publishScan(scan: FinishedScan, gates: GateSettings, env: Pick<RunEnvironment, "warn" | "variables">): Promise<PublishedScan> {
  const violations = hasGates(gates) ? evaluateGates(scan.results, gates) : undefined;
  const report: GateReport | undefined = violations ? { settings: gates, passed: violations.length === 0, violations } : undefined;
  const summary = buildScanSummary(VERSION, scan.scope, scan.settings, scan.results, scan.failures, report);
  if (scan.shard) await writePart(scan, scan.shard, summary);
  else await writeSummaries(scan.outDir, summary);
  await appendStepSummary(summary, env);
  const nonfinite = scan.results.flatMap((result) =>
    nonfiniteTensors(result).map((entry) => {
      env.warn(nonfiniteWarning(result.model, entry));
      return { model: result.model, tensor: entry.tensor, values: entry.nonfinite };
    }),
  );
  return { summary, ...(violations ? { violations } : {}), nonfinite };
}

/** Write a file of the output folder (atomically); a failure is an OutputError (exit 73), the user's folder, not a bug. */
async function writeOutput(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, text);
}

async function writeSummaries(outDir: string, summary: ScanSummary): Promise<void> {
  await writeOutput(join(outDir, SUMMARY_FILES.json), renderJsonDocument(summary));
  await writeOutput(join(outDir, SUMMARY_FILES.csv), renderScanCsv(summary));
  await writeOutput(join(outDir, SUMMARY_FILES.md), renderScanMarkdown(summary));
  await writeOutput(join(outDir, SUMMARY_FILES.tex), renderScanLatex(summary));
}

async function writePart(scan: FinishedScan, shard: Shard, summary: ScanSummary): Promise<void> {
  const part: ScanPart = { ...documentHeader(), kind: "scan-part", shard, scan: summary.scan, settings: summary.settings, models: scan.results, failures: summary.failures };
  await writeOutput(join(scan.outDir, partFileName(shard.index, shard.count)), renderJsonDocument(part));
}

/** GitHub Actions shows the Markdown appended to $GITHUB_STEP_SUMMARY on the run's page. */
async function appendStepSummary(summary: ScanSummary, env: Pick<RunEnvironment, "warn" | "variables">): Promise<void> {
  const target = env.variables[STEP_SUMMARY_VARIABLE];
  if (!target) return;
  try {
    await appendFile(target, `${renderScanMarkdown(summary)}\n`);
  } catch (error) {
    env.warn(`cannot append to GITHUB_STEP_SUMMARY ${target}: ${describeIoError(error)}`);
  }
}
