export { createSftpStore, sftpDriverPlugin, sftpDriverPlugin as default } from './plugin.js';
export { sftpConfig, type SftpConfig, type SftpConfigInput } from './config.js';
export { knownHostsName, sha256Fingerprint } from './known-hosts.js';
