/**
 * Where results go: stdout, or a file written atomically with `-o` (io/atomicWrite.ts says what is
 * never clobbered); and the one check of every output path a command was given
 * (`checkOutputTargets`), done before any work so that a mistyped path costs nothing.
 *
 * Two options naming the same path contradict each other: a usage error (exit 1). A place that
 * cannot be written — a missing folder, a folder where a file is wanted, an input of the run, a
 * special file where a regular one is needed — is an OutputError (exit 73).
 */
import { mkdir, stat } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { checkOutputPath, writeFileAtomic } from "../io/atomicWrite.js";
import { describeIoError } from "../io/byteSource.js";
import { OutputError, UsageError } from "../errors.js";
import { requireFigureRenderer } from "../report/vega.js";

export async function emit(text: string, outputPath: string | undefined): Promise<void> {
  if (outputPath) {
    await writeFileAtomic(outputPath, text);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    process.stdout.write(text, (error) => (error && (error as NodeJS.ErrnoException).code !== "EPIPE" ? reject(error) : resolve()));
  });
}

/** An output path a command was given: a file (`-o`, `--html`) or a folder (`--plot`, `--out-dir`). */
export interface OutputTarget {
  option: string;
  path: string | undefined;
  kind: "file" | "folder";
  /** A file written as regular files only (init's checkpoint): a FIFO, device or descriptor is refused too. */
  filesOnly?: boolean;
}

const isFolder = (path: string): Promise<boolean> =>
  stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );

/**
 * Check every output path before any work: two options must not name the same path (exit 1); a
 * file option must be writable (io/atomicWrite.ts `checkOutputPath`: its folder exists, it is none
 * of `inputs`, no directory, socket or block device; exit 73); a folder option is created if
 * missing (exit 73 when it cannot be).
 */
export async function checkOutputTargets(targets: readonly OutputTarget[], inputs: readonly string[] = []): Promise<void> {
  const given = targets.filter((target): target is OutputTarget & { path: string } => target.path !== undefined);
  for (const [i, target] of given.entries()) {
    const twin = given.slice(0, i).find((other) => resolve(other.path) === resolve(target.path));
    if (twin) throw new UsageError(`${twin.option} and ${target.option} name the same path ${target.path}`);
  }
  for (const target of given) {
    if (target.kind === "file") await checkOutputFile(target.path, target.option, inputs, target.filesOnly ? { filesOnly: true } : {});
    else await prepareOutputDirectory(target.path, target.option);
  }
}

/** Check before any work that `option`'s directory can be written to (created if missing). */
export async function prepareOutputDirectory(directory: string, option: string): Promise<void> {
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "EEXIST" ? `it is a file; ${option} names a folder` : describeIoError(error);
    throw new OutputError(`cannot write ${directory}: ${reason} (${option})`);
  }
}

/**
 * Check before any work that `file` can be written: its folder exists, and it is neither one of the
 * `inputs` nor a directory, socket or block device (`filesOnly`: nor a FIFO, device or descriptor).
 */
export async function checkOutputFile(file: string, option: string, inputs: readonly string[] = [], options: { filesOnly?: boolean } = {}): Promise<void> {
  if (file.endsWith(sep) || file.endsWith("/") || (await isFolder(file))) {
    const hint = option === "-o" || option === "--output" ? " (an output folder is --out-dir or --plot)" : "";
    throw new OutputError(`cannot write ${file}: it is a directory; ${option} names a file${hint}`);
  }
  try {
    await checkOutputPath(file, inputs, options);
  } catch (error) {
    if (error instanceof OutputError) throw new OutputError(`${error.message} (${option})`);
    throw error;
  }
}

/**
 * The outputs of a command that writes a report, figures and an HTML page (fit, compare): the figure
 * renderer first when --plot or --html asks for it, then -o, --html and --plot checked against the inputs.
 */
export async function checkReportTargets(options: { output?: string | undefined; html?: string | undefined; plot?: string | undefined }, inputs: readonly string[]): Promise<void> {
  const figureOptions = [options.plot !== undefined ? "--plot" : "", options.html !== undefined ? "--html" : ""].filter(Boolean);
  if (figureOptions.length > 0) await requireFigureRenderer(figureOptions.join(" and "));
  await checkOutputTargets([
    { option: "-o", path: options.output, kind: "file" },
    { option: "--html", path: options.html, kind: "file" },
    { option: "--plot", path: options.plot, kind: "folder" },
  ], inputs);
}
