import { MemoryObjectStore, type GetObjectOptions, type PutObjectOptions, type StoreCallOptions } from '@volback/core';
import { throwIfAborted } from '@volback/core/driver';
import type { StorageBackdoor } from '../src/index.js';

/**
 * Core's in-memory store with a raw view, answering every call's signal as the contract asks
 * (its calls finish at once, so a check when each starts is all it needs). The fault tests
 * break one method of it at a time.
 */
export class TestMemoryStore extends MemoryObjectStore {
  override async ensureContainer(container: string, opts?: StoreCallOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    return super.ensureContainer(container);
  }

  override async putObject(container: string, name: string, data: Uint8Array, opts?: PutObjectOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    return super.putObject(container, name, data);
  }

  override async getObject(container: string, name: string, opts?: GetObjectOptions): Promise<Uint8Array> {
    throwIfAborted(opts?.signal);
    return super.getObject(container, name, opts);
  }

  override async deleteObject(container: string, name: string, opts?: StoreCallOptions): Promise<void> {
    throwIfAborted(opts?.signal);
    return super.deleteObject(container, name);
  }

  override async listObjects(container: string, prefix: string, opts?: StoreCallOptions): Promise<string[]> {
    throwIfAborted(opts?.signal);
    return super.listObjects(container, prefix);
  }

  override async listContainers(opts?: StoreCallOptions): Promise<string[]> {
    throwIfAborted(opts?.signal);
    return super.listContainers();
  }

  /** How many objects the store holds, in every container. */
  objectCount(): number {
    return [...this.containers.values()].reduce((n, objects) => n + objects.size, 0);
  }

  backdoor(): StorageBackdoor {
    return {
      listAll: async (c) => [...(this.containers.get(c)?.keys() ?? [])],
      readRaw: async (c, n) => new Uint8Array(this.containers.get(c)?.get(n) ?? new Uint8Array()),
      writeRaw: async (c, n, d) => void this.bucket(c).set(n, new Uint8Array(d)),
    };
  }
}
