/**
 * A byte progress bar on stderr, redrawn at most 10 times a second, only when stderr is a TTY (the
 * caller decides) and the work is large enough to be worth watching.
 */
import { bytes as formatBytes } from "../report/numbers.js";
import { terminalSafe } from "../report/terminalText.js";

export const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

export class ProgressBar {
  private done = 0;
  private total = 0;
  private label = "";
  private lastDraw = 0;
  private started = Date.now();
  private visible = false;

  /** `format` writes amounts (bytes by default; e.g. samples for a model run). */
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly format: (amount: number) => string = formatBytes,
    private readonly rateUnit = "/s",
  ) {}

  start(label: string, total: number): void {
    this.label = terminalSafe(label);
    this.total = total;
    this.done = 0;
    this.started = Date.now();
    this.draw(true);
  }

  advance(bytes: number): void {
    this.done += bytes;
    this.draw(false);
  }

  clear(): void {
    if (this.visible) this.stream.write("\r\u001b[2K");
    this.visible = false;
  }

  private draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const columns = this.stream.columns ?? 100;
    this.stream.write(`\r\u001b[2K${progressLine(this.label, this.done, this.total, (now - this.started) / 1000, columns - 1, { format: this.format, rateUnit: this.rateUnit })}`);
    this.visible = true;
  }
}

/** "1:05", "1:02:05": a duration in whole seconds. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}` : `${m}:${String(r).padStart(2, "0")}`;
}

/**
 * One progress line in `width` columns: the label (the input path), a bar, the percentage, the
 * amount done of the total (bytes unless `units` says otherwise), the rate and the time left. When room is short the path gives way first (its
 * end, the file name, is kept), then the bar narrows; the numbers are never cut.
 */
export function progressLine(label: string, done: number, total: number, seconds: number, width: number, units: { format: (amount: number) => string; rateUnit: string } = { format: formatBytes, rateUnit: "/s" }): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const rate = done / Math.max(seconds, 1e-3);
  const eta = seconds >= 1 && done > 0 && total > done ? ` ETA ${clock((total - done) / rate)}` : "";
  const numbers = ` ${(fraction * 100).toFixed(0).padStart(3)}% ${units.format(done)}/${units.format(total)} ${units.format(rate)}${units.rateUnit}${eta}`;
  let bar = 30;
  let room = width - numbers.length - (bar + 2) - 1;
  if (room < 16) {
    bar = Math.max(10, bar - (16 - room));
    room = width - numbers.length - (bar + 2) - 1;
  }
  const shown = room <= 1 ? "" : label.length <= room ? label : `…${label.slice(label.length - (room - 1))}`;
  const filled = Math.round(fraction * bar);
  return `${shown}${shown ? " " : ""}[${"#".repeat(filled)}${" ".repeat(bar - filled)}]${numbers}`;
}
