import { z } from 'zod';

const MODE_MESSAGE = 'must be a permission mode from 0 to 0o777: an integer, or an octal string such as "0660"';
const modeBits = z.int(MODE_MESSAGE).min(0, MODE_MESSAGE).max(0o777, MODE_MESSAGE);
/** JSON and URLs have no octal numbers: `"0660"`, `"0o660"` and `"660"` are all 0o660. Decimal 660 is refused by the range. */
const octalMode = z
  .string()
  .regex(/^(0o?)?[0-7]{1,4}$/)
  .transform((text) => parseInt(text.replace(/^0o?/, '') || '0', 8))
  .pipe(modeBits);

function permissionMode(fallback: number, description: string) {
  return z.union([modeBits, octalMode], { error: MODE_MESSAGE }).prefault(fallback).describe(description);
}

/**
 * The config fields every file-tree driver has, to spread into its `z.strictObject`: modes as
 * Cinder sets them, and whether writes are fsynced. Their values go to `defineFileTreeStore`.
 */
export const fileTreeConfigFields = {
  /** Cinder's file mode by default, so Cinder's service user and group can read what volback wrote. */
  fileMode: permissionMode(0o660, "Mode of object files (Cinder's 0660)"),
  /** Cinder's directory mode by default; only the leaf is created, as parents belong to the admin. */
  dirMode: permissionMode(0o770, "Mode of a container directory the store creates, the leaf only (Cinder's 0770)"),
  /** On by default: a backup is only as durable as its last fsync, and `_metadata` claims it is whole. */
  fsync: z.boolean().default(true).describe('fsync every object and its directory before a write returns'),
};
