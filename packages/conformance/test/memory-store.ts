import { MemoryObjectStore } from '@volback/core';
import type { StorageBackdoor } from '../src/index.js';

/** Core's in-memory store with a raw view; the fault tests break one method of it at a time. */
export class TestMemoryStore extends MemoryObjectStore {
  backdoor(): StorageBackdoor {
    return {
      listAll: async (c) => [...(this.containers.get(c)?.keys() ?? [])],
      readRaw: async (c, n) => new Uint8Array(this.containers.get(c)?.get(n) ?? new Uint8Array()),
      writeRaw: async (c, n, d) => void this.bucket(c).set(n, new Uint8Array(d)),
    };
  }
}
