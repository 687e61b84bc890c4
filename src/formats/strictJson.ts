/**
 * JSON.parse silently keeps the last of duplicated keys; a header with two entries for one tensor
 * name is ambiguous (which offsets are real?), so headers are checked for duplicates at every object
 * level first. The scan assumes the text is valid JSON (call it after JSON.parse succeeded).
 */
export function findDuplicateKey(json: string): string | undefined {
  const stack: { keys: Set<string> | undefined; expectKey: boolean }[] = [];
  for (let i = 0; i < json.length; i++) {
    const ch = json.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      const start = i;
      i++;
      while (i < json.length && json.charCodeAt(i) !== 0x22) {
        if (json.charCodeAt(i) === 0x5c /* \ */) i++;
        i++;
      }
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        // Only a key with escapes needs decoding to compare (\u0061 is "a").
        const raw = json.slice(start + 1, i);
        const key = raw.includes("\\") ? (JSON.parse(json.slice(start, i + 1)) as string) : raw;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
    } else if (ch === 0x7b /* { */) {
      stack.push({ keys: new Set(), expectKey: true });
    } else if (ch === 0x5b /* [ */) {
      stack.push({ keys: undefined, expectKey: false });
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      stack.pop();
    } else if (ch === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
  return undefined;
}

/**
 * The number of keys of the top-level object of the UTF-8 JSON `bytes`, counted without decoding
 * or building anything (so a header can be refused for its size before JSON.parse spends ~20× its
 * bytes on it). The structural characters are ASCII, which UTF-8 never uses inside other characters.
 */
export function topLevelKeyCount(bytes: Uint8Array): number {
  let depth = 0;
  let keys = 0;
  for (let i = 0; i < bytes.length; i++) {
    const ch = bytes[i]!;
    if (ch === 0x22 /* " */) {
      i++;
      while (i < bytes.length && bytes[i] !== 0x22) {
        if (bytes[i] === 0x5c /* \ */) i++;
        i++;
      }
    } else if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      depth++;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      depth--;
    } else if (ch === 0x3a /* : */ && depth === 1) {
      keys++;
    }
  }
  return keys;
}

/** Parse JSON from untrusted input: syntax errors and duplicate keys become messages, not throws. */
export function parseStrictJson(text: string): { value: unknown } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `invalid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) return { error: `duplicate key ${JSON.stringify(duplicate)}` };
  return { value };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
