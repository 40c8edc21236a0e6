import { expect, it } from 'vitest';
import ssh2, { type SFTPWrapper } from 'ssh2';
import { readFileSync } from 'node:fs';
import { storeErrors } from '@volback/core/driver';
import { sftpCallError } from '../src/sftp-errors.js';
import { describeWithSshd, freshRoot } from './sftp-server.js';

describeWithSshd('SFTP errors', (server) => {
  /** The error ssh2 gives for `call` on a real OpenSSH session. */
  async function ssh2Error(call: (sftp: SFTPWrapper, done: (err?: Error | null) => void) => void): Promise<unknown> {
    const client = new ssh2.Client();
    await new Promise<void>((resolve, reject) => {
      client.on('ready', resolve).on('error', reject);
      client.connect({ host: server.host, port: server.port, username: server.user, privateKey: readFileSync(server.identity) });
    });
    try {
      const sftp = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
      return await new Promise((resolve) => call(sftp, (err) => resolve(err)));
    } finally {
      client.end();
    }
  }

  it('maps real OpenSSH statuses to errnos core reads, and the typed errors a user sees', async () => {
    const root = await freshRoot(server, 'errors');
    const missing = sftpCallError(await ssh2Error((s, done) => s.stat(`${root}/nothing`, done)), 'stat x');
    expect(missing).toMatchObject({ code: 'ENOENT', status: 2 });
    expect(storeErrors('sftp').classify(missing, 'GET c/o')).toMatchObject({ code: 'E_NOT_FOUND' });

    const generic = sftpCallError(await ssh2Error((s, done) => s.mkdir(root, done)), 'mkdir x');
    expect(generic).toMatchObject({ status: 4, code: 'EIO' });
    expect(storeErrors('sftp').classify(generic, 'PUT c/o')).toMatchObject({ code: 'E_BACKEND', transient: false });
  });

  it('calls a failure without a status a lost connection: transient', () => {
    const lost = sftpCallError(new Error('No response from server'), 'read x');
    expect(lost).toMatchObject({ code: 'ECONNRESET', status: undefined });
    expect(storeErrors('sftp').classify(lost, 'GET c/o')).toMatchObject({ code: 'E_BACKEND', transient: true });
  });
});
