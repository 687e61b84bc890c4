/**
 * How tables meet the terminal: the width they fit into and, for `fit`, which columns. The width is
 * `$COLUMNS` when set (also through a pipe: `COLUMNS=80 jaynes fit … | less`), else the terminal's
 * when stdout is one; otherwise — a pipe, a file, `-o` — there is no limit and every name is whole.
 */
import { type Command, InvalidArgumentError } from "commander";
import { COMPACT_COLUMNS, LAYER_COLUMNS_TABLE, WIDE_COLUMNS } from "../report/layerColumns.js";
import type { RenderContext } from "../report/registry.js";
import { colorEnabled } from "./terminal.js";

export interface TableCliOptions {
  wide: boolean;
  columns?: string[];
}

/** `--columns a,b,c`: ids of layerColumns.ts, in the order given. */
function columnList(value: string): string[] {
  const ids = value.split(",").map((id) => id.trim()).filter(Boolean);
  const known = LAYER_COLUMNS_TABLE.map((column) => column.id);
  const unknown = ids.filter((id) => !known.includes(id));
  if (ids.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`--columns takes a comma-separated list of: ${known.join(", ")}${unknown.length ? ` (unknown: ${unknown.join(", ")})` : ""}.`);
  return ids;
}

export function addTableOptions(command: Command): Command {
  return command
    .option("--wide", `table: the wide column set (${WIDE_COLUMNS.join(", ")}) instead of the compact one (${COMPACT_COLUMNS.join(", ")}; dtype only when a layer was quantised, columns empty for every layer left out)`, false)
    .option("--columns <list>", "table: these columns, in this order (comma-separated JSON field names; see README)", columnList);
}

/** Columns of the terminal the tables fit into, or undefined for no limit. */
export function terminalWidth(output: string | undefined, env: NodeJS.ProcessEnv = process.env, stdout: NodeJS.WriteStream = process.stdout): number | undefined {
  if (output !== undefined) return undefined;
  const fromEnv = Number(env.COLUMNS);
  if (env.COLUMNS !== undefined && Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return stdout.isTTY && stdout.columns > 0 ? stdout.columns : undefined;
}

/** The render context of a command's table output: colour, width, and `fit`'s columns. */
export function tableContext(options: Partial<TableCliOptions> & { verbose?: boolean }, output: string | undefined): RenderContext {
  const width = terminalWidth(output);
  const columns = options.columns ?? (options.wide ? WIDE_COLUMNS : undefined);
  return { color: output === undefined && colorEnabled(process.stdout), verbose: options.verbose ?? false, ...(width !== undefined ? { width } : {}), ...(columns ? { columns } : {}) };
}
