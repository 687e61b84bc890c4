/**
 * The top order statistics of |w|: the K largest finite |w| of a layer, with multiplicity, in
 * descending order (METHOD §7.2). They are what the maximum-sensitivity numbers (`max_ratio`,
 * `mu_drop_max`) and the bootstrap's recomputed maximum need, and they merge exactly: the K largest
 * of a union are among the K largest of each part. K = 64: the bootstrap's tail model (bootstrap.ts)
 * is fitted to the 63 exceedances of the smallest of them (with K = 32 its intervals for μ covered
 * the truth in 83–92 % of seeded repeats, with 64 in 97–100 %). The WebAssembly kernel
 * (kernels.wat $topOffer) keeps the same K.
 */
export const TOP_K = 64;

/** The K largest of two descending lists, descending. */
export function mergeTop(a: readonly number[], b: readonly number[], k = TOP_K): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (out.length < k && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && a[i]! >= b[j]!)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/**
 * Offer a value to a descending top list kept in place (length ≤ k): insert it when the list is not
 * full or the value exceeds its smallest entry. Returns the new threshold (the smallest kept value,
 * or −1 while the list is not full): values not above it cannot enter.
 */
export function offerTop(top: number[], value: number, k = TOP_K): number {
  if (top.length < k || value > top[top.length - 1]!) {
    let i = top.length < k ? top.length : k - 1;
    if (top.length < k) top.push(value);
    while (i > 0 && top[i - 1]! < value) {
      top[i] = top[i - 1]!;
      i--;
    }
    top[i] = value;
  }
  return top.length < k ? -1 : top[k - 1]!;
}
