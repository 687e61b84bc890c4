// The hot loops alone, on data already in memory: per-thread rates of the WebAssembly kernels on one
// thread and on two threads at once (how well this machine's cores scale for these loops), so the
// end-to-end figures of bench/run.js can be read against what the CPU itself allows.
//
//   node bench/kernels.js          → JSON lines on stdout
import { Worker, isMainThread, parentPort } from "node:worker_threads";

const ELEMENTS = 1 << 21; // one 8 MiB chunk of F32 / 4 MiB of 16-bit codes
const ROUNDS = 40;

async function measure() {
  const { acquireKernels } = await import("../dist/stats/kernels.js");
  const { bucketCuts } = await import("../dist/stats/bucketCuts.js");
  const { layerGrids } = await import("../dist/stats/layerHistograms.js");
  const { FloatScan } = await import("../dist/stats/floatScan.js");
  const kernels = acquireKernels(8 * 1024 * 1024, 100);
  const [buffer] = kernels.buffers();
  let state = 12345;
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296;
  const values = new Float32Array(buffer.buffer, buffer.byteOffset, ELEMENTS);
  for (let i = 0; i < ELEMENTS; i++) values[i] = 0.02 * Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
  const bits = new Uint32Array(buffer.buffer, buffer.byteOffset, ELEMENTS);
  const codes = new Uint16Array(buffer.buffer, buffer.byteOffset, ELEMENTS * 2); // the same bytes as BF16-like codes
  const rate = (elements, run) => {
    for (let r = 0; r < 4; r++) run(); // tier up
    const started = performance.now();
    for (let r = 0; r < ROUNDS; r++) run();
    return (elements * ROUNDS) / ((performance.now() - started) / 1000) / 1e9;
  };
  const table = new Float64Array(65536);
  const buckets = new Float64Array(1 << 15);
  // The cuts pass 2 uses for B = 100: the grids 2B, B, B/2 at the maximum and B at the second largest.
  const scan = new FloatScan();
  scan.addFloat32Bits(Uint32Array.from(bits));
  const summary = scan.summary();
  const cuts = bucketCuts(layerGrids(100, summary.maxAbs, summary.top, true), scan.float32Buckets(), summary.top);
  const above = new Float64Array(cuts.cuts.length);
  const top = [];
  const result = {
    count16: rate(codes.length, () => kernels.count16(codes, table)),
    scan32: rate(ELEMENTS, () => kernels.scan32(bits, buckets, top)),
    countAboveCuts: rate(ELEMENTS, () => kernels.countAboveCuts(values, cuts, above)),
  };
  kernels.flush();
  return result;
}

if (isMainThread) {
  const inWorkers = (n) =>
    Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
      const worker = new Worker(new URL(import.meta.url));
      worker.once("message", (message) => worker.terminate().then(() => resolve(message)));
      worker.once("error", reject);
    })));
  const one = (await inWorkers(1))[0];
  const two = await inWorkers(2);
  for (const kernel of Object.keys(one)) {
    const pair = two.map((r) => r[kernel]);
    process.stdout.write(`${JSON.stringify({ kernel, oneThread: one[kernel], twoThreadsEach: pair, twoThreadsTotal: pair[0] + pair[1] })}\n`);
  }
} else {
  parentPort.postMessage(await measure());
}
