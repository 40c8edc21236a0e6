import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  ChunkedBackupDriver,
  DriverRegistry,
  FileVolumeMetadataStore,
  StoreCatalog,
  hasErrorCode,
  loadDriverPlugin,
  redactTarget,
  targetToUrl,
  type CompressionAlgorithm,
  type ObjectStore,
} from '@volback/core';
import type { CliIo } from './io.js';
import { UsageError } from './io.js';
import { configOf } from './config-file.js';
import { checkNoSecretsInConfig, resolveStore } from './named-targets.js';
import { outputMode } from './output-mode.js';
import { discoverAll } from './plugin-dirs.js';
import { missingDriverError } from './missing-driver.js';
import { learnTargetSecrets } from './secrets.js';

/** An opened backup target: the store, the chunked driver on it, and the catalog read from it. */
export interface OpenedTarget {
  /** The target as it may be printed: its secrets (by its driver's schema) redacted. */
  shownTarget: string;
  /** The store, with the engine's limits and retries around every call. */
  store: ObjectStore;
  /** The driver's own store, unwrapped: what the conformance suite tests. */
  driverStore: ObjectStore;
  driver: ChunkedBackupDriver;
  catalog: StoreCatalog;
  close(): Promise<void>;
}

export interface OpenTargetOptions {
  compression?: CompressionAlgorithm | 'off' | 'no';
  compressionLevel?: number;
  objectSize?: number;
  /** Start the driver's worker threads at once: for commands that will back up, restore or verify. */
  startWorkers?: boolean;
  /**
   * The command writes a backup, which creates a store that does not exist yet (a posix root):
   * the store's check may then say E_NOT_FOUND. Every other command needs an existing store.
   */
  createsStore?: boolean;
}

/**
 * Resolves a target (`/srv/backups`, `file:///srv/backups`, `s3://bucket/...`, or a target named
 * in the config file) to a store through plugin discovery.
 */
export async function openTarget(given: string, io: CliIo, options: OpenTargetOptions = {}): Promise<OpenedTarget> {
  const resolved = resolveStore(given, io);
  const target = resolved.url;
  const scheme = targetToUrl(target).protocol.slice(0, -1);
  const registry = new DriverRegistry();
  const all = await discoverAll(io);
  const candidates = all.filter((d) => d.schemes.includes(scheme) && d.status === 'ok');
  const first = candidates[0];
  if (!first) throw missingDriverError(scheme, all);
  const plugin = await loadDriverPlugin(first);
  learnTargetSecrets(io, target, plugin.configSchema);
  checkNoSecretsInConfig(resolved, plugin.configSchema, io);
  const shownTarget = redactTarget(target, plugin.configSchema);
  if (outputMode(io).verbose && resolved.name !== undefined) {
    io.stderr.write(`volback: target ${resolved.name} is ${shownTarget} (from ${configOf(io).path})\n`);
  }
  registry.register(plugin, first.schemes);
  const opened = await registry.resolveTarget(target, { discover: false, ...(resolved.config ? { config: resolved.config } : {}) });
  if (opened.kind !== 'store') {
    throw new UsageError(`driver "${opened.plugin.id}" implements the backup driver directly; this command needs an object store driver`);
  }
  const store = opened.store;
  try {
    await store.checkForSetupError();
  } catch (err) {
    if (!(options.createsStore && hasErrorCode(err, 'E_NOT_FOUND'))) {
      await store.close?.().catch(() => undefined);
      throw err;
    }
  }
  const driver = new ChunkedBackupDriver(store, {
    // On the engine's store, so list, show, delete and chain lookups retry as backups do.
    catalog: (engineStore) => new StoreCatalog(engineStore),
    volumeMetadata: new FileVolumeMetadataStore(join(stateDir(io), 'volume-metadata')),
    ...(options.compression !== undefined ? { compression: options.compression } : {}),
    ...(options.compressionLevel !== undefined ? { compressionLevel: options.compressionLevel } : {}),
    ...(options.objectSize !== undefined ? { objectSize: options.objectSize } : {}),
  });
  const catalog = driver.catalog;
  if (options.startWorkers) driver.startWorkers();
  // The driver's worker threads stop with it: a host calling main() again would otherwise keep
  // two more threads per call.
  const close = async (): Promise<void> => {
    await driver.close();
    await store.close?.();
  };
  // Every call the commands make goes through the engine's limits and retries, as backups' do.
  return { shownTarget, store: driver.engineStore, driverStore: store, driver, catalog, close };
}

/** Where the CLI keeps what a host DB would: volume metadata. `VOLBACK_STATE_DIR` overrides. */
export function stateDir(io: CliIo): string {
  if (io.env.VOLBACK_STATE_DIR) return io.env.VOLBACK_STATE_DIR;
  const base = io.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'volback');
}
