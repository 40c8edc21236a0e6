import { GLOBAL_OPTIONS, type Command, type OptionDef } from './command.js';

/** The options that name a store: completion offers the config file's targets, then paths. */
const TARGET_OPTIONS = new Set(['store', 'to', 'from']);

/** Flags of a command as offered: `--to`, `-s`, … (not hidden synonyms, whose values still complete). */
function flagsOf(options: Record<string, OptionDef>): string[] {
  return Object.entries(options)
    .filter(([, def]) => !def.hidden)
    .flatMap(([name, def]) => [`--${name}`, ...(def.short ? [`-${def.short}`] : [])]);
}

function allOptions(command: Command): Record<string, OptionDef> {
  return { ...command.options, ...GLOBAL_OPTIONS, help: { type: 'boolean', short: 'h', description: 'print this help' } };
}

/**
 * A bash completion script, made from the commands themselves so it never drifts from them:
 * commands, each command's options, the values of options that have a fixed set, the config
 * file's targets after `--to`/`--from`/`--store`, and paths elsewhere.
 */
export function bashCompletion(commands: readonly Command[]): string {
  const valueCases: string[] = [];
  const targetFlags = new Set<string>();
  const valueFlags = new Set<string>();
  for (const command of commands) {
    for (const [name, def] of Object.entries(allOptions(command))) {
      if (def.type !== 'string') continue;
      const flags = [`--${name}`, ...(def.short ? [`-${def.short}`] : [])];
      if (TARGET_OPTIONS.has(name)) for (const f of flags) targetFlags.add(f);
      else if (def.choices)
        valueCases.push(`    ${flags.join('|')}) COMPREPLY=($(compgen -W "${def.choices.join(' ')}" -- "$cur")); return ;;`);
      else if (name !== 'config') for (const f of flags) valueFlags.add(f);
    }
  }
  const perCommand = commands.map((c) => `    ${c.name}) opts="${flagsOf(allOptions(c)).join(' ')}" ;;`);
  return `# volback completion for bash. Load it with:  source <(volback completion bash)
# or install it:  volback completion bash > /etc/bash_completion.d/volback
_volback() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" opts=""
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(' ')} help --help --version" -- "$cur"))
    return
  fi
  case "$prev" in
    ${[...targetFlags].join('|')})
      COMPREPLY=($(compgen -W "$(volback targets --quiet 2>/dev/null)" -- "$cur") $(compgen -d -- "$cur"))
      return ;;
${[...new Set(valueCases)].join('\n')}
    --config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    ${[...valueFlags].join('|')}) return ;;
  esac
  case "\${COMP_WORDS[1]}" in
${perCommand.join('\n')}
    help) COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(' ')}" -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -o filenames -F _volback volback
`;
}

/** Text safe inside a zsh `_arguments` spec's `[…]` and single quotes. */
function zshText(text: string): string {
  return text
    .replace(/[[\]]/g, (c) => (c === '[' ? '(' : ')'))
    .replace(/:/g, '\\:')
    .replace(/'/g, "'\\''");
}

/** One `_arguments` spec per option, with what completes its value. */
function zshOptionSpecs(command: Command): string[] {
  const offered = Object.entries(allOptions(command)).filter(([, def]) => !def.hidden);
  return offered.flatMap(([name, def]) => {
    const what = zshText(def.description);
    const value =
      def.type !== 'string'
        ? ''
        : TARGET_OPTIONS.has(name)
          ? ':target:_volback_targets'
          : def.choices
            ? `:${name}:(${def.choices.join(' ')})`
            : name === 'config'
              ? ':file:_files'
              : `:${name}: `;
    return [`--${name}`, ...(def.short ? [`-${def.short}`] : [])].map((flag) => `'${flag}[${what}]${value}'`);
  });
}

/** A zsh completion script: `compdef`'d when sourced, or an autoloaded `_volback` from `$fpath`. */
export function zshCompletion(commands: readonly Command[]): string {
  const described = commands.map((c) => `    '${c.name}:${zshText(c.summary)}'`).join('\n');
  const cases = commands.map((c) => {
    const args = c.arguments.map((a) => `'${a.optional ? ':' : ''}:${a.name}:_files'`);
    return `    ${c.name}) _arguments -s ${[...zshOptionSpecs(c), ...args].join(' \\\n        ')} ;;`;
  });
  return `#compdef volback
# volback completion for zsh. Load it with:  source <(volback completion zsh)   (after compinit)
# or install it as _volback in a directory of $fpath.
_volback_targets() {
  local -a names
  names=(\${(f)"$(volback targets --quiet 2>/dev/null)"})
  _alternative 'targets:named target:compadd -a names' 'paths:directory:_files -/'
}
_volback() {
  local -a commands
  commands=(
${described}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  local cmd=$words[2]
  shift words
  (( CURRENT-- ))
  case $cmd in
${cases.join('\n')}
    help) _describe 'command' commands ;;
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _volback "$@"; else compdef _volback volback; fi
`;
}
