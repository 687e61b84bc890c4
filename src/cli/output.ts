/** Where results go: stdout, or a file written atomically with `-o`. */
import { writeFileAtomic } from "../io/atomicWrite.js";
import { UsageError } from "../errors.js";

export type OutputFormat = "table" | "csv" | "json" | "jsonl";
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["table", "csv", "json", "jsonl"];

export function parseOutputFormat(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(", ")} (got ${JSON.stringify(value)})`);
}

export async function emit(text: string, outputPath: string | undefined): Promise<void> {
  if (outputPath) {
    await writeFileAtomic(outputPath, text);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    process.stdout.write(text, (error) => (error && (error as NodeJS.ErrnoException).code !== "EPIPE" ? reject(error) : resolve()));
  });
}
