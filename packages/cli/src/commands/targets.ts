import { redactConfig, redactTarget } from '@volback/core';
import type { Command } from '../command.js';
import { configOf } from '../config-file.js';
import { jsonLine, table } from '../format.js';
import { outputMode } from '../output-mode.js';

export const targetsCommand: Command = {
  name: 'targets',
  summary: 'list the targets the config file names (--to <name>), with their URLs',
  details:
    'The config file is --config, VOLBACK_CONFIG, ./volback.config.json or ~/.config/volback/config.json, in that order. It may not hold secrets: credentials come from the environment or the files each driver documents.',
  arguments: [],
  options: {},
  examples: [
    ['volback targets', 'name, URL and description of each target'],
    ['volback targets --quiet', 'the names only (what shell completion offers after --to)'],
  ],
  async run(_args, _values, io) {
    const config = configOf(io);
    const targets = Object.entries(config.targets);
    const mode = outputMode(io);
    if (mode.json) {
      const list = targets.map(([name, t]) => ({
        name,
        url: redactTarget(t.url),
        ...(t.options ? { options: redactConfig(t.options) } : {}),
        description: t.description ?? null,
      }));
      io.stdout.write(jsonLine({ config: config.path ?? null, defaults: config.defaults, targets: list }));
      return 0;
    }
    if (mode.quiet) {
      io.stdout.write(targets.map(([name]) => `${name}\n`).join(''));
      return 0;
    }
    if (!config.path) {
      io.stdout.write('no config file: none given, no ./volback.config.json, no ~/.config/volback/config.json\n');
      return 0;
    }
    const rows = [['NAME', 'URL', 'DESCRIPTION']];
    for (const [name, t] of targets)
      rows.push([name === config.defaults.target ? `${name} (default)` : name, redactTarget(t.url), t.description ?? '']);
    io.stdout.write(`${targets.length ? table(rows) : 'no targets\n'}config file: ${config.path}\n`);
    return 0;
  },
};
