/** Run the real CLI (compiled output, as users run it) and capture what it printed. */
import { spawn, spawnSync } from "node:child_process";
import { expect } from "vitest";

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

/** Start the CLI, send it `signal` after `afterMs`; its exit code, stderr and how long it took to go after the signal. */
export async function runCliSignalled(args: string[], afterMs: number, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; exitMs: number }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  child.stdout.resume();
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  const signalled = Date.now();
  child.kill(signal);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, stderr, exitMs: Date.now() - signalled };
}

/**
 * A batch where `bad` failed with `code` and `good` was analysed: exit 2, one clean error line naming
 * `bad`, the JSON document listing `good` alone.
 */
export function expectOneFailureBeside(run: CliRun, bad: string, good: string, code: string): void {
  expect(run.code, run.stderr).toBe(2);
  expect(expectCleanError(run)).toEqual([expect.stringContaining(bad)]);
  const report = JSON.parse(run.stdout) as { models: { model: string }[]; failures: { model: string; code: string }[] };
  expect(report.models.map((model) => model.model)).toEqual([good]);
  expect(report.failures).toMatchObject([{ model: bad, code }]);
}
