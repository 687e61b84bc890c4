/**
 * Plain aligned tables for the terminal: a header, a rule under it, one line per row — no borders,
 * no separators between rows — fitted into a width when one is given (the terminal's): first the
 * shrinkable column (tensor or model names, shortened so rows stay distinguishable) gives up room
 * down to a floor, then optional columns are left out in their `dropOrder`, and the caller is told
 * which (to say so under the table). Without a width (a pipe or a file) nothing is shortened.
 */
import { MIN_NAME_WIDTH, distinctShortNames } from "./shortNames.js";
import { terminalSafe } from "./terminalText.js";
import { displayWidth, padDisplay, wrapText } from "./textWidth.js";

export interface TextColumn {
  id: string;
  header: string;
  align: "left" | "right";
  /** Plain text, one per row. */
  cells: string[];
  /** The cells shortened to at most `width` columns (a names column: rows must stay distinct). */
  shrink?: (width: number) => string[];
  /** Narrowest width `shrink` is asked for before other columns are left out (default 16). */
  floor?: number;
  /** Columns that may be left out when the table does not fit, lowest first; absent: never. */
  dropOrder?: number;
  /** ANSI colour of the cells (with `color`). */
  color?: number;
}

export interface TextTableOptions {
  /** Columns available; undefined: no limit. */
  width?: number;
  color: boolean;
}

export interface RenderedTable {
  text: string;
  /** Headers of the columns left out to fit the width. */
  dropped: string[];
}

const GAP = 2;
/** Names keep at least this many columns before other columns are left out. */
const NAME_FLOOR = 16;

const paint = (enabled: boolean, code: number | undefined, text: string): string => (enabled && code !== undefined && text ? `\u001b[${code}m${text}\u001b[39m` : text);

function naturalWidth(column: TextColumn): number {
  return Math.max(displayWidth(column.header), ...column.cells.map(displayWidth));
}

export function renderTextTable(columns: readonly TextColumn[], options: TextTableOptions): RenderedTable {
  let shown = [...columns];
  const dropped: string[] = [];
  let gap = GAP;
  for (;;) {
    const widths = shown.map(naturalWidth);
    let over = widths.reduce((sum, w) => sum + w, 0) + gap * (shown.length - 1) - (options.width ?? Infinity);
    if (over <= 0) return { text: layout(shown, widths, gap, options), dropped };
    // Shrinkable columns (names first) give up room down to their floor.
    const targets = new Map<number, number>();
    shown.forEach((column, i) => {
      if (!column.shrink || over <= 0) return;
      const floor = Math.min(widths[i]!, Math.max(column.floor ?? NAME_FLOOR, displayWidth(column.header)));
      const give = Math.min(over, widths[i]! - floor);
      if (give > 0) {
        targets.set(i, widths[i]! - give);
        over -= give;
      }
    });
    if (over <= 0) return { text: layout(withShrunk(shown, targets), null, gap, options), dropped };
    const droppable = shown.filter((column) => column.dropOrder !== undefined).sort((a, b) => a.dropOrder! - b.dropOrder!);
    if (droppable.length > 0) {
      shown = shown.filter((column) => column !== droppable[0]);
      dropped.push(droppable[0]!.header);
      continue;
    }
    if (gap > 1) {
      gap = 1;
      continue;
    }
    // Nothing left to leave out: shrinkable columns as narrow as they may be.
    shown.forEach((column, i) => {
      if (column.shrink) targets.set(i, Math.max(MIN_NAME_WIDTH, displayWidth(column.header), (targets.get(i) ?? widths[i]!) - over));
    });
    return { text: layout(withShrunk(shown, targets), null, gap, options), dropped };
  }
}

function withShrunk(columns: readonly TextColumn[], targets: ReadonlyMap<number, number>): TextColumn[] {
  return columns.map((column, i) => (targets.has(i) ? { ...column, cells: column.shrink!(Math.max(targets.get(i)!, displayWidth(column.header))) } : column));
}

function layout(columns: readonly TextColumn[], known: number[] | null, gap: number, options: TextTableOptions): string {
  const widths = known ?? columns.map(naturalWidth);
  const space = " ".repeat(gap);
  const line = (cells: string[]): string => cells.join(space).replace(/\s+$/, "");
  const header = line(columns.map((column, i) => padDisplay(paint(options.color, 36, column.header), widths[i]!, column.align)));
  const rule = line(columns.map((_, i) => paint(options.color, 90, "─".repeat(widths[i]!))));
  const rows = columns[0]!.cells.map((_, row) => line(columns.map((column, i) => padDisplay(paint(options.color, column.color, column.cells[row]!), widths[i]!, column.align))));
  return [header, rule, ...rows].join("\n");
}

/** The line under a table that left columns out: which, and how to see them (`remedy`), wrapped to the width. */
export function droppedNote(table: RenderedTable, width: number | undefined, remedy: string): string[] {
  if (table.dropped.length === 0) return [];
  return [wrapText(`(left out to fit ${width} columns: ${table.dropped.join(", ")}; ${remedy})`, width)];
}

/**
 * A table from headers and rows of plain cells: the first column (names) shortens to distinct
 * names, the others are left out in the order of `dropOrder` (undefined: never) when the width asks.
 */
export function simpleTable(head: readonly { header: string; align?: "left" | "right"; dropOrder?: number; color?: number }[], rows: readonly string[][], options: TextTableOptions): RenderedTable {
  const columns = head.map((column, i): TextColumn => {
    // The names column is made safe for the terminal before it is shortened (names come from files).
    const cells = rows.map((row) => (i === 0 ? terminalSafe(row[i] ?? "") : (row[i] ?? "")));
    return {
      id: column.header,
      header: column.header,
      align: column.align ?? (i === 0 ? "left" : "right"),
      cells,
      ...(i === 0 ? { shrink: (width: number) => distinctShortNames(cells, width) } : {}),
      ...(column.dropOrder !== undefined ? { dropOrder: column.dropOrder } : {}),
      ...(column.color !== undefined ? { color: column.color } : {}),
    };
  });
  return renderTextTable(columns, options);
}
