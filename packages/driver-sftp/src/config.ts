import { fileTreeConfigFields, hasUnprintable, z } from '@volback/core/driver';

/** `SHA256:` and 43 characters of unpadded base64: how OpenSSH prints a host key's fingerprint. */
export const SHA256_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

const text = (description: string) =>
  z
    .string()
    .min(1)
    .refine((v) => !hasUnprintable(v), 'must not contain a control character')
    .describe(description);
const secret = (description: string) => z.string().min(1).meta({ description, secret: true });
const int = (description: string, byDefault: number, min: number, max: number) =>
  z.number().int().min(min).max(max).default(byDefault).describe(description);

/**
 * The SFTP driver's config, declared once: its type (defaults applied), validation, JSON Schema
 * and secrets all come from here.
 */
export const sftpConfig = z
  .strictObject({
    host: text('SFTP server host name or address'),
    port: int('SSH port', 22, 1, 65_535),
    username: text('User to log in as; the local user when unset').optional(),
    root: text(
      "Backup root directory on the server (Cinder's backup_posix_path); containers are directories below it. " +
        'A relative path is relative to the login directory',
    ).refine((v) => !v.includes('\0'), 'must not contain a NUL byte'),
    identity: text('Private key file (OpenSSH or PEM) to log in with').optional(),
    passphrase: secret("Passphrase of the identity's private key (or env VOLBACK_SFTP_PASSPHRASE)").optional(),
    password: secret('Password to log in with (or env VOLBACK_SFTP_PASSWORD)').optional(),
    agent: text('ssh-agent socket; SSH_AUTH_SOCK when unset. "none" uses no agent').optional(),
    knownHosts: text(
      "known_hosts file holding the server's host key (plain, hashed |1| and [host]:port entries); " +
        '~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts when unset',
    ).optional(),
    hostKey: z
      .string()
      .regex(SHA256_FINGERPRINT, 'must be a SHA256 fingerprint as ssh-keygen -l prints it: SHA256: and 43 base64 characters')
      .describe("The server's host key fingerprint, pinned (SHA256:…); known_hosts is not read then")
      .optional(),
    connections: int('SSH connections opened to the server, each with its own SFTP session', 4, 1, 32),
    requestSize: int('Bytes per SFTP READ or WRITE request (the server may cap it)', 128 * 1024, 1024, 256 * 1024),
    requestsInFlight: int('READ or WRITE requests one transfer keeps in flight', 16, 1, 128),
    ciphers: z
      .string()
      .regex(/^[\w@.-]+(,[\w@.-]+)*$/, 'must be cipher names separated by commas')
      .describe(
        'SSH ciphers, comma-separated, in order of preference; chacha20-poly1305@openssh.com first when unset (the fastest in pure JS)',
      )
      .optional(),
    connectTimeoutMs: int('Time allowed for connecting and logging in (ms)', 20_000, 100, 600_000),
    keepaliveIntervalMs: int('SSH keep-alive interval (ms), 0 for none; a silent server is dropped after 3 missed', 15_000, 0, 600_000),
    ...fileTreeConfigFields,
    maxConcurrency: int('Transfers the engine may run at once', 8, 1, 256),
  })
  .describe("Cinder's posix/NFS backup layout in a directory of an SFTP server");

/** Validated SFTP config, every default applied. */
export type SftpConfig = z.output<typeof sftpConfig>;
/** SFTP config as written (a file, a URL's query, a host's object), before validation. */
export type SftpConfigInput = z.input<typeof sftpConfig>;
