import { setTimeout as sleep } from 'node:timers/promises';
import type { SFTPWrapper } from 'ssh2';
import { isConnectionFailure } from './sftp-errors.js';
import type { SftpConnection } from './sftp-connection.js';

interface Slot {
  connection: Promise<SftpConnection> | undefined;
  busy: number;
}

/**
 * Up to `size` SFTP connections, opened as calls need them, each call on the least busy one.
 * A connection that dropped is replaced on the next call: a later call reconnects by itself.
 */
export class ConnectionPool {
  private readonly slots: Slot[];
  private closed = false;

  constructor(
    size: number,
    private readonly open: () => Promise<SftpConnection>,
  ) {
    this.slots = Array.from({ length: size }, () => ({ connection: undefined, busy: 0 }));
  }

  /**
   * Runs `call` on a connection, up to `tries` times when the connection fails (dropped under
   * it, or refused while the server restarts), waiting 0.1 s, 0.2 s, ... up to 2 s between
   * tries. More than one try only for calls that may safely run twice (reads, stats, mkdir -p,
   * fsync), never for a write or a rename: those fail, and the engine retries the whole put
   * under a new temporary name.
   */
  async use<T>(call: (sftp: SFTPWrapper) => Promise<T>, tries = 1): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(call);
      } catch (err) {
        if (attempt >= tries || this.closed || !isConnectionFailure(err)) throw err;
        await sleep(Math.min(100 * 2 ** (attempt - 1), 2000));
      }
    }
  }

  private async once<T>(call: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the SFTP store is closed');
    // The least busy slot; among equals one already connected, so connections open only under load.
    const slot = this.slots.reduce((best, s) =>
      s.busy < best.busy || (s.busy === best.busy && !best.connection && s.connection) ? s : best,
    );
    slot.busy++;
    try {
      const connection = await this.connected(slot);
      return await Promise.race([call(connection.sftp), connection.lost]);
    } finally {
      slot.busy--;
    }
  }

  private async connected(slot: Slot): Promise<SftpConnection> {
    if (slot.connection) {
      const current = slot.connection;
      const alive = await current.then(
        (c) => c.alive,
        () => false,
      );
      if (alive) return current;
      if (slot.connection === current) slot.connection = undefined;
    }
    if (!slot.connection) {
      const opening = this.open();
      slot.connection = opening;
      // A failed connect leaves the slot empty, so the next call tries afresh.
      opening.catch(() => {
        if (slot.connection === opening) slot.connection = undefined;
      });
    }
    return slot.connection;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        const opening = slot.connection;
        slot.connection = undefined;
        if (opening) (await opening.catch(() => undefined))?.close();
      }),
    );
  }
}
