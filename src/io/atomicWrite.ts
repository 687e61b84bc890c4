/**
 * Output files appear whole or not at all: write to a temporary file in the same directory, flush,
 * then rename over the target (atomic on POSIX within one filesystem). An interrupted run leaves at
 * most a `.jaynes-tmp-*` file, which is removed on the way out when possible.
 */
import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

const pendingTemporaries = new Set<string>();

export async function writeFileAtomic(path: string, contents: string | Uint8Array): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.jaynes-tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  pendingTemporaries.add(temporary);
  try {
    const handle = await open(temporary, "wx");
    try {
      await handle.writeFile(contents);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  } finally {
    pendingTemporaries.delete(temporary);
  }
}

/** Synchronous best-effort cleanup for signal handlers. */
export function removePendingTemporaries(unlinkSync: (path: string) => void): void {
  for (const path of pendingTemporaries) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
  pendingTemporaries.clear();
}
