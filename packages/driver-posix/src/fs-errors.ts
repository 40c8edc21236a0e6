import { BackendError, NotFoundError } from '@volback/core';

/** Errno codes a retry may cure: contention or momentary exhaustion, not a broken store. */
const TRANSIENT_CODES = new Set(['EAGAIN', 'EBUSY', 'EINTR', 'EMFILE', 'ENFILE', 'ETIMEDOUT', 'ESTALE']);

/** The errno code of a Node fs error, if it has one. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns a failed fs call into a typed error that names the path. Everything that is not
 * known to be transient (ENOSPC, EIO, EACCES, EROFS…) is permanent: retrying a full disk
 * only delays the failure.
 */
export function backendErrorFromFs(err: unknown, operation: string, path: string): BackendError {
  const code = errnoCode(err) ?? 'unknown';
  const detail = err instanceof Error ? err.message : String(err);
  return new BackendError(`posix: ${operation} ${path} failed (${code}): ${detail}`, TRANSIENT_CODES.has(code), { cause: err });
}

/** A missing object, named by its container and object name. */
export function objectNotFound(container: string, name: string, cause: unknown): NotFoundError {
  return new NotFoundError(`posix: object ${JSON.stringify(name)} not found in container ${JSON.stringify(container)}`, { cause });
}
