/** What `--plot` and `--html` tell the user on stderr as they are written. */
import type { FigureWrite } from "../run/fit.js";
import { count } from "../report/numbers.js";
import type { CommandLog } from "./terminal.js";

/** One line per model folder and per report (--quiet: none); --verbose also lists every file. */
export function logFigureWrite(write: FigureWrite, log: CommandLog): void {
  if (write.kind === "html") {
    log.info(`wrote ${write.path} (${count(write.models, "model")})`);
    return;
  }
  log.info(`wrote ${count(write.figures, "model figure")} and ${count(write.layers, "layer figure")} (SVG + Vega-Lite) to ${write.folder}/ for ${write.model}`);
  for (const file of write.files) log.detail(`wrote ${file}`);
}
