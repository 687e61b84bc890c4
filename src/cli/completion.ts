/**
 * `jaynes completion bash|zsh|fish`: a completion script for the shell, generated from the program's
 * own commands and options (so it never drifts from them): command names, every option of each
 * command, the values of options that have a fixed set (`--format`, …), folders for folder
 * options, files for everything else.
 */
import { type Command, InvalidArgumentError, type Option } from "commander";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

interface OptionInfo {
  long?: string;
  short?: string;
  description: string;
  /** Takes a value. */
  value: boolean;
  choices?: readonly string[];
  folder: boolean;
}

interface CommandInfo {
  name: string;
  description: string;
  options: OptionInfo[];
}

/** Options whose value is a folder (everything else that takes a path completes files). */
const FOLDER_OPTIONS = new Set(["--plot", "--out-dir", "--out", "--cache"]);

function optionInfo(option: Option): OptionInfo {
  return {
    ...(option.long ? { long: option.long } : {}),
    ...(option.short ? { short: option.short } : {}),
    description: option.description,
    value: option.required || option.optional,
    ...(option.argChoices ? { choices: option.argChoices } : {}),
    folder: option.long !== undefined && FOLDER_OPTIONS.has(option.long),
  };
}

function commandsOf(program: Command): CommandInfo[] {
  return program.commands.map((command) => ({
    name: command.name(),
    description: command.description(),
    options: [...command.options.filter((option) => !option.hidden).map(optionInfo), { long: "--help", short: "-h", description: "show help", value: false, folder: false }],
  }));
}

const single = (text: string): string => `'${text.replace(/'/g, "'\\''")}'`;
/** One line, no characters the shells treat specially inside the quotes each script uses. */
const plain = (text: string): string => text.replace(/[\r\n]+/g, " ").replace(/[[\]:'"`$\\]/g, "").slice(0, 100);

function bash(commands: CommandInfo[]): string {
  const cases = commands
    .map((command) => {
      const words = command.options.flatMap((option) => [option.long, option.short].filter(Boolean)).join(" ");
      const values = command.options
        .filter((option) => option.value)
        .map((option) => {
          const names = [option.long, option.short].filter(Boolean).join("|");
          const action = option.choices ? `COMPREPLY=($(compgen -W ${single(option.choices.join(" "))} -- "$cur"))` : option.folder ? `COMPREPLY=($(compgen -d -- "$cur"))` : `COMPREPLY=($(compgen -f -- "$cur"))`;
          return `        ${names}) ${action}; return ;;`;
        })
        .join("\n");
      const positional = command.name === "completion" ? `COMPREPLY=($(compgen -W ${single(SHELLS.join(" "))} -- "$cur"))` : `COMPREPLY=($(compgen -f -- "$cur"))`;
      return `    ${command.name})
      case "$prev" in
${values}
      esac
      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W ${single(words)} -- "$cur")); else ${positional}; fi
      ;;`;
    })
    .join("\n");
  return `# bash completion for jaynes. Install: jaynes completion bash > ~/.local/share/bash-completion/completions/jaynes
_jaynes() {
  local cur prev command i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  command=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ "\${COMP_WORDS[i]}" != -* ]]; then command="\${COMP_WORDS[i]}"; break; fi
  done
  if [[ -z "$command" ]]; then
    COMPREPLY=($(compgen -W ${single([...commands.map((command) => command.name), "help", "--help", "--version"].join(" "))} -- "$cur"))
    return
  fi
  case "$command" in
${cases}
  esac
}
complete -o filenames -F _jaynes jaynes
`;
}

function zsh(commands: CommandInfo[]): string {
  const spec = (option: OptionInfo): string[] => {
    const description = plain(option.description);
    const value = !option.value ? "" : option.choices ? `:value:(${option.choices.join(" ")})` : option.folder ? ":folder:_files -/" : ":file:_files";
    const names = [option.short, option.long].filter((name): name is string => name !== undefined);
    if (names.length === 2) return [`'(${names.join(" ")})'{${names.join(",")}}'[${description}]${value}'`];
    return names.map((name) => `'${name}[${description}]${value}'`);
  };
  const functions = commands
    .map((command) => {
      const positional = command.name === "completion" ? `'1:shell:(${SHELLS.join(" ")})'` : `'*:input:_files'`;
      return `_jaynes_${command.name.replace(/-/g, "_")}() {
  _arguments -s ${command.options.flatMap(spec).join(" \\\n    ")} \\
    ${positional}
}`;
    })
    .join("\n\n");
  const list = commands.map((command) => `    '${command.name}:${plain(command.description)}'`).join("\n");
  return `#compdef jaynes
# zsh completion for jaynes. Install: jaynes completion zsh > "\${fpath[1]}/_jaynes" (then restart zsh)
${functions}

_jaynes() {
  local -a commands
  commands=(
${list}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  local command="\${words[2]}"
  shift words
  (( CURRENT-- ))
  case "$command" in
${commands.map((command) => `    ${command.name}) _jaynes_${command.name.replace(/-/g, "_")} ;;`).join("\n")}
  esac
}

if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then _jaynes "$@"; else compdef _jaynes jaynes; fi
`;
}

function fish(commands: CommandInfo[]): string {
  const lines = ["# fish completion for jaynes. Install: jaynes completion fish > ~/.config/fish/completions/jaynes.fish", "complete -c jaynes -f"];
  const names = commands.map((command) => command.name).join(" ");
  for (const command of commands) lines.push(`complete -c jaynes -n "not __fish_seen_subcommand_from ${names}" -a ${command.name} -d ${single(plain(command.description))}`);
  for (const command of commands) {
    const when = `-n "__fish_seen_subcommand_from ${command.name}"`;
    if (command.name === "completion") lines.push(`complete -c jaynes ${when} -a ${single(SHELLS.join(" "))}`);
    else lines.push(`complete -c jaynes ${when} -F`);
    for (const option of command.options) {
      const flags = [option.long ? `-l ${option.long.slice(2)}` : "", option.short ? `-s ${option.short.slice(1)}` : ""].filter(Boolean).join(" ");
      const value = !option.value ? "" : option.choices ? ` -x -a ${single(option.choices.join(" "))}` : option.folder ? ` -x -a "(__fish_complete_directories)"` : " -r -F";
      lines.push(`complete -c jaynes ${when} ${flags}${value} -d ${single(plain(option.description))}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export function shellOption(value: string): Shell {
  if ((SHELLS as readonly string[]).includes(value)) return value as Shell;
  throw new InvalidArgumentError(`the shell must be one of: ${SHELLS.join(", ")}.`);
}

/** The completion script of `program` for `shell`. */
export function completionScript(program: Command, shell: Shell): string {
  const commands = commandsOf(program);
  return shell === "bash" ? bash(commands) : shell === "zsh" ? zsh(commands) : fish(commands);
}
