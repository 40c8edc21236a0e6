import type { BackupRecord } from './backup-record.js';
import { posixContainerFor, posixObjectPrefix } from './cinder-names.js';
import { NotFoundError } from './errors.js';
import type { GetObjectOptions, ObjectStore, ObjectStoreCapabilities } from './object-store.js';

/**
 * An ObjectStore in process memory, with the posix layout. For embedding hosts that hold backups
 * briefly, and for tests of the engine (e.g. wrapped to inject faults). Objects are copied in and
 * out, so callers can never alias stored bytes.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly driverId = 'memory';
  readonly serviceName = 'cinder.backup.drivers.posix.PosixBackupDriver';
  readonly capabilities: ObjectStoreCapabilities = { maxConcurrency: 4 };
  /** Objects by container; protected so a test can subclass the store to inject faults. */
  protected readonly containers = new Map<string, Map<string, Uint8Array>>();

  async ensureContainer(container: string): Promise<void> {
    if (!this.containers.has(container)) this.containers.set(container, new Map());
  }

  async putObject(container: string, name: string, data: Uint8Array): Promise<void> {
    this.bucket(container).set(name, new Uint8Array(data));
  }

  async getObject(container: string, name: string, opts?: GetObjectOptions): Promise<Uint8Array> {
    const data = this.containers.get(container)?.get(name);
    if (!data) throw new NotFoundError(`memory: no object ${container}/${name}`);
    // A copy: callers may change what they get.
    const out = opts?.allocate ? opts.allocate(data.length) : new Uint8Array(data.length);
    out.set(data);
    return out;
  }

  async deleteObject(container: string, name: string): Promise<void> {
    this.containers.get(container)?.delete(name);
  }

  async listObjects(container: string, prefix: string): Promise<string[]> {
    return [...(this.containers.get(container)?.keys() ?? [])].filter((n) => n.startsWith(prefix)).sort();
  }

  async listContainers(): Promise<string[]> {
    return [...this.containers.keys()].sort();
  }

  objectNamePrefix(record: BackupRecord): string {
    return posixObjectPrefix(record);
  }

  containerFor(backupId: string, requested: string | null): string {
    return requested ?? posixContainerFor(backupId);
  }

  async checkForSetupError(): Promise<void> {}

  /** The container's objects, created on first use. */
  protected bucket(container: string): Map<string, Uint8Array> {
    let b = this.containers.get(container);
    if (!b) {
      b = new Map();
      this.containers.set(container, b);
    }
    return b;
  }
}
