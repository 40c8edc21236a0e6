import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';

/**
 * A stable volume id for an image path, so successive backups of the same file form one
 * volume's history (and `--incremental` finds its parent) without the user naming a UUID.
 * Formatted as a name-based (version 5 style) UUID of the real path.
 */
export async function volumeIdForPath(path: string): Promise<string> {
  const real = await realpath(path).catch(() => path);
  const h = createHash('sha1').update(`volback:volume:${real}`).digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
