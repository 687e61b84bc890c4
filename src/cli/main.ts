/**
 * The CLI entry: builds the commander program from one module per command and maps errors to the
 * documented exit codes. Every error is printed as `jaynes: error: …` (commander's own parse errors
 * too) — one line, no stack trace; a usage error may add `jaynes: hint: …` lines; anything else is a
 * bug and says so (set JAYNES_DEBUG=1 for the stack).
 */
import { existsSync, unlinkSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { ExitCode, InputError, OutputError, ThresholdError, UsageError } from "../errors.js";
import { removePendingTemporaries } from "../io/atomicWrite.js";
import { completeHubDownloads } from "../io/hub/index.js";
import { METHOD, METHOD_CITATION, VERSION } from "../version.js";
import { activationsCommand } from "./activations.js";
import { compareCommand } from "./compare.js";
import { completionScript, type Shell, shellOption } from "./completion.js";
import { dynamicsCommand } from "./dynamics.js";
import { fitCommand } from "./fit.js";
import { initCommand } from "./init.js";
import { mergeCommand } from "./merge.js";
import { scanCommand } from "./scan.js";
import { logLine } from "./terminal.js";

/** Where this installation's copy of the method document is, when it is there (not in a bundle). */
function methodDocumentHint(): string {
  try {
    const path = fileURLToPath(new URL(`../../${METHOD.document}`, import.meta.url));
    return existsSync(path) ? ` (here: ${path})` : "";
  } catch {
    return "";
  }
}

export function buildProgram(): Command {
  const program = new Command("jaynes")
    .description("Weight-microstructure analyzer: per-layer lognormal fits of |w| (and of neuron outputs) for trained neural networks.")
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      `
Examples:
  $ jaynes fit model.safetensors
  $ jaynes fit model.safetensors.index.json --format csv -o layers.csv
  $ jaynes compare ckpt_epoch00.safetensors ckpt_epoch10.safetensors
  $ jaynes dynamics ./checkpoints/ --plot figures/
  $ jaynes activations model.onnx --input samples.npy
  $ jaynes scan ./checkpoints/ --out-dir scan/ --fail-under-r2 0.9
  $ jaynes init --like model.safetensors -o lognormal-init.safetensors --seed 1
  $ source <(jaynes completion bash)

Every command takes --format (table, csv, json, …; --json is --format json), -o FILE (a file),
-v/--verbose and -q/--quiet; see README "Options of every command".
Exit codes: 0 ok, 1 usage error, 2 invalid or unreadable input (or one not analysed within
--timeout), 3 a CI threshold failed, 70 internal error (a bug: please report it), 73 an output could
not be written, 130/143 interrupted.
Tables go to stdout (fitted to the terminal's width, or $COLUMNS); progress and logs to stderr.
NO_COLOR disables colour.

Method: every number, rule, flag and default is specified in ${METHOD_CITATION}, which ships
with jaynes${methodDocumentHint()}; every JSON output records it as "method".`,
    );
  program.addCommand(fitCommand());
  program.addCommand(compareCommand());
  program.addCommand(dynamicsCommand());
  program.addCommand(activationsCommand());
  program.addCommand(scanCommand());
  program.addCommand(initCommand());
  program.addCommand(mergeCommand());
  program.addCommand(
    new Command("completion")
      .description("print a shell completion script (bash, zsh or fish)")
      .argument("<shell>", "bash, zsh or fish", shellOption)
      .addHelpText(
        "after",
        `
Examples:
  $ source <(jaynes completion bash)                                   # this shell only
  $ jaynes completion bash > ~/.local/share/bash-completion/completions/jaynes
  $ jaynes completion zsh > "\${fpath[1]}/_jaynes"
  $ jaynes completion fish > ~/.config/fish/completions/jaynes.fish`,
      )
      .action((shell: Shell) => {
        process.stdout.write(completionScript(program, shell));
      }),
  );
  // One error prefix for every command: commander's own messages start with "error: ".
  const output = { outputError: (text: string, write: (text: string) => void) => write(`jaynes: ${text}`) };
  program.exitOverride().configureOutput(output);
  for (const command of program.commands) command.exitOverride().configureOutput(output).showHelpAfterError("(run with --help for usage)");
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const onSignal = (signal: NodeJS.Signals): void => {
    removePendingTemporaries(unlinkSync);
    process.stderr.write(`\njaynes: interrupted (${signal})\n`);
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") {
      removePendingTemporaries(unlinkSync);
      process.exit(process.exitCode ?? 0);
    }
  });
  // Logs to a closed stderr (`2>&1 | head`) are lost, but must not kill a run half-way through a write.
  process.stderr.on("error", () => undefined);

  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.ok;
  } catch (error) {
    return exitCodeFor(error);
  } finally {
    // Files of hf:// models that were downloaded almost whole become blobs of the Hugging Face cache.
    await completeHubDownloads().catch(() => undefined);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version exit 0; every parse error (unknown option, bad value) is a usage error.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof UsageError) {
    logLine(`jaynes: error: ${error.message}`);
    for (const hint of error.hints) logLine(`jaynes: hint: ${hint}`);
    return ExitCode.usage;
  }
  if (error instanceof InputError) {
    logLine(`jaynes: error: ${error.message}`);
    return ExitCode.input;
  }
  if (error instanceof OutputError) {
    logLine(`jaynes: error: ${error.message}`);
    return ExitCode.output;
  }
  if (error instanceof ThresholdError) {
    logLine(`jaynes: error: ${error.message}`);
    return ExitCode.threshold;
  }
  const message = error instanceof Error ? error.message : String(error);
  logLine(`jaynes: error: internal error: ${message.split("\n")[0]}`);
  if (process.env.JAYNES_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write("(this is a bug; rerun with JAYNES_DEBUG=1 for details and report it)\n");
  return ExitCode.internal;
}
