import { IntegrityError } from '../errors.js';

/**
 * The error for stored bytes that the codec named by their tag cannot decode. The engine knows
 * the object name and may rethrow with it; the codec only knows the format.
 */
export function decodeError(format: string, detail: string, cause: unknown): IntegrityError {
  return new IntegrityError(`cannot decompress ${format} data: ${detail}`, undefined, { cause });
}

/**
 * The error for data that decodes to more than the room it was given, its object's declared
 * length: damage, or a decompression bomb. Decoders throw it the moment the output would pass
 * that length, never after inflating the rest.
 */
export function tooLongError(format: string, limit: number): IntegrityError {
  return decodeError(format, `the data holds more than the ${limit} bytes it may take`, undefined);
}

/** The message of an unknown thrown value, for error texts. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
