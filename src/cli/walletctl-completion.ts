/**
 * `walletctl completion bash|zsh`: shell completion scripts generated from the built command
 * tree, which itself comes from the method table, so a new method completes without an edit.
 */
import type { Command } from 'commander';

/** A subcommand as completion sees it: its names and flags. */
export interface CompletionCommand {
  names: string[];
  summary: string;
  flags: string[];
}

/** Flags of a command (kebab-case only: the camelCase twins would double every list). */
function flagsOf(cmd: Command): string[] {
  return cmd.options.map((o) => o.long).filter((l): l is string => l !== undefined && !/[A-Z]/.test(l));
}

/** The tree of a program: global flags, global flags that take a value, and subcommands. */
export function completionTree(program: Command): { globals: string[]; valued: string[]; commands: CompletionCommand[] } {
  const valued = program.options.filter((o) => o.required || o.optional).map((o) => o.long!).filter(Boolean);
  const commands: CompletionCommand[] = [];
  const walk = (cmd: Command, prefix: string[]) => {
    for (const sub of cmd.commands) {
      // A group (`token`) completes through its subcommands (`token create`).
      if (sub.commands.length > 0) walk(sub, [...prefix, sub.name()]);
      else commands.push({ names: [[...prefix, sub.name()].join(' '), ...sub.aliases()], summary: sub.description(), flags: flagsOf(sub) });
    }
  };
  walk(program, []);
  return { globals: [...flagsOf(program), '--version', '--help'], valued, commands };
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A bash completion script (`source <(walletctl completion bash)`). */
export function bashCompletion(program: Command): string {
  const { globals, valued, commands } = completionTree(program);
  const top = [...new Set(commands.map((c) => c.names[0]!.split(' ')[0]!).concat(commands.flatMap((c) => c.names.slice(1)), ['help']))];
  const cases = commands
    .filter((c) => !c.names[0]!.includes(' '))
    .map((c) => `    ${c.names.join('|')}) flags=${quote(c.flags.join(' '))} ;;`);
  return `# bash completion for walletctl, generated from the method table
_walletctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="" sub="" flags="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${valued.join('|')}) ((i++)) ;;
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd="\${COMP_WORDS[i]}"; elif [[ -z $sub ]]; then sub="\${COMP_WORDS[i]}"; fi ;;
    esac
  done
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W ${quote(globals.join(' '))} -- "$cur"))
    else COMPREPLY=($(compgen -W ${quote(top.join(' '))} -- "$cur")); fi
    return 0
  fi
  case "$cmd" in
${cases.join('\n')}
    token) if [[ -z $sub ]]; then COMPREPLY=($(compgen -W 'create list revoke' -- "$cur")); return 0; fi
      case "$sub" in
${commands.filter((c) => c.names[0]!.startsWith('token ')).map((c) => `        ${c.names[0]!.split(' ')[1]}) flags=${quote(c.flags.join(' '))} ;;`).join('\n')}
      esac ;;
    completion) COMPREPLY=($(compgen -W 'bash zsh' -- "$cur")); return 0 ;;
    help) COMPREPLY=($(compgen -W ${quote(top.join(' '))} -- "$cur")); return 0 ;;
  esac
  COMPREPLY=($(compgen -W "$flags --help" -- "$cur"))
}
complete -F _walletctl walletctl
`;
}

/** A zsh completion script (`source <(walletctl completion zsh)`, or saved as `_walletctl` on fpath). */
export function zshCompletion(program: Command): string {
  const { globals, valued, commands } = completionTree(program);
  const zq = (s: string) => s.replace(/[:\\]/g, '\\$&');
  const described = commands
    .filter((c) => !c.names[0]!.includes(' '))
    .map((c) => `    ${quote(`${c.names[0]}:${zq(c.summary.split('\n')[0] ?? '')}`)}`);
  const cases = commands
    .filter((c) => !c.names[0]!.includes(' ') && c.flags.length > 0)
    .map((c) => `    (${c.names.join('|')}) compadd -- ${c.flags.join(' ')} ;;`);
  return `#compdef walletctl
# zsh completion for walletctl, generated from the method table
_walletctl() {
  local -a cmds
  cmds=(
${described.join('\n')}
  )
  local i cmd=""
  for ((i = 2; i < CURRENT; i++)); do
    case \${words[i]} in
      (${valued.join('|')}) ((i++)) ;;
      (-*) ;;
      (*) cmd=\${words[i]}; break ;;
    esac
  done
  if [[ -z $cmd ]]; then
    if [[ \${words[CURRENT]} == -* ]]; then compadd -- ${globals.join(' ')}; else _describe 'command' cmds; fi
    return
  fi
  case $cmd in
${cases.join('\n')}
    (token) compadd -- create list revoke ;;
    (completion) compadd -- bash zsh ;;
  esac
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then _walletctl "$@"; else compdef _walletctl walletctl; fi
`;
}
