import type { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * The first of a failed parse's issues as a ConfigError that names the field: `s3: partSize:
 * Too small: expected number to be >=5242880`. An unknown field is named as such, so a typo shows.
 */
export function configErrorOf(driverId: string, error: z.ZodError): ConfigError {
  const issue = error.issues[0];
  if (issue === undefined) return new ConfigError(`${driverId}: invalid config`);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return new ConfigError(`${driverId}: unknown config field ${JSON.stringify(key)}`, key);
  }
  const field = issue.path.map(String).join('.');
  if (field === '') return new ConfigError(`${driverId}: config ${lowerFirst(issue.message)}`);
  return new ConfigError(`${driverId}: ${field}: ${issue.message}`, field);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
