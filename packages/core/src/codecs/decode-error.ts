import { IntegrityError } from '../errors.js';

/**
 * The error for stored bytes that the codec named by their tag cannot decode. The engine knows
 * the object name and may rethrow with it; the codec only knows the format.
 */
export function decodeError(format: string, detail: string, cause: unknown): IntegrityError {
  return new IntegrityError(`cannot decompress ${format} data: ${detail}`, undefined, { cause });
}

/** The message of an unknown thrown value, for error texts. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
