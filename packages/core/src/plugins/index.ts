export * from './api-version.js';
export * from './manifest.js';
export * from './brand.js';
export * from './discover.js';
export * from './registry.js';
export * from './config-schema.js';
export * from './redact.js';
