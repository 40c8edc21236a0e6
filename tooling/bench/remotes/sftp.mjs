// SFTP: the tests' OpenSSH sshd (internal-sftp, key login), next to rclone's sftp remote. Both write
// below the server's data directory: volback by absolute path, rclone relative to the login
// directory, which the server script sets to that same directory.
import { rclone } from '../rclone.mjs';

/** @type {import('../remotes.mjs').BenchRemote} */
export default {
  name: 'sftp',
  title: 'SFTP',
  server: { script: 'sshd', env: { VOLBACK_SSHD_PORT: '2322' } },
  label: () => 'OpenSSH sshd (internal-sftp)',
  volback: (s, container) => ({
    url: `sftp://${s.VOLBACK_TEST_SFTP_USER}@${s.VOLBACK_TEST_SFTP_HOST}:${s.VOLBACK_TEST_SFTP_PORT}${s.VOLBACK_TEST_SFTP_ROOT}/${container}?${new URLSearchParams(
      { identity: s.VOLBACK_TEST_SFTP_IDENTITY, knownHosts: s.VOLBACK_TEST_SFTP_KNOWN_HOSTS, agent: 'none' },
    )}`,
  }),
  reference: rclone((s) => ({
    type: 'sftp',
    host: s.VOLBACK_TEST_SFTP_HOST,
    port: s.VOLBACK_TEST_SFTP_PORT,
    user: s.VOLBACK_TEST_SFTP_USER,
    key_file: s.VOLBACK_TEST_SFTP_IDENTITY,
    known_hosts_file: s.VOLBACK_TEST_SFTP_KNOWN_HOSTS,
    // internal-sftp runs no shell: rclone must not try md5sum or df over ssh.
    shell_type: 'none',
    disable_hashcheck: 'true',
  })),
  goals: { full: 1.5, restore: 1.2 },
};
