import type { VolbackErrorCode } from '@volback/core';

/**
 * Exit status per error code, so scripts can tell a damaged backup from a missing one without
 * parsing messages. Stable within a major version, like the codes themselves.
 */
export const EXIT_CODES: Record<VolbackErrorCode | 'E_USAGE' | 'E_UNEXPECTED', number> = {
  E_UNEXPECTED: 1,
  E_USAGE: 2,
  E_CONFIG: 2,
  E_INTEGRITY: 3,
  E_NOT_FOUND: 4,
  E_INVALID_BACKUP: 5,
  E_INVALID_VOLUME: 5,
  E_UNSUPPORTED: 6,
  E_BACKEND: 7,
  E_AUTH: 8,
  E_PLUGIN: 9,
  E_CANCELLED: 130,
};
