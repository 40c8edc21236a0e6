/** SFTP v3 status codes (draft-ietf-secsh-filexfer-02), as ssh2 sets them on an error's `code`. */
const ERRNO_OF_STATUS: Record<number, string> = {
  1: 'EIO', // EOF where data was due
  2: 'ENOENT', // NO_SUCH_FILE
  3: 'EACCES', // PERMISSION_DENIED
  4: 'EIO', // FAILURE: OpenSSH's answer to every other errno (EEXIST, ENOTDIR, ENOSPC, ...); see refineFailure
  5: 'EPROTO', // BAD_MESSAGE
  6: 'ECONNRESET', // NO_CONNECTION
  7: 'ECONNRESET', // CONNECTION_LOST
  8: 'ENOTSUP', // OP_UNSUPPORTED
};

/** An SFTP call's failure, with an errno-style `code` core reads and the server's status kept. */
export class SftpCallError extends Error {
  override readonly name = 'SftpCallError';
  constructor(
    message: string,
    readonly code: string,
    /** The SFTP status, when the server answered; undefined when the connection failed. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when the server answered with the generic FAILURE status: a stat may tell what it was. */
export function isGenericFailure(err: unknown): boolean {
  return err instanceof SftpCallError && err.status === 4;
}

/** Errnos of a connection that failed or could not be made: the server may be back soon. */
const CONNECTION_ERRNOS = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

/** True when the call failed because the connection did (or none could be made), not because the server refused it. */
export function isConnectionFailure(err: unknown): boolean {
  return err instanceof SftpCallError && err.status === undefined && CONNECTION_ERRNOS.has(err.code);
}

/**
 * `err` from ssh2 for `call` (`open /srv/x`) with an errno-style code: the server's status
 * mapped (NO_SUCH_FILE is ENOENT), or ECONNRESET when no answer came (ssh2's "No response
 * from server" when the channel closed): a dropped connection is worth a retry.
 */
export function sftpCallError(err: unknown, call: string): SftpCallError {
  if (err instanceof SftpCallError) return err;
  const status = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof status === 'number') {
    return new SftpCallError(`${call}: ${message} (SFTP status ${status})`, ERRNO_OF_STATUS[status] ?? 'EIO', status, { cause: err });
  }
  // ssh2 throws this at once for an extension the server did not announce.
  if (/does not support/i.test(message)) return new SftpCallError(`${call}: ${message}`, 'ENOTSUP', undefined, { cause: err });
  return new SftpCallError(`${call}: ${message} (connection lost)`, 'ECONNRESET', undefined, { cause: err });
}

/** A failure refined to `code` after a look at the path (OpenSSH reports EEXIST and the like as FAILURE). */
export function refined(err: SftpCallError, code: string, why: string): SftpCallError {
  return new SftpCallError(`${err.message}: ${why}`, code, err.status, { cause: err });
}
