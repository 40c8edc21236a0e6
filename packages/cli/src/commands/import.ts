import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { decodeBackupRecord } from '@volback/core';
import { STORE_OPTIONS, type Command } from '../command.js';
import { recordJson } from '../format.js';
import { UsageError } from '../io.js';
import { withTarget } from '../open-backup.js';

export const importCommand: Command = {
  name: 'import',
  summary: 'import a Cinder export record and check that its backup is in the store',
  usage: '<backup_url | export.json | -> --store <store>   (or: <backup_service> <backup_url>)',
  options: { ...STORE_OPTIONS },
  async run(args, values, io) {
    if (args.length < 1 || args.length > 2) throw new UsageError('expected <backup_url>, a file with the export JSON, or <backup_service> <backup_url>');
    const backupUrl = await readBackupUrl(args[args.length - 1] as string);
    const { record, driverInfo } = decodeBackupRecord(backupUrl);
    return withTarget(values, io, async (target) => {
      await target.driver.importRecord(record, driverInfo);
      if (values.json) io.stdout.write(JSON.stringify(recordJson(record), null, 2) + '\n');
      else io.stdout.write(`imported backup ${record.id} of volume ${record.volumeId}: found in the store\n`);
      return 0;
    });
  },
};

/** The record may come as the bare base64 string, as Cinder's export JSON, or in a file holding either. */
async function readBackupUrl(arg: string): Promise<string> {
  const text = arg === '-' ? await readStdin() : existsSync(arg) ? await readFile(arg, 'utf8') : arg;
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

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
