/**
 * Helpers for testing drivers and hosts against real data: deterministic volumes and the
 * backups real Cinder made. Published as `@volback/core/testing`; not part of the driver API.
 */
export * from './test-data.js';
export * from './cinder-fixtures.js';
export * from './intercepted-store.js';
export * from './store-soundness.js';
export * from './config-checks.js';
