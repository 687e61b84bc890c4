/** Where results go: stdout, or a file written atomically with `-o`. */
import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
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

/** Check before any work that `option`'s directory can be written to (created if missing). */
export async function prepareOutputDirectory(directory: string, option: string): Promise<void> {
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    throw new UsageError(`${option} ${directory}: cannot create the directory (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** Check before any work that the folder `file` is to be written into exists. */
export async function checkOutputFile(file: string, option: string): Promise<void> {
  const folder = dirname(file);
  const isFolder = await stat(folder).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isFolder) throw new UsageError(`${option} ${file}: folder ${folder} does not exist`);
}
