import { VolbackError } from '@volback/core/driver';

/**
 * An object whose bytes did not match their MD5 (E_INTEGRITY). `transient` is read by the
 * engine's retries: an upload damaged on the way is removed and a resend may cure it, while a
 * stored object that reads back wrong stays wrong.
 */
export class GcsIntegrityError extends VolbackError {
  readonly objectName: string;
  readonly transient: boolean;

  constructor(message: string, objectName: string, transient: boolean) {
    super('E_INTEGRITY', `gcs: ${message}`);
    this.objectName = objectName;
    this.transient = transient;
  }
}
