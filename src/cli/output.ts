/**
 * Where results go: stdout, or a file written atomically with `-o`; and the one check of every
 * output path a command was given (`checkOutputTargets`), done before any work so that a mistyped
 * path costs nothing.
 */
import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import { writeFileAtomic } from "../io/atomicWrite.js";
import { describeIoError } from "../io/byteSource.js";
import { UsageError } from "../errors.js";

export async function emit(text: string, outputPath: string | undefined): Promise<void> {
  if (outputPath) {
    try {
      await writeFileAtomic(outputPath, text);
    } catch (error) {
      // Say which file and why; a stack trace would not help anyone fix a path.
      throw new UsageError(`cannot write ${outputPath}: ${describeIoError(error)}`);
    }
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
}

const kindOf = (path: string): Promise<"file" | "folder" | "missing" | "other"> =>
  stat(path).then(
    (info) => (info.isDirectory() ? "folder" : info.isFile() ? "file" : "other"),
    () => "missing",
  );

/**
 * Check every output path before any work (a usage error, exit 1): a file option must not name a
 * folder and must go into a folder that exists; a folder option must not name a file and is
 * created if missing; two options must not name the same path.
 */
export async function checkOutputTargets(targets: readonly OutputTarget[]): Promise<void> {
  const given = targets.filter((target): target is OutputTarget & { path: string } => target.path !== undefined);
  for (const [i, target] of given.entries()) {
    const twin = given.slice(0, i).find((other) => resolve(other.path) === resolve(target.path));
    if (twin) throw new UsageError(`${twin.option} and ${target.option} name the same path ${target.path}`);
  }
  for (const target of given) {
    if (target.kind === "file") await checkOutputFile(target.path, target.option);
    else await prepareOutputDirectory(target.path, target.option);
  }
}

/** Check before any work that `option`'s directory can be written to (created if missing). */
export async function prepareOutputDirectory(directory: string, option: string): Promise<void> {
  if ((await kindOf(directory)) === "file") throw new UsageError(`${option} ${directory}: is a file; ${option} names a folder`);
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    throw new UsageError(`${option} ${directory}: cannot create the folder (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** Check before any work that `file` can be a file: not a folder, in a folder that exists. */
export async function checkOutputFile(file: string, option: string): Promise<void> {
  const what = await kindOf(file);
  if (what === "folder" || file.endsWith(sep) || file.endsWith("/")) {
    throw new UsageError(`${option} ${file}: is a folder; ${option} names a file${option === "-o" || option === "--output" ? " (an output folder is --out-dir or --plot)" : ""}`);
  }
  if (what === "other") throw new UsageError(`${option} ${file}: is not a regular file`);
  const folder = dirname(file);
  if ((await kindOf(folder)) !== "folder") throw new UsageError(`${option} ${file}: folder ${folder} does not exist`);
}
