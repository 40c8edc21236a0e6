import {
  NotFoundError,
  posixContainerFor,
  posixObjectPrefix,
  throwIfAborted,
  type BackupRecord,
  type ByteRange,
  type ObjectStore,
  type ObjectStoreCapabilities,
  type StoreCallOptions,
} from '@volback/core';

/**
 * An ObjectStore kept in process memory: containers are maps of name to bytes. Names follow
 * Cinder's posix layout. Every stored array is a private copy, so callers cannot change
 * stored data by mistake.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly driverId = 'memory';
  readonly serviceName = 'volback.drivers.memory.MemoryBackupDriver';
  readonly capabilities: ObjectStoreCapabilities = { maxConcurrency: 8, ranges: true, listContainers: true };
  private readonly containers = new Map<string, Map<string, Uint8Array>>();

  async ensureContainer(container: string, opts?: StoreCallOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    if (!this.containers.has(container)) this.containers.set(container, new Map());
  }

  async putObject(container: string, name: string, data: Uint8Array, opts?: StoreCallOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    this.bucket(container).set(name, new Uint8Array(data));
  }

  async getObject(container: string, name: string, opts?: StoreCallOptions & { range?: ByteRange }): Promise<Uint8Array> {
    throwIfAborted(opts?.signal);
    const data = this.containers.get(container)?.get(name);
    if (!data) throw new NotFoundError(`memory: no object ${name} in container ${container}`);
    const range = opts?.range;
    return new Uint8Array(range ? data.subarray(range.offset, range.offset + range.length) : data);
  }

  async deleteObject(container: string, name: string, opts?: StoreCallOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    this.containers.get(container)?.delete(name);
  }

  async listObjects(container: string, prefix: string, opts?: StoreCallOptions): Promise<string[]> {
    throwIfAborted(opts?.signal);
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

  /** Direct access to the stored bytes, for tests (the conformance suite's backdoor). */
  raw(): {
    listAll(container: string): Promise<string[]>;
    readRaw(container: string, name: string): Promise<Uint8Array>;
    writeRaw(container: string, name: string, data: Uint8Array): Promise<void>;
  } {
    return {
      listAll: async (container) => [...(this.containers.get(container)?.keys() ?? [])],
      readRaw: async (container, name) => {
        const data = this.containers.get(container)?.get(name);
        if (!data) throw new Error(`memory backdoor: no object ${name} in ${container}`);
        return new Uint8Array(data);
      },
      writeRaw: async (container, name, data) => {
        this.bucket(container).set(name, new Uint8Array(data));
      },
    };
  }

  private bucket(container: string): Map<string, Uint8Array> {
    const bucket = this.containers.get(container);
    if (!bucket) throw new NotFoundError(`memory: container ${container} does not exist (call ensureContainer first)`);
    return bucket;
  }
}
