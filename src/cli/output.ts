/**
 * Where results go: stdout, or a file written atomically with `-o` (io/atomicWrite.ts says what is
 * never clobbered). A place that cannot be written is an OutputError: exit code 73.
 */
import { mkdir } from "node:fs/promises";
import { checkOutputPath, writeFileAtomic } from "../io/atomicWrite.js";
import { describeIoError } from "../io/byteSource.js";
import { OutputError } from "../errors.js";

export async function emit(text: string, outputPath: string | undefined): Promise<void> {
  if (outputPath) {
    await writeFileAtomic(outputPath, text);
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
    throw new OutputError(`${option} ${directory}: cannot create the directory (${describeIoError(error)})`);
  }
}

/**
 * Check before any work that `file` can be written: its folder exists, and it is neither one of the
 * `inputs` nor a directory, socket or block device.
 */
export async function checkOutputFile(file: string, option: string, inputs: readonly string[] = [], options: { filesOnly?: boolean } = {}): Promise<void> {
  try {
    await checkOutputPath(file, inputs, options);
  } catch (error) {
    if (error instanceof OutputError) throw new OutputError(`${error.message} (${option})`);
    throw error;
  }
}
