import { loadDriverPlugin } from '@volback/core';
import type { CliIo } from '../io.js';
import { UsageError } from '../io.js';
import { positionals } from '../args.js';
import type { Command } from '../command.js';
import { jsonLine, table } from '../format.js';
import { discoverAll, pluginDirs } from '../plugin-dirs.js';

export const driversCommand: Command = {
  name: 'drivers',
  summary:
    "list the driver plugins found (id, package, version, schemes, apiVersion, where found, ok or why not), or print one's config schema",
  arguments: [],
  options: {
    schema: { type: 'string', value: '<id>', description: "print driver <id>'s config as JSON Schema: every field, default and secret" },
  },
  examples: [
    ['volback drivers', 'which drivers are installed, and where they were looked for'],
    ['volback drivers --schema s3', "the S3 driver's config fields"],
  ],
  async run(args, values, io) {
    positionals(args, []);
    if (typeof values.schema === 'string') return printSchema(values.schema, io);
    const rows: {
      id: string;
      package: string;
      version: string;
      schemes: string[];
      apiVersion: string;
      dir: string;
      foundVia: string;
      status: string;
      error?: string;
    }[] = [];
    for (const d of await discoverAll(io)) {
      let status: string = d.shadowed ? 'not used' : d.status;
      let error = d.error;
      if (status === 'ok') {
        // Loading proves the entry exists and carries the brand; a broken plugin is reported, not fatal.
        try {
          await loadDriverPlugin(d);
        } catch (err) {
          status = 'error';
          error = (err as Error).message;
        }
      }
      rows.push({
        id: d.id,
        package: d.packageName,
        version: d.version,
        schemes: d.schemes,
        apiVersion: d.apiVersion,
        dir: d.dir,
        foundVia: d.foundVia,
        status,
        ...(error ? { error } : {}),
      });
    }
    if (values.json) {
      io.stdout.write(jsonLine(rows));
      return 0;
    }
    const out = [['ID', 'PACKAGE', 'VERSION', 'SCHEMES', 'API', 'FOUND', 'STATUS']];
    for (const r of rows) {
      out.push([
        r.id,
        r.package,
        r.version,
        r.schemes.join(','),
        r.apiVersion,
        `${r.foundVia}: ${r.dir}`,
        r.status === 'ok' ? 'ok' : `${r.status}: ${r.error ?? 'unknown'}`,
      ]);
    }
    io.stdout.write(rows.length ? table(out) : 'no driver plugins found\n');
    // Where a missing driver would have been found: what to install where, or name in VOLBACK_PLUGINS_DIR.
    io.stdout.write(
      `\nlooked in: ${pluginDirs(io)
        .map((d) => `${d.dir} (${d.via})`)
        .join(', ')}\n`,
    );
    return 0;
  },
};

/** The JSON Schema of driver `id`'s config: every field, its type, default, bounds, and which are secrets. */
async function printSchema(id: string, io: CliIo): Promise<number> {
  const found = (await discoverAll(io)).filter((d) => d.status === 'ok');
  const discovered = found.find((d) => d.id === id);
  if (!discovered) throw new UsageError(`no driver "${id}" is installed; installed: ${found.map((d) => d.id).join(', ') || 'none'}`);
  const plugin = await loadDriverPlugin(discovered);
  // A schema is read by people and editors: indented, unlike a result.
  io.stdout.write(`${JSON.stringify(plugin.configSchema, null, 2)}\n`);
  return 0;
}
