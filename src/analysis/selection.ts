/**
 * Tensor selection by `--include`/`--exclude` (picomatch globs on tensor names, `dot: true`), and
 * what to say when it selects nothing. A filter that selects no tensor in any input is a mistake —
 * most often `*`, which stops at `/`, where a name holds `/` — and a CI gate over nothing would pass
 * vacuously, so the commands refuse it (a usage error) with a hint: what `*` and `**` do, a pattern
 * that would match, and the tensor names nearest to the pattern.
 */
import picomatch from "picomatch";
import type { AnalysisSettings } from "./settings.js";

/** The selector of the settings: included (all when no --include) and not excluded. */
export function tensorSelector(settings: Pick<AnalysisSettings, "include" | "exclude">): (name: string) => boolean {
  const include = settings.include.length > 0 ? picomatch(settings.include, { dot: true }) : () => true;
  const exclude = settings.exclude.length > 0 ? picomatch(settings.exclude, { dot: true }) : () => false;
  return (name) => include(name) && !exclude(name);
}

/** What a selection did over the tensor names of every input. */
export interface SelectionOutcome {
  /** Tensors selected, over all inputs. */
  selected: number;
  /** Tensors looked at, over all inputs. */
  tensors: number;
  /** Patterns that match no tensor name of any input. */
  unmatched: { option: "--include" | "--exclude"; pattern: string }[];
}

export function selectionOutcome(names: readonly string[], settings: Pick<AnalysisSettings, "include" | "exclude">): SelectionOutcome {
  const selected = tensorSelector(settings);
  const unmatched: SelectionOutcome["unmatched"] = [];
  for (const [option, patterns] of [["--include", settings.include], ["--exclude", settings.exclude]] as const) {
    for (const pattern of patterns) {
      const matches = picomatch(pattern, { dot: true });
      if (!names.some((name) => matches(name))) unmatched.push({ option, pattern });
    }
  }
  return { selected: names.filter(selected).length, tensors: names.length, unmatched };
}

/** Matching as if `/` were an ordinary character: does the pattern mean names it misses only because of `/`? */
function matchesAcrossSlashes(pattern: string, name: string): boolean {
  const slash = "\u2215";
  return picomatch.isMatch(name.replaceAll("/", slash), pattern.replaceAll("/", slash).replace(/\*\*+/g, "*"), { dot: true });
}

/** A glob that selects, across `/`, what `pattern` meant (or undefined). */
function slashAwarePattern(pattern: string, names: readonly string[]): { pattern: string; count: number } | undefined {
  if (pattern.includes("/")) return undefined;
  const segment = pattern.replace(/\*\*+/g, "*");
  const wanted = names.filter((name) => matchesAcrossSlashes(pattern, name));
  if (wanted.length === 0) return undefined;
  const candidates = [`**/${segment}/**`, `**/${segment}`, `${segment}/**`, `{**/,}${segment}{/**,}`];
  let best: { pattern: string; count: number } | undefined;
  for (const candidate of candidates) {
    const matches = picomatch(candidate, { dot: true });
    const count = names.filter((name) => matches(name)).length;
    if (count > (best?.count ?? 0)) best = { pattern: candidate, count };
  }
  return best;
}

/** Edit distance between `needle` and its best-matching substring of `text` (approximate substring search). */
function substringDistance(needle: string, text: string): number {
  if (needle.length === 0) return 0;
  let previous = new Array<number>(text.length + 1).fill(0);
  for (let i = 1; i <= needle.length; i++) {
    const current = [i];
    for (let j = 1; j <= text.length; j++) {
      const cost = needle[i - 1] === text[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j - 1]! + cost, previous[j]! + 1, current[j - 1]! + 1);
    }
    previous = current;
  }
  return Math.min(...previous);
}

/** Names looked at when searching for the nearest ones (enough for any model's tensor list). */
const NEAREST_SCAN_LIMIT = 100_000;

/** The `count` names nearest to the literal part of `pattern`, closest first (ties: shorter, then by name). */
export function nearestNames(pattern: string, names: readonly string[], count = 3): string[] {
  const needle = pattern.replace(/[*?[\]{}!()+@]/g, "").replace(/^[./]+|[./]+$/g, "").toLowerCase();
  const distinct = [...new Set(names.slice(0, NEAREST_SCAN_LIMIT))];
  const scored = distinct.map((name) => ({ name, distance: substringDistance(needle, name.toLowerCase()) }));
  scored.sort((a, b) => a.distance - b.distance || a.name.length - b.name.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, count).map((entry) => entry.name);
}

/**
 * The lines that explain an empty selection: the rule for `*` and `**`, a pattern that would select
 * what a slash kept out, and the nearest names to the first --include pattern.
 */
export function emptySelectionHints(settings: Pick<AnalysisSettings, "include" | "exclude">, names: readonly string[]): string[] {
  const hints: string[] = [];
  const slashes = names.some((name) => name.includes("/"));
  for (const pattern of settings.include) {
    const rewrite = slashes ? slashAwarePattern(pattern, names) : undefined;
    if (rewrite) hints.push(`'*' stops at '/' and '**' crosses '/' only as a whole path segment (a/**/b); --include '${rewrite.pattern}' selects ${rewrite.count} of these tensors`);
  }
  if (hints.length === 0) hints.push(`globs match whole names: '*' stops at '/', '**' crosses '/' only as a whole path segment (a/**/b), '.' is an ordinary character (e.g. 'h.0.*', '**/conv*/**')`);
  const first = settings.include[0] ?? settings.exclude[0];
  if (first !== undefined && names.length > 0) hints.push(`nearest tensor names: ${nearestNames(first, names).map((name) => JSON.stringify(name)).join(", ")}`);
  return hints;
}

/** "--include 'a' --exclude 'b'": the selection as typed. */
export function selectionText(settings: Pick<AnalysisSettings, "include" | "exclude">): string {
  return [...settings.include.map((pattern) => `--include '${pattern}'`), ...settings.exclude.map((pattern) => `--exclude '${pattern}'`)].join(" ");
}
