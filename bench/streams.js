// Shared by the benchmark generators: a seeded N(0, 0.02²) value pool and a sequential file writer.
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** `count` N(0, 0.02²) values (mulberry32 + Box–Muller, seed 12345) and the generator that made them. */
export function gaussianPool(count) {
  let state = 12345;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = 0.02 * Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
  return { values, random };
}

/** Append-only writer of a new file (its folder is created). */
export function sequentialFile(path) {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, "w");
  let position = 0;
  return {
    write(bytes) {
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
      position += bytes.length;
    },
    get position() {
      return position;
    },
    close: () => closeSync(fd),
  };
}
