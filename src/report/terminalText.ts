/**
 * Names from a file (tensor names, paths, a server's words) printed to a terminal are shown, never
 * obeyed: control characters (C0, DEL, C1 — ESC starts the sequences that move the cursor, recolour
 * or retitle the terminal), line and paragraph separators, and the bidirectional overrides that make
 * text display in another order than it reads are written as escapes (`\x1b`, `\u202e`). Machine
 * formats (JSON, JSONL, CSV) keep names exact; this is for tables and messages only.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (character) => {
    const code = character.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
