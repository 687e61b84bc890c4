/**
 * Depth order: the order in which a model's tensors are listed everywhere (tables, JSON `layers`,
 * figures). Readers say what their own order means (`OpenedModel.order`):
 *
 * - `execution`: the reader listed tensors in the order the model's graph uses them (ONNX nodes,
 *   TFLite operators, a TF.js graph) — kept as it is;
 * - `written`: the order the file was written in, which a writer may have chosen (a PyTorch
 *   state_dict holds modules in registration order, i.e. forward order) — kept unless it puts
 *   numbered siblings out of numeric order (`layers.10` before `layers.2`: a writer that sorted the
 *   names as strings), and then natural order;
 * - `names` (the default): natural order of the names — safetensors writers and HDF5 sort names, so
 *   the stored order says nothing about depth.
 *
 * Natural order compares runs of digits as numbers and everything else by UTF-16 code units, so
 * it is the same on every machine whatever the locale.
 */
import type { OpenedModel, TensorOrder } from "./tensor.js";

const DIGITS = /\d+/g;

/** Compare two digit runs as numbers (no precision limit); equal values: fewer leading zeros first. */
function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, "");
  const y = b.replace(/^0+(?=\d)/, "");
  if (x.length !== y.length) return x.length - y.length;
  if (x !== y) return x < y ? -1 : 1;
  return a.length - b.length;
}

/** Numeric-aware order: "layers.2" < "layers.10" < "layers.10.a" < "lm_head"; text by code units. */
export function naturalCompare(a: string, b: string): number {
  const left = a.split(/(\d+)/);
  const right = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i]!;
    const y = right[i]!;
    // split with a capture group alternates text (even) and digit runs (odd).
    const order = i % 2 === 1 ? compareDigits(x, y) : x < y ? -1 : x > y ? 1 : 0;
    if (order !== 0) return order;
  }
  return left.length - right.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Whether names sharing a pattern (their text with digit runs replaced) appear in the numeric
 * order of their digit runs: `layers.0.w, layers.1.w, layers.10.w` does, `layers.10.w, layers.2.w`
 * does not.
 */
export function numberedInOrder(names: readonly string[]): boolean {
  const last = new Map<string, string[]>();
  for (const name of names) {
    const pattern = name.replace(DIGITS, "#");
    const numbers = name.match(DIGITS) ?? [];
    if (numbers.length === 0) continue;
    const previous = last.get(pattern);
    if (previous) {
      for (let i = 0; i < numbers.length; i++) {
        const order = compareDigits(previous[i]!, numbers[i]!);
        if (order > 0) return false;
        if (order < 0) break;
      }
    }
    last.set(pattern, numbers);
  }
  return true;
}

/** The order a model's tensors are in after `inDepthOrder` under `order`, for `names` as stored. */
export function depthOrderOf(names: readonly string[], order: TensorOrder | undefined): number[] {
  const indices = names.map((_, index) => index);
  if (order === "execution" || (order === "written" && numberedInOrder(names))) return indices;
  return indices.sort((a, b) => naturalCompare(names[a]!, names[b]!) || a - b);
}

/** The model with its tensors in depth order (see above). */
export function inDepthOrder(model: OpenedModel): OpenedModel {
  const order = depthOrderOf(
    model.tensors.map((tensor) => tensor.name),
    model.order,
  );
  if (order.every((index, position) => index === position)) return model;
  return { ...model, tensors: order.map((index) => model.tensors[index]!) };
}
