/**
 * Tensor names shortened to fit a column while staying distinguishable: a name that fits is shown
 * whole; a longer one first loses the path components every name shares, most widely shared first
 * ("model.encoder.layers.12.self_attention.key_proj.weight" → "…12…key_proj.weight",
 * "model_1/model/conv2d_11/Conv2D" → "…conv2d_11/Conv2D"); if still too long it keeps its end
 * ("…/conv2d_25/Conv2D"), where names of one model usually differ
 * (the layer, its index, weight or bias). Where ends coincide, the name keeps its start as well
 * ("model_1/…/Conv2D"), or a window around the first character in which it differs from the names
 * it collides with; as a last resort a number. No two different names ever get the same string
 * (equal names — which a model never has — get equal strings).
 */
import { displayWidth, fitEnd, fitStart } from "./textWidth.js";

const ELLIPSIS = "…";

/** The shortest width a shortened name may have: an ellipsis and a few characters. */
export const MIN_NAME_WIDTH = 6;

/** Candidate short forms of `name` in `width` columns, most readable first; only the last is guaranteed distinct. */
function* candidates(name: string, width: number, others: readonly string[]): Generator<string> {
  yield `${ELLIPSIS}${fitEnd(name, width - 1)}`;
  // Start and end: grow the start until it differs from the names sharing this end.
  for (let head = 1; head <= width - 3; head++) {
    const start = fitStart(name, head);
    yield `${start}${ELLIPSIS}${fitEnd(name, width - 1 - displayWidth(start))}`;
  }
  // A window around the first character where this name differs from each name it collides with.
  for (const other of others) {
    let at = 0;
    while (at < name.length && name[at] === other[at]) at++;
    const from = Math.max(0, at - Math.floor((width - 2) / 2));
    yield `${ELLIPSIS}${fitStart(name.slice(from), width - 2)}${ELLIPSIS}`;
  }
}

/** A name's path components and the separator before each ("" for the first). */
function components(name: string): { separator: string; token: string }[] {
  return [...name.matchAll(/([./:;]*)([^./:;]+|$)/g)].filter((match) => match[0] !== "").map((match) => ({ separator: match[1]!, token: match[2]! }));
}

/** The components left in `kept`, each run of dropped ones shown as one ellipsis. */
function joinKept(parts: readonly { separator: string; token: string }[], kept: readonly boolean[]): string {
  let out = "";
  let previousKept = true;
  parts.forEach((part, i) => {
    if (!kept[i]) {
      if (previousKept) out += ELLIPSIS;
      previousKept = false;
      return;
    }
    out += (previousKept && i > 0 ? part.separator : "") + part.token;
    previousKept = true;
  });
  return out;
}

/**
 * `name` without the components most names share, dropped one at a time — the most widely shared
 * first, leftmost first among equals — until it fits `width`; undefined when it cannot.
 */
function withoutSharedParts(name: string, width: number, shared: ReadonlyMap<string, number>): string | undefined {
  const parts = components(name);
  const kept = parts.map(() => true);
  const order = parts
    .map((part, i) => ({ i, share: shared.get(part.token) ?? 0 }))
    .filter(({ share }) => share > 1)
    .sort((a, b) => b.share - a.share || a.i - b.i);
  for (const { i } of order) {
    kept[i] = false;
    const text = joinKept(parts, kept);
    if (displayWidth(text) <= width) return text;
  }
  return undefined;
}

/** In how many names each path component occurs. */
function componentShares(names: readonly string[]): Map<string, number> {
  const shares = new Map<string, number>();
  for (const name of new Set(names)) for (const token of new Set(components(name).map((part) => part.token))) shares.set(token, (shares.get(token) ?? 0) + 1);
  return shares;
}

/** `names` shortened to at most `width` columns each, pairwise distinct where the names are. */
export function distinctShortNames(names: readonly string[], width: number): string[] {
  const room = Math.max(width, MIN_NAME_WIDTH);
  const shares = componentShares(names);
  const shown = names.map((name) => (displayWidth(name) <= room ? name : (withoutSharedParts(name, room, shares) ?? `${ELLIPSIS}${fitEnd(name, room - 1)}`)));
  const generators = new Map<number, Generator<string>>();
  for (let round = 0; round < 4 * room + names.length; round++) {
    const byText = new Map<string, number[]>();
    shown.forEach((text, index) => byText.set(text, [...(byText.get(text) ?? []), index]));
    const colliding = [...byText.values()].filter((indices) => new Set(indices.map((index) => names[index])).size > 1);
    if (colliding.length === 0) return shown;
    for (const indices of colliding) {
      for (const index of indices) {
        const name = names[index]!;
        if (displayWidth(name) <= room) continue; // shown whole: the others must move
        let generator = generators.get(index);
        if (!generator) {
          generator = candidates(name, room, indices.map((other) => names[other]!).filter((other) => other !== name));
          generators.set(index, generator);
        }
        const next = generator.next();
        shown[index] = next.done ? numbered(name, room, index) : next.value;
      }
    }
  }
  // Whatever is still colliding gets a number (distinct by construction: indices differ).
  const count = new Map<string, number>();
  for (const text of shown) count.set(text, (count.get(text) ?? 0) + 1);
  return shown.map((text, index) => (count.get(text)! > 1 && displayWidth(names[index]!) > room ? numbered(names[index]!, room, index) : text));
}

/** "…end~12": the end of the name and a number no other name gets. */
function numbered(name: string, width: number, index: number): string {
  const tag = `~${index + 1}`;
  return `${ELLIPSIS}${fitEnd(name, Math.max(0, width - 1 - tag.length))}${tag}`;
}
