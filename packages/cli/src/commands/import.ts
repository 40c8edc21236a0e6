import { outputMode } from '../output-mode.js';
import { createReadStream, existsSync } from 'node:fs';
import { InvalidBackupError } from '@volback/core';
import { decodeBackupRecord, MAX_BACKUP_RECORD_CHARS } from '@volback/core/format';
import { storeOptions, type Command } from '../command.js';
import { jsonLine, recordJson } from '../format.js';
import { UsageError } from '../io.js';
import { withTarget } from '../open-backup.js';

export const importCommand: Command = {
  name: 'import',
  summary: 'import a Cinder export record and check that its backup is in the store',
  arguments: [
    { name: 'record', description: 'a backup_url, a file holding Cinder’s export JSON, or - for stdin' },
    { name: 'backup_url', description: 'when the first argument is the backup_service, the backup_url', optional: true },
  ],
  store: 'store',
  options: { ...storeOptions('store') },
  examples: [
    ['volback import export.json --store /srv/backups', 'the JSON `cinder backup-export` printed'],
    ['cinder backup-export <id> -f json | volback import - --store prod', 'from stdin'],
  ],
  async run(args, values, io) {
    if (args.length < 1 || args.length > 2)
      throw new UsageError('expected <backup_url>, a file with the export JSON, or <backup_service> <backup_url>');
    const backupUrl = await readBackupUrl(args[args.length - 1] as string);
    const { record, driverInfo } = decodeBackupRecord(backupUrl);
    return withTarget(values, io, async (target) => {
      await target.driver.importRecord(record, driverInfo);
      if (values.json) io.stdout.write(jsonLine(recordJson(record)));
      else if (!outputMode(io).quiet) io.stdout.write(`imported backup ${record.id} of volume ${record.volumeId}: found in the store\n`);
      return 0;
    });
  },
};

/** Bytes read from a file or stdin: an export record, wrapped in Cinder's export JSON at most. */
const MAX_IMPORT_BYTES = 2 * MAX_BACKUP_RECORD_CHARS;

/** The record may come as the bare base64 string, as Cinder's export JSON, or in a file holding either. */
async function readBackupUrl(arg: string): Promise<string> {
  const text =
    arg === '-' ? await readBounded(process.stdin, 'stdin') : existsSync(arg) ? await readBounded(createReadStream(arg), arg) : arg;
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let doc: { backup_url?: unknown };
    try {
      doc = JSON.parse(trimmed) as { backup_url?: unknown };
    } catch (err) {
      throw new UsageError(`the export record is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof doc.backup_url !== 'string') throw new UsageError('the export JSON has no "backup_url"');
    return doc.backup_url;
  }
  return trimmed;
}

/** All of a stream, refusing more than an export record could be (`/dev/zero` must not fill memory). */
async function readBounded(stream: AsyncIterable<Buffer | string>, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of stream) {
      const chunk = typeof c === 'string' ? Buffer.from(c) : c;
      size += chunk.length;
      if (size > MAX_IMPORT_BYTES) throw new InvalidBackupError(`${what} holds more than ${MAX_IMPORT_BYTES} bytes: not an export record`);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof InvalidBackupError) throw err;
    throw new UsageError(`cannot read ${what}: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks).toString('utf8');
}
