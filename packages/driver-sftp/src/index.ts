export { createSftpStore, sftpDriverPlugin, sftpDriverPlugin as default } from './plugin.js';
export type { SftpConfig, SftpConfigInput } from './config.js';
export { knownHostsName, sha256Fingerprint } from './known-hosts.js';
