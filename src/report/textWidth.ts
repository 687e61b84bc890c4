/**
 * How many terminal columns text takes: ANSI colour sequences take none, combining marks none,
 * East Asian wide and fullwidth characters (and emoji) two, everything else one — the rules of
 * Unicode's East Asian Width property in the ranges terminals render wide. Tables align and fit the
 * terminal by this width, not by string length.
 */

const ANSI = /\u001b\[[0-9;]*m/g;

function isZeroWidth(code: number): boolean {
  return (
    (code >= 0x0300 && code <= 0x036f) || // combining diacritics
    (code >= 0x200b && code <= 0x200f) || // zero-width space, joiners, direction marks
    (code >= 0xfe00 && code <= 0xfe0f) || // variation selectors
    (code >= 0x1ab0 && code <= 0x1aff) ||
    (code >= 0x20d0 && code <= 0x20ff) ||
    code < 0x20 ||
    (code >= 0x7f && code < 0xa0)
  );
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

function charWidth(char: string): number {
  const code = char.codePointAt(0)!;
  return isZeroWidth(code) ? 0 : isWide(code) ? 2 : 1;
}

export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

export function displayWidth(text: string): number {
  let width = 0;
  for (const char of stripAnsi(text)) width += charWidth(char);
  return width;
}

/** The longest start of `text` (no ANSI) that fits in `width` columns. */
export function fitStart(text: string, width: number): string {
  let used = 0;
  let out = "";
  for (const char of text) {
    const w = charWidth(char);
    if (used + w > width) break;
    used += w;
    out += char;
  }
  return out;
}

/** The longest end of `text` (no ANSI) that fits in `width` columns. */
export function fitEnd(text: string, width: number): string {
  const chars = [...text];
  let used = 0;
  let start = chars.length;
  while (start > 0 && used + charWidth(chars[start - 1]!) <= width) used += charWidth(chars[--start]!);
  return chars.slice(start).join("");
}

export function padDisplay(text: string, width: number, align: "left" | "right"): string {
  const pad = " ".repeat(Math.max(0, width - displayWidth(text)));
  return align === "left" ? text + pad : pad + text;
}

/**
 * `text` in lines of at most `width` columns, broken between words; continuation lines start with
 * `indent`; a word longer than a line is cut into pieces. Each line of a multi-line text separately.
 */
export function wrapText(text: string, width: number | undefined, indent = "  "): string {
  if (width === undefined) return text;
  return text.split("\n").map((paragraph) => wrapLine(paragraph, Math.max(width, indent.length + 8), indent)).join("\n");
}

function wrapLine(text: string, width: number, indent: string): string {
  if (displayWidth(text) <= width) return text;
  const out: string[] = [];
  let current = "";
  let prefix = "";
  const flush = (): void => {
    out.push(prefix + current);
    prefix = indent;
    current = "";
  };
  for (let word of text.split(" ")) {
    for (;;) {
      const capacity = width - displayWidth(prefix);
      const separator = current === "" ? 0 : 1;
      if (displayWidth(current) + separator + displayWidth(word) <= capacity) {
        current = current === "" ? word : `${current} ${word}`;
        break;
      }
      if (current !== "") {
        flush();
        continue;
      }
      // A word longer than a whole line is cut (colour codes of such a word are dropped).
      const piece = fitStart(stripAnsi(word), capacity);
      current = piece;
      flush();
      word = stripAnsi(word).slice(piece.length);
      if (word === "") break;
    }
  }
  if (current !== "") out.push(prefix + current);
  return out.join("\n");
}
