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
    const width = 30;
    const fraction = this.total > 0 ? Math.min(1, this.done / this.total) : 0;
    const filled = Math.round(fraction * width);
    const seconds = Math.max((now - this.started) / 1000, 1e-3);
    const rate = `${this.format(this.done / seconds)}${this.rateUnit}`;
    const columns = this.stream.columns ?? 100;
    const label = this.label.length > 30 ? `…${this.label.slice(-29)}` : this.label;
    const line = `${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${this.format(this.done)}/${this.format(this.total)} ${rate}`;
    this.stream.write(`\r\u001b[2K${line.slice(0, columns - 1)}`);
    this.visible = true;
  }
}
