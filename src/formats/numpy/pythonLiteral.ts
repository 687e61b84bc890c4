/**
 * The subset of Python literal syntax an .npy header uses (numpy writes `repr` of a dict, read back
 * with `ast.literal_eval`): dicts, tuples, lists, quoted strings, integers (with a Python 2 `L`
 * suffix), True/False/None. Nothing is evaluated; nesting depth and input length are bounded by the
 * caller's header limit and MAX_DEPTH.
 */
export type PythonLiteral = string | number | boolean | null | PythonLiteral[] | { [key: string]: PythonLiteral };

const MAX_DEPTH = 32;

export class LiteralSyntaxError extends Error {}

export function parsePythonLiteral(text: string): PythonLiteral {
  let at = 0;
  const fail = (what: string): never => {
    throw new LiteralSyntaxError(`${what} at character ${at}`);
  };
  const skipSpace = (): void => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  const sequence = (close: string, item: () => void): void => {
    at++;
    for (;;) {
      skipSpace();
      if (text[at] === close) {
        at++;
        return;
      }
      item();
      skipSpace();
      if (text[at] === ",") at++;
      else if (text[at] !== close) fail(`expected ',' or '${close}'`);
    }
  };
  const value = (depth: number): PythonLiteral => {
    if (depth > MAX_DEPTH) fail("nesting too deep");
    skipSpace();
    const c = text[at];
    if (c === "{") {
      const object: { [key: string]: PythonLiteral } = Object.create(null) as { [key: string]: PythonLiteral };
      sequence("}", () => {
        const key = value(depth + 1);
        if (typeof key !== "string") fail("dict key is not a string");
        skipSpace();
        if (text[at] !== ":") fail("expected ':'");
        at++;
        if (Object.prototype.hasOwnProperty.call(object, key as string)) fail(`duplicate key ${JSON.stringify(key)}`);
        object[key as string] = value(depth + 1);
      });
      return object;
    }
    if (c === "(" || c === "[") {
      const items: PythonLiteral[] = [];
      sequence(c === "(" ? ")" : "]", () => items.push(value(depth + 1)));
      return items;
    }
    if (c === "'" || c === '"') {
      at++;
      let out = "";
      while (text[at] !== c) {
        if (at >= text.length) fail("unterminated string");
        if (text[at] === "\\") {
          const escaped = text[at + 1];
          if (escaped === undefined) fail("unterminated string");
          out += escaped === "n" ? "\n" : escaped === "t" ? "\t" : escaped;
          at += 2;
        } else {
          out += text[at++];
        }
      }
      at++;
      return out;
    }
    const word = /^(-?\d+)L?|^(True|False|None)\b/.exec(text.slice(at, at + 40));
    if (!word) return fail("unexpected input");
    at += word[0].length;
    if (word[2] === "True") return true;
    if (word[2] === "False") return false;
    if (word[2] === "None") return null;
    const number = Number(word[1]);
    if (!Number.isSafeInteger(number)) fail("integer out of range");
    return number;
  };
  const result = value(0);
  skipSpace();
  if (at !== text.length) fail("trailing input");
  return result;
}
