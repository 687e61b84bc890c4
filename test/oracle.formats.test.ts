/**
 * The real check of the ONNX, TFLite and TF.js readers: the models of ../shared/real against scipy's
 * MINPACK fits, and BlazePose full read from TFLite and from TF.js layer by layer.
 */
import { describe, expect, it } from "vitest";
import { type LayerResult, analyzeFile } from "../src/index.js";
import { fitFields } from "./helpers/formatCases.js";
import { HAVE_SHARED, SHARED_REAL, expectOracleMatch, loadOracle } from "./helpers/oracle.js";

const files = ["pose_landmark_full.tflite", "blazepose-full.json", "hand_landmark_lite.tflite", "silero_vad_legacy.onnx", "silero_vad_v5.onnx", "ppocr_v4_rec.onnx"];

/**
 * The Keras layer a kernel belongs to, in either export of BlazePose: TFLite names a (batch-norm
 * folded) kernel `model_1/model/<layer>/Conv2D|depthwise|MatMul`, prefixed by the batch-norm op and
 * followed by other layers sharing the tensor, joined by ';'; TF.js names it
 * `StatefulPartitionedCall/model/<layer>/Conv2D_weights|depthwise_weights` or `…/Conv2D/ReadVariableOp`.
 * Biases are not paired: TFLite folds batch norm into them, so the two files hold different tensors.
 */
export function kernelLayer(name: string): string | undefined {
  const part = name.split(";").find((piece) => !/\/batch_normalization(_\d+)?\//.test(piece));
  return part ? /\/model\/([^/]+)\/(?:Conv2D|depthwise|MatMul)(?:_weights|\/ReadVariableOp)?$/.exec(part)?.[1] : undefined;
}

function kernels(layers: readonly LayerResult[]): Map<string, LayerResult> {
  const map = new Map<string, LayerResult>();
  for (const layer of layers) {
    const key = layer.shape.length >= 2 ? kernelLayer(layer.tensor) : undefined;
    if (key === undefined) continue;
    expect(map.has(key), `two kernels for layer ${key}`).toBe(false);
    map.set(key, layer);
  }
  return map;
}

describe.skipIf(!HAVE_SHARED)("oracle: ONNX, TFLite, TF.js (skipped when ../shared/real is absent)", () => {
  it.each(files)("%s matches scipy within METHOD tolerances and raises the oracle's flags", async (file) => {
    const result = await analyzeFile(`${SHARED_REAL}${file}`);
    const expected = loadOracle(file);
    expectOracleMatch(file, result.layers, expected);
  });

  it("silero_vad_v5: weights repeated per If branch get unique graph-path names and keep the stored name", async () => {
    const result = await analyzeFile(`${SHARED_REAL}silero_vad_v5.onnx`);
    const rnn = result.layers.filter((layer) => layer.original_name === "decoder.rnn.weight_ih");
    expect(rnn.map((layer) => layer.tensor).sort()).toEqual(["If_0/else_branch/decoder.rnn.weight_ih", "If_0/then_branch/decoder.rnn.weight_ih"]);
  });

  it("BlazePose full from TFLite and from TF.js: every kernel pairs up with identical fits", async () => {
    const tflite = kernels((await analyzeFile(`${SHARED_REAL}pose_landmark_full.tflite`, { minParams: 0 })).layers);
    const tfjs = kernels((await analyzeFile(`${SHARED_REAL}blazepose-full.json`, { minParams: 0 })).layers);
    expect(tflite.size).toBe(96);
    expect([...tflite.keys()].sort()).toEqual([...tfjs.keys()].sort());
    let distinctDiffers = 0;
    for (const [layer, ours] of tflite) {
      const theirs = tfjs.get(layer)!;
      expect(ours.params, layer).toBe(theirs.params);
      // The two conversions round a handful of weights differently (the oracle shows the same
      // distinct counts), always within a bin: every fitted number is identical.
      const { distinct: a, ...fitA } = fitFields(ours);
      const { distinct: b, ...fitB } = fitFields(theirs);
      expect(fitA, layer).toEqual(fitB);
      expect(Math.abs(a! - b!), layer).toBeLessThanOrEqual(1);
      if (a !== b) distinctDiffers++;
    }
    expect(distinctDiffers).toBeLessThanOrEqual(5);
  });
});
