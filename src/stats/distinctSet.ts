/**
 * Exact count of distinct |w| bit patterns, up to a cap. `few-levels` (METHOD §3) needs the exact
 * count only when it is small (< 4·B), so the cap is max(65,536, 4·B) (`distinctCapFor`): beyond it
 * the set stops growing, frees its table and reports a lower bound. Memory stays bounded, and since
 * every part of a large tensor (every task) keeps its own set until merged, a small cap also keeps
 * the cost of filling sets small. Open addressing with linear probing over 32-bit keys; 0xFFFFFFFF
 * marks an empty slot (a NaN pattern, never a finite |w|).
 */
export const DEFAULT_DISTINCT_CAP = 1 << 16;

export function distinctCapFor(bins: number): number {
  return Math.max(DEFAULT_DISTINCT_CAP, 4 * bins);
}
const EMPTY = 0xffffffff;

export class DistinctSet {
  /** `cap` 0: count nothing (the caller already knows the layer is saturated). */
  constructor(readonly cap: number = DEFAULT_DISTINCT_CAP) {
    if (cap === 0) {
      this.slots = undefined;
      this.saturatedAt = 1;
    }
  }

  private slots: Uint32Array | undefined = new Uint32Array(1 << 12).fill(EMPTY);
  /** Fibonacci hashing takes the *high* bits of key·φ: low bits of float patterns are often all zero. */
  private shift = 32 - 12;
  private used = 0;
  private saturatedAt = 0;

  get saturated(): boolean {
    return this.slots === undefined;
  }

  /** Number of distinct keys seen; a lower bound (cap + 1) once saturated. */
  get size(): number {
    return this.slots === undefined ? this.saturatedAt : this.used;
  }

  add(key: number): void {
    let slots = this.slots;
    if (slots === undefined) return;
    const mask = slots.length - 1;
    let index = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const current = slots[index]!;
      if (current === key) return;
      if (current === EMPTY) break;
      index = (index + 1) & mask;
    }
    slots[index] = key;
    this.used++;
    if (this.used > this.cap) {
      this.saturatedAt = this.used;
      this.slots = undefined;
      return;
    }
    if (this.used * 2 > slots.length) this.grow();
  }

  /** Add every element of a chunk of 32-bit keys already masked to |w| patterns. */
  addAll(keys: Uint32Array, mask: number): void {
    for (let i = 0; i < keys.length && this.slots !== undefined; i++) {
      const key = (keys[i]! & mask) >>> 0;
      if (key < 0x7f800000) this.add(key);
    }
  }

  merge(other: DistinctSet): void {
    if (other.slots === undefined) {
      if (this.slots !== undefined) {
        this.slots = undefined;
        this.saturatedAt = Math.max(other.saturatedAt, this.used);
      } else {
        this.saturatedAt = Math.max(this.saturatedAt, other.saturatedAt);
      }
      return;
    }
    for (const key of other.slots) if (key !== EMPTY) this.add(key);
  }

  /** The keys held, or null once saturated (plain data for posting between threads). */
  keys(): Uint32Array | null {
    if (this.slots === undefined) return null;
    const keys = new Uint32Array(this.used);
    let n = 0;
    for (const key of this.slots) if (key !== EMPTY) keys[n++] = key;
    return keys;
  }

  static fromKeys(keys: Uint32Array | null, lowerBound: number, cap: number): DistinctSet {
    const set = new DistinctSet(cap);
    if (keys === null) {
      set.slots = undefined;
      set.saturatedAt = lowerBound;
      return set;
    }
    // Size the table for all keys first: re-inserting keys in another table's slot (hash) order while
    // growing piles them into long linear-probing runs (about 17× slower on 25k keys).
    let bits = 12;
    while (1 << bits < 2 * keys.length) bits++;
    set.slots = new Uint32Array(1 << bits).fill(EMPTY);
    set.shift = 32 - bits;
    for (const key of keys) set.add(key);
    return set;
  }

  private grow(): void {
    const old = this.slots!;
    const slots = new Uint32Array(old.length * 2).fill(EMPTY);
    const mask = slots.length - 1;
    this.shift--;
    for (const key of old) {
      if (key === EMPTY) continue;
      let index = Math.imul(key, 0x9e3779b1) >>> this.shift;
      while (slots[index] !== EMPTY) index = (index + 1) & mask;
      slots[index] = key;
    }
    this.slots = slots;
  }
}
