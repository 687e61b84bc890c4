/** Run the real CLI (compiled output, as users run it) and capture what it printed. */
import { spawn, spawnSync } from "node:child_process";

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

/** Like runCli, without blocking the event loop: for tests whose server runs in the test process. */
export function runCliAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
