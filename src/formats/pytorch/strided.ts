/**
 * Which storage elements a strided tensor view covers. A histogram depends on the multiset of values,
 * not their order, so a view is read as the storage runs it covers, in storage order:
 * - a dense view in any dimension order (contiguous, transposed, permuted) is one run;
 * - a view with gaps (a slice such as w[:, :k]) is one run per contiguous piece, up to MAX_VIEW_RUNS
 *   pieces (each run is one byte range; beyond that the tensor is skipped with the reason);
 * - a view whose elements repeat (a zero stride from expand(), or overlapping strides) is skipped:
 *   its values are not a multiset of distinct storage elements, and re-counting them would distort the
 *   histogram no less than leaving them out.
 * Offsets and lengths are in elements.
 */
export const MAX_VIEW_RUNS = 4096;

export type ViewLayout =
  | { kind: "runs"; runs: { offset: number; length: number }[] }
  | { kind: "skip"; reason: string }
  | { kind: "outside"; lastElement: number };

export function viewLayout(size: readonly number[], stride: readonly number[], offset: number, storageElements: number): ViewLayout {
  const numel = size.reduce((product, dim) => product * dim, 1);
  if (numel === 0) return { kind: "runs", runs: [] };
  // Dims of size 1 do not move; sort the others by stride, innermost first.
  const dims = size.map((dim, i) => ({ size: dim, stride: stride[i]! })).filter((dim) => dim.size > 1);
  dims.sort((a, b) => a.stride - b.stride);
  const lastElement = offset + dims.reduce((sum, dim) => sum + (dim.size - 1) * dim.stride, 0);
  if (!Number.isSafeInteger(lastElement) || lastElement >= storageElements) return { kind: "outside", lastElement };
  for (let i = 0; i < dims.length; i++) {
    const inner = i === 0 ? 1 : dims[i - 1]!.stride * dims[i - 1]!.size;
    if (dims[i]!.stride === 0) return { kind: "skip", reason: "expanded view (zero stride): its elements repeat" };
    if (dims[i]!.stride < inner) return { kind: "skip", reason: "overlapping view: its elements repeat" };
  }
  // Merge the innermost dims that are contiguous into one run length.
  let runLength = 1;
  let merged = 0;
  while (merged < dims.length && dims[merged]!.stride === runLength) {
    runLength *= dims[merged]!.size;
    merged++;
  }
  const outer = dims.slice(merged);
  const runCount = numel / runLength;
  if (runCount > MAX_VIEW_RUNS) return { kind: "skip", reason: `strided view of ${runCount} separate storage runs (more than ${MAX_VIEW_RUNS})` };
  const runs: { offset: number; length: number }[] = [];
  // Odometer over the outer dims, innermost fastest: offsets come out increasing (strides are nested).
  const index = new Array<number>(outer.length).fill(0);
  for (let r = 0; r < runCount; r++) {
    let start = offset;
    for (let d = 0; d < outer.length; d++) start += index[d]! * outer[d]!.stride;
    runs.push({ offset: start, length: runLength });
    for (let d = 0; d < outer.length; d++) {
      if (++index[d]! < outer[d]!.size) break;
      index[d] = 0;
    }
  }
  return { kind: "runs", runs };
}
