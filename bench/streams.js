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

/** Llama-2-7B-shaped tensors (hidden 4096, MLP 11008, vocab 32000) until `targetBytes` at `elementBytes` per value. */
export function llamaTensors(targetBytes, elementBytes) {
  const hidden = 4096, mlp = 11008, vocab = 32000;
  const tensors = [{ name: "model.embed_tokens.weight", shape: [vocab, hidden] }];
  let bytes = vocab * hidden * elementBytes;
  for (let layer = 0; bytes < targetBytes; layer++) {
    const p = `model.layers.${layer}`;
    const block = [
      [`${p}.input_layernorm.weight`, [hidden]],
      [`${p}.self_attn.q_proj.weight`, [hidden, hidden]],
      [`${p}.self_attn.k_proj.weight`, [hidden, hidden]],
      [`${p}.self_attn.v_proj.weight`, [hidden, hidden]],
      [`${p}.self_attn.o_proj.weight`, [hidden, hidden]],
      [`${p}.post_attention_layernorm.weight`, [hidden]],
      [`${p}.mlp.gate_proj.weight`, [mlp, hidden]],
      [`${p}.mlp.up_proj.weight`, [mlp, hidden]],
      [`${p}.mlp.down_proj.weight`, [hidden, mlp]],
    ];
    for (const [name, shape] of block) {
      const n = shape.reduce((a, b) => a * b, 1) * elementBytes;
      if (bytes >= targetBytes) return tensors;
      tensors.push({ name, shape });
      bytes += n;
    }
  }
  return tensors;
}
