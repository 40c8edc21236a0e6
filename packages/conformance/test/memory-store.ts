import {
  NotFoundError,
  posixContainerFor,
  posixObjectPrefix,
  type BackupRecord,
  type ByteRange,
  type ObjectStore,
  type ObjectStoreCapabilities,
} from '@volback/core';
import type { StorageBackdoor } from '../src/index.js';

/** A correct in-memory store; the fault tests break one method of it at a time. */
export class TestMemoryStore implements ObjectStore {
  readonly driverId = 'test-memory';
  readonly serviceName = 'test.MemoryBackupDriver';
  readonly capabilities: ObjectStoreCapabilities = { maxConcurrency: 8, ranges: true, listContainers: true };
  readonly containers = new Map<string, Map<string, Uint8Array>>();

  async ensureContainer(container: string): Promise<void> {
    if (!this.containers.has(container)) this.containers.set(container, new Map());
  }
  async putObject(container: string, name: string, data: Uint8Array): Promise<void> {
    this.bucket(container).set(name, new Uint8Array(data));
  }
  async getObject(container: string, name: string, opts?: { range?: ByteRange }): Promise<Uint8Array> {
    const data = this.containers.get(container)?.get(name);
    if (!data) throw new NotFoundError(`no object ${name}`);
    const r = opts?.range;
    return new Uint8Array(r ? data.subarray(r.offset, r.offset + r.length) : data);
  }
  async deleteObject(container: string, name: string): Promise<void> {
    this.containers.get(container)?.delete(name);
  }
  async listObjects(container: string, prefix: string): Promise<string[]> {
    return [...(this.containers.get(container)?.keys() ?? [])].filter((n) => n.startsWith(prefix)).sort();
  }
  async listContainers(): Promise<string[]> {
    return [...this.containers.keys()];
  }
  objectNamePrefix(record: BackupRecord): string {
    return posixObjectPrefix(record);
  }
  containerFor(backupId: string, requested: string | null): string {
    return requested ?? posixContainerFor(backupId);
  }
  async checkForSetupError(): Promise<void> {}

  backdoor(): StorageBackdoor {
    return {
      listAll: async (c) => [...(this.containers.get(c)?.keys() ?? [])],
      readRaw: async (c, n) => new Uint8Array(this.containers.get(c)?.get(n) ?? new Uint8Array()),
      writeRaw: async (c, n, d) => void this.bucket(c).set(n, new Uint8Array(d)),
    };
  }

  protected bucket(container: string): Map<string, Uint8Array> {
    const b = this.containers.get(container);
    if (!b) throw new NotFoundError(`no container ${container}`);
    return b;
  }
}
