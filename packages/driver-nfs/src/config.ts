import { fileTreeConfigFields, z } from '@volback/core/driver';

const MiB = 1024 * 1024;
const int = (description: string, min: number, max: number) => z.int().min(min).max(max).describe(description);
const port = (description: string) => int(description, 1, 65_535);
const noNul = (v: string) => !v.includes('\0');

/** `/a/b/` as `/a/b`; `/` stays. */
const trimTrailingSlashes = (v: string) => v.replace(/(.)\/+$/, '$1');

/**
 * The NFS driver's config. `nfsport`, `mountport`, `uid` and `gid` are spelled as libnfs's URL
 * arguments, so an `nfs://` URL reads the same to both.
 */
export const nfsConfig = z
  .strictObject({
    host: z.string().min(1).refine(noNul, 'must not contain a NUL byte').describe('NFS server (a name or an IP address)'),
    export: z
      .string()
      .overwrite(trimTrailingSlashes)
      .refine((v) => v.startsWith('/'), 'must be an absolute path, such as /export')
      .refine(noNul, 'must not contain a NUL byte')
      .refine((v) => !v.split('/').some((s) => s === '..' || s === '.'), 'must not contain "." or ".." segments')
      .describe('Path to mount: the export, or a directory below it (mounted, or else looked up from the export)'),
    path: z
      .string()
      .overwrite((v) => v.replace(/^\/+|\/+$/g, ''))
      .refine(noNul, 'must not contain a NUL byte')
      .refine((v) => !v.split('/').some((s) => s === '..' || s === '.'), 'must not contain "." or ".." segments')
      .default('')
      .describe('Backup root below the mounted path (containers are directories below it)'),
    nfsport: port('NFS port; asked of the portmapper when unset').optional(),
    mountport: port('MOUNT port; asked of the portmapper when unset').optional(),
    portmapperPort: port('Portmapper (rpcbind) port, used only for a port not given').default(111),
    uid: int("AUTH_SYS user id the calls are made as (this process's when unset)", 0, 0xffff_ffff).optional(),
    gid: int("AUTH_SYS group id the calls are made as (this process's when unset)", 0, 0xffff_ffff).optional(),
    machineName: z
      .string()
      .min(1)
      .refine((v) => Buffer.byteLength(v, 'utf8') <= 255, 'must be at most 255 bytes long')
      .describe("AUTH_SYS machine name (this host's name when unset)")
      .optional(),
    timeoutMs: int('A call without its reply after this long fails, and the connection is made again (ms)', 1, 3_600_000).default(60_000),
    connectTimeoutMs: int('TCP connect timeout (ms)', 1, 600_000).default(10_000),
    ioSize: int("Largest READ or WRITE (bytes); the server's rtmax/wtmax lower it", 4096, 16 * MiB).default(MiB),
    requestsInFlight: int('READs or WRITEs of one object in flight at once', 1, 64).default(8),
    maxConcurrency: int('Transfers the engine may run at once', 1, 64).default(4),
    ...fileTreeConfigFields,
  })
  .describe('NFSv3 over TCP, spoken by volback itself (no kernel mount), in Cinder posix/NFS backup layout');

/** Validated NFS config, every default applied. */
export type NfsConfig = z.output<typeof nfsConfig>;
/** NFS config as written (a file, a URL's query), before validation. */
export type NfsConfigInput = z.input<typeof nfsConfig>;
