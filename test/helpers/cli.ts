/** Run the real CLI (compiled output, as users run it) and capture what it printed. */
import { spawnSync } from "node:child_process";

export const BIN = new URL("../../bin/jaynes.js", import.meta.url).pathname;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Every error line is one line, names the file, and carries no stack trace. */
export function expectCleanError(run: CliRun): string[] {
  const lines = run.stderr.split("\n").filter((line) => line.trim());
  for (const line of lines) {
    if (/^\s+at\s/.test(line) || /Error:\s*$/.test(line) || line.includes("node:internal")) throw new Error(`stack trace in stderr: ${run.stderr}`);
  }
  return lines;
}
