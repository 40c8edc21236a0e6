import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { knownHostsName, knownKeysFor, sha256Fingerprint } from '../src/known-hosts.js';
import { keyTypeOf } from '../src/known-hosts.js';

/** A well-formed public key blob of `type` (its first SSH string), with random key bytes. */
function blobOf(type: string): Buffer {
  const name = Buffer.from(type);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  return Buffer.concat([length, name, Buffer.from([0, 0, 0, 32]), randomBytes(32)]);
}
const ED = blobOf('ssh-ed25519');
const OTHER = blobOf('ssh-ed25519');
const line = (hosts: string, blob = ED) => `${hosts} ${keyTypeOf(blob)} ${blob.toString('base64')}`;
const hashed = (name: string) => {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

describe('known_hosts', () => {
  it('names a server as OpenSSH does: the bare host on port 22, [host]:port elsewhere', () => {
    expect(knownHostsName('h.example', 22)).toBe('h.example');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('prints fingerprints as ssh-keygen -l does', () => {
    expect(sha256Fingerprint(ED)).toBe(`SHA256:${createHash('sha256').update(ED).digest('base64').replace(/=+$/, '')}`);
    expect(sha256Fingerprint(ED)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('finds plain, listed, wildcard and hashed entries, and only for their host', () => {
    const text = [
      '# comment',
      '',
      line('a.example,b.example'),
      line('[c.example]:2222', OTHER),
      line('*.wild.example'),
      line(hashed('[d.example]:2200'), OTHER),
    ].join('\n');
    expect(knownKeysFor(text, 'b.example').map((k) => k.blob)).toEqual([ED]);
    expect(knownKeysFor(text, '[c.example]:2222').map((k) => k.blob)).toEqual([OTHER]);
    expect(knownKeysFor(text, 'c.example')).toEqual([]);
    expect(knownKeysFor(text, 'x.wild.example')).toHaveLength(1);
    expect(knownKeysFor(text, '[d.example]:2200').map((k) => k.blob)).toEqual([OTHER]);
    expect(knownKeysFor(text, 'd.example')).toEqual([]);
  });

  it('lets a negated pattern exclude a host, marks @revoked keys and skips @cert-authority lines', () => {
    const text = [line('*.example,!bad.example'), `@revoked ${line('*', OTHER)}`, `@cert-authority ${line('*')}`].join('\n');
    expect(knownKeysFor(text, 'bad.example')).toEqual([{ type: 'ssh-ed25519', blob: OTHER, revoked: true }]);
    expect(knownKeysFor(text, 'good.example').map((k) => k.revoked)).toEqual([false, true]);
  });

  it('never matches a line whose key blob names another type than the line does', () => {
    expect(knownKeysFor(`h ssh-rsa ${ED.toString('base64')}`, 'h')).toEqual([]);
  });
});
