/** Worker threads hold no file open between tasks, so one pool can serve a batch of any size. */
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeOpenedModel } from "../src/analysis/model.js";
import { openModel } from "../src/formats/open.js";
import { WorkerPool } from "../src/parallel/pool.js";
import { REAL_MODEL } from "./fixtures/make.js";

describe.skipIf(!existsSync("/proc/self/fd"))("a worker pool shared by a batch", () => {
  it("keeps no file open between tasks (80 models, 2 workers: descriptors stay flat)", async () => {
    const root = mkdtempSync(join(tmpdir(), "jaynes-fds-"));
    const pool = new WorkerPool(2);
    try {
      const paths = Array.from({ length: 80 }, (_, index) => join(root, `m${index}.safetensors`));
      for (const path of paths) symlinkSync(REAL_MODEL, path);
      const open = (): number => readdirSync("/proc/self/fd").length;
      // The first model starts the workers (their own descriptors); count from there.
      await analyzeOpenedModel(await openModel(paths[0]!), {}, { executor: pool });
      const before = open();
      for (const path of paths.slice(1)) await analyzeOpenedModel(await openModel(path), {}, { executor: pool });
      expect(open() - before).toBeLessThan(8);
    } finally {
      await pool.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
