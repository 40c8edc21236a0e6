import type { Command } from '../command.js';
import { bashCompletion, zshCompletion } from '../completion-scripts.js';
import { UsageError } from '../io.js';

/** `volback completion bash|zsh`, over the commands `main` knows (this one included). */
export function completionCommand(commands: () => readonly Command[]): Command {
  return {
    name: 'completion',
    summary: 'print a shell completion script for bash or zsh',
    arguments: [{ name: 'shell', description: 'bash or zsh' }],
    options: {},
    examples: [
      ['source <(volback completion bash)', 'in ~/.bashrc: complete commands, options and named targets'],
      ['source <(volback completion zsh)', 'in ~/.zshrc, after compinit'],
    ],
    async run([shell], _values, io) {
      if (shell === 'bash') io.stdout.write(bashCompletion(commands()));
      else if (shell === 'zsh') io.stdout.write(zshCompletion(commands()));
      else throw new UsageError(`no completion for shell "${shell}": bash or zsh`);
      return 0;
    },
  };
}
