/**
 * The NumPy, PyTorch, GGUF and Keras readers on a real model: faceres-deep (../shared/real) re-saved
 * in each format by the fixture writers, every layer against scipy's MINPACK fit of the original.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { analyzeFile } from "../src/index.js";
import { realTensors } from "./fixtures/make.js";
import { groupAt, writeH5 } from "./fixtures/makeKeras.js";
import { stateDict } from "./fixtures/makeTorch.js";
import { encodeGguf } from "./helpers/ggufWriter.js";
import { encodeNpy } from "./helpers/npyWriter.js";
import { HAVE_SHARED, SHARED_REAL, expectOracleMatch, loadOracle } from "./helpers/oracle.js";
import { f32 } from "./helpers/floatEncode.js";
import { encodeTorchSave } from "./helpers/torchWriter.js";
import { encodeZip } from "./helpers/zipWriter.js";

describe.skipIf(!HAVE_SHARED)("oracle: faceres-deep as .npz, .pt, .gguf and .h5 (skipped when ../shared/real is absent)", () => {
  const dir = mkdtempSync(join(tmpdir(), "jaynes-oracle-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tensors = HAVE_SHARED ? realTensors(`${SHARED_REAL}faceres-deep.safetensors`) : [];
  const expected = HAVE_SHARED ? loadOracle("faceres-deep.safetensors") : [];

  const writers: Record<string, (path: string) => Promise<void>> = {
    "faceres.npz": async (path) => writeFileSync(path, encodeZip(tensors.map((t) => ({ name: `${t.name}.npy`, data: encodeNpy(t.data, { descr: "<f4", shape: t.shape }), deflate: true })))),
    "faceres.pt": async (path) => {
      const { root, storages } = stateDict(tensors);
      writeFileSync(path, encodeTorchSave(root, storages));
    },
    "faceres.gguf": async (path) => writeFileSync(path, encodeGguf(tensors.map((t) => ({ name: t.name, ne: [...t.shape].reverse(), type: 0, data: t.data })))),
    "faceres.h5": (path) =>
      writeH5(path, (root) => {
        for (const t of tensors) {
          const cut = t.name.lastIndexOf("/");
          const parent = cut < 0 ? root : groupAt(root, t.name.slice(0, cut));
          parent.create_dataset({ name: t.name.slice(cut + 1), data: f32(t.data), shape: t.shape, dtype: "<f" });
        }
      }),
  };

  it.each(Object.keys(writers))("%s matches scipy within METHOD tolerances and raises the oracle's flags", async (file) => {
    const path = join(dir, file);
    await writers[file]!(path);
    const result = await analyzeFile(path);
    expectOracleMatch(file, result.layers, expected);
  });
});
