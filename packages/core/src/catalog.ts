import { AmbiguousBackupIdError, idsMatching, MIN_ID_PREFIX_CHARS } from './backup-id-prefix.js';
import { namedBackup, type NamedBackup } from './backup-objects.js';
import type { BackupRecord } from './backup-record.js';
import { backupIdOfPrefix, metadataObjectName, prefixOfMetadataObject, volumeIdOfPrefix } from './cinder-names.js';
import { hasErrorCode, InvalidBackupError, NotFoundError } from './errors.js';
import { parseCinderDatetime } from './format/cinder-datetime.js';
import type { ObjectStore } from './object-store.js';
import { coveredBytes, readBackupMetadata, sizeInGiB } from './stored-backup.js';
import { mapLimited } from './engine/flow/map-limited.js';

/** Looks up backup records by id, to walk incremental chains. Cinder's is its DB. */
export interface BackupCatalog {
  /** The record of backup `id`; `NotFoundError` when unknown. */
  get(backupId: string): Promise<BackupRecord>;
  /** Told when a backup was deleted, so a catalog that caches can drop it. */
  forget?(backupId: string): void;
}

/** Records held in memory, e.g. by a host that keeps its own database. */
export class MemoryCatalog implements BackupCatalog {
  private readonly records = new Map<string, BackupRecord>();

  /** Adds or replaces the record of `record.id`, as the host saves one after each backup. */
  put(record: BackupRecord): void {
    this.records.set(record.id, record);
  }

  /** Drops the record of a deleted backup; unknown ids are ignored. */
  delete(backupId: string): void {
    this.records.delete(backupId);
  }

  async get(backupId: string): Promise<BackupRecord> {
    const r = this.records.get(backupId);
    if (!r) throw new NotFoundError(`backup ${backupId} is not in the catalog`);
    return r;
  }

  /** Every record held, in the order they were first put. */
  list(): BackupRecord[] {
    return [...this.records.values()];
  }
}

/** A backup whose `_metadata` is listed but cannot be read or validated: no record is made of it. */
export interface DamagedBackup extends NamedBackup {
  /** Why it cannot be used: the typed error reading it gave (`E_INVALID_BACKUP`, `E_UNSUPPORTED`, `E_INTEGRITY`). */
  error: StoredBackupError;
}

/** The typed error a damaged `_metadata` gave. */
export interface StoredBackupError extends Error {
  /** Its stable code: `E_INVALID_BACKUP`, `E_UNSUPPORTED` or `E_INTEGRITY`. */
  code: string;
}

/** What {@link StoreCatalog.survey} finds: the backups that can be used, and those that cannot. */
export interface CatalogSurvey {
  /** Every backup whose `_metadata` was read and checked, oldest first. */
  records: BackupRecord[];
  /** Every backup whose `_metadata` is there but is not a valid one, in listing order. */
  damaged: DamagedBackup[];
}

/** Error codes that say a stored `_metadata` is bad, rather than that the store failed to hand it over. */
const DAMAGE_CODES = ['E_INVALID_BACKUP', 'E_UNSUPPORTED', 'E_INTEGRITY'] as const;

function isDamage(err: unknown): err is StoredBackupError {
  return DAMAGE_CODES.some((code) => hasErrorCode(err, code));
}

/** What the catalog keeps of a backup's `_metadata`: its record, and how far its objects reach. */
interface CatalogEntry {
  record: BackupRecord;
  coveredBytes: number;
}

/**
 * Rebuilds records from the `_metadata` objects in a store, so no database is needed. A backup
 * is found in its default container first, then (when the store can list them) in every container.
 * Each `_metadata` is parsed, summed up and dropped: its object list grows with the volume (~33 MB
 * of JSON for 1 TiB), so keeping every backup's made a listing's memory grow with the store.
 */
export class StoreCatalog implements BackupCatalog {
  private readonly cache = new Map<string, CatalogEntry>();
  /**
   * Per container, its backups' `_metadata` prefixes by id, from one listing. Finding a backup
   * lists its container, and so did finding each parent of its chain: on an object store that
   * is the whole bucket, every object of every backup, once per layer.
   */
  private readonly indexes = new Map<string, Promise<Map<string, string>>>();

  constructor(private readonly store: ObjectStore) {}

  async get(backupId: string): Promise<BackupRecord> {
    return (await this.load(backupId)).record;
  }

  /**
   * Every finished backup in the store, oldest first; with `volumeId`, that volume's only. Then a
   * backup whose name gives another volume is not even read: a store holds many volumes, and an
   * incremental looks for its parent among its own volume's backups.
   * @throws the error of the first `_metadata` that cannot be read or validated: a caller that
   * must go on past damaged backups (a listing for a person) uses {@link survey}.
   */
  async list(filter: { volumeId?: string } = {}): Promise<BackupRecord[]> {
    const { records, damaged } = await this.survey(filter);
    if (damaged[0]) throw damaged[0].error;
    return records;
  }

  /**
   * The same listing, going on past damaged backups: each `_metadata` that cannot be read or
   * validated is one of `damaged`, never a record, so nothing can restore from it. A backup that
   * vanishes between the listing and its reading (deleted meanwhile) is in neither; a failing
   * store (`E_BACKEND`, `E_AUTH`…) fails the whole survey, as it may hide any backup.
   */
  async survey(filter: { volumeId?: string } = {}): Promise<CatalogSurvey> {
    const { volumeId } = filter;
    // A store call per container and per backup, so as many at once as the store takes: one
    // after another, a remote store's round trips added up per backup.
    const limit = this.store.capabilities.maxConcurrency;
    const backups = await this.listedBackups(volumeId, await this.containers());
    const damaged: DamagedBackup[] = [];
    const loaded = await mapLimited(backups, limit, async (b) => {
      try {
        return (await this.loadAt(b.container, b.prefix, b.id)).record;
      } catch (err) {
        if (hasErrorCode(err, 'E_NOT_FOUND')) return null;
        if (!isDamage(err)) throw err;
        damaged.push({ ...namedBackup(b.container, b.prefix, b.id), error: err });
        return null;
      }
    });
    const readable = loaded.filter((r): r is BackupRecord => r !== null);
    // The name is a hint; _metadata says which volume a backup is of.
    const found = volumeId === undefined ? readable : readable.filter((r) => r.volumeId === volumeId);
    await Promise.all(found.map((r) => this.resolveSize(r, { pastDamage: true })));
    const order = new Map(backups.map((b, i) => [b.prefix, i]));
    damaged.sort((a, b) => (order.get(a.prefix) ?? 0) - (order.get(b.prefix) ?? 0));
    return { records: sortOldestFirst(found), damaged };
  }

  /**
   * The backup `given` names: the one of that id, else the one whose id begins with it (from
   * {@link MIN_ID_PREFIX_CHARS} characters), as git takes a unique prefix of a commit. The exact
   * id costs what {@link get} costs; a prefix, a listing of the store's `_metadata` names (no
   * reads), then that backup's `_metadata`, read and checked as by {@link get}.
   * @param field where `given` came from (an option), named by the errors.
   * @throws AmbiguousBackupIdError (`E_CONFIG`) when it begins more than one backup's id;
   * NotFoundError when it names none; what {@link get} throws for the backup it names.
   */
  async getByIdOrPrefix(given: string, field = 'backupId'): Promise<BackupRecord> {
    let notFound: unknown;
    try {
      return await this.get(given);
    } catch (err) {
      if (!hasErrorCode(err, 'E_NOT_FOUND')) throw err;
      notFound = err;
    }
    if ([...given].length < MIN_ID_PREFIX_CHARS) throw notFound;
    // The miss just listed every container: that listing is the one to match against.
    const backups = await this.namedBackups({ fresh: false });
    const matching = idsMatching(given, backups.keys());
    const [only] = matching;
    if (only === undefined) throw notFound;
    if (matching.length > 1) {
      throw new AmbiguousBackupIdError(
        given,
        matching.flatMap((id) => backups.get(id) ?? []),
        field,
      );
    }
    return this.get(only);
  }

  /**
   * Every backup whose `_metadata` the store lists now, by id, as their names give them: nothing
   * is read, so a damaged backup is among them. Where two containers hold one id, the first listed.
   * With `fresh: false`, a container this catalog has listed already is not listed again: for a
   * caller that has just listed them (by {@link survey}, or a {@link get} that missed).
   */
  async namedBackups(options: { fresh?: boolean } = {}): Promise<Map<string, NamedBackup>> {
    const byId = new Map<string, NamedBackup>();
    for (const b of await this.listedBackups(undefined, await this.containers(), options.fresh ?? true)) {
      if (!byId.has(b.id)) byId.set(b.id, namedBackup(b.container, b.prefix, b.id));
    }
    return byId;
  }

  /** Ids of the backups whose parent is `backupId`: backups of its volume. */
  async dependentsOf(backupId: string): Promise<string[]> {
    let volumeId: string | undefined;
    try {
      volumeId = (await this.get(backupId)).volumeId;
    } catch (err) {
      if (!hasErrorCode(err, 'E_NOT_FOUND')) throw err; // a deleted parent's orphans are found in the whole store
    }
    return (await this.list({ volumeId })).filter((r) => r.parentId === backupId).map((r) => r.id);
  }

  /**
   * Ids of the backups whose parent is `parent`, as the store holds them now: every container
   * (and the parent's own, for a store that cannot list them) is listed afresh, whatever this
   * catalog listed before. A backup that vanishes between the listing and its reading (a failed
   * incremental removing itself) is none; one that cannot be read is an error, as it may be one.
   * Only backups named for the parent's volume are read: an incremental is of its parent's volume.
   */
  async dependentsInStore(parent: BackupRecord): Promise<string[]> {
    const containers = new Set(await this.containers());
    if (parent.container) containers.add(parent.container);
    const backups = (await this.listedBackups(parent.volumeId, [...containers])).filter((b) => b.id !== parent.id);
    const records = await mapLimited(backups, this.store.capabilities.maxConcurrency, async (b) => {
      try {
        return (await this.loadAt(b.container, b.prefix, b.id)).record;
      } catch (err) {
        if (hasErrorCode(err, 'E_NOT_FOUND')) return null;
        throw err;
      }
    });
    return records.flatMap((r) => (r && r.parentId === parent.id ? [r.id] : []));
  }

  /**
   * The backups whose `_metadata` the containers hold now, read from a fresh listing (not as an
   * earlier call found them); with `volumeId`, only those whose name does not give another volume.
   */
  private async listedBackups(
    volumeId: string | undefined,
    containers: string[],
    fresh = true,
  ): Promise<{ container: string; prefix: string; id: string }[]> {
    const limit = this.store.capabilities.maxConcurrency;
    const indexes = await mapLimited(containers, limit, (container) => this.metadataIndex(container, fresh));
    const backups: { container: string; prefix: string; id: string }[] = [];
    containers.forEach((container, i) => {
      for (const [id, prefix] of indexes[i] ?? []) {
        const named = volumeIdOfPrefix(prefix);
        if (!(volumeId && named && named !== volumeId)) backups.push({ container, prefix, id });
      }
    });
    return backups;
  }

  /** Drops a cached record after its backup was deleted. */
  forget(backupId: string): void {
    this.cache.delete(backupId);
    this.indexes.clear();
  }

  private async load(backupId: string): Promise<CatalogEntry> {
    const cached = this.cache.get(backupId);
    if (cached) return cached;
    const first = this.store.containerFor(backupId, null);
    const found = (await this.findIn(first, backupId)) ?? (await this.findElsewhere(first, backupId));
    if (!found) throw new NotFoundError(`backup ${backupId} not found in the store`);
    const loaded = await this.loadAt(found.container, found.prefix, backupId);
    await this.resolveSize(loaded.record);
    return loaded;
  }

  private async findIn(container: string, backupId: string): Promise<{ container: string; prefix: string } | null> {
    const listedBefore = this.indexes.has(container);
    let prefix = (await this.metadataIndex(container, false)).get(backupId);
    // The backup may have been made since that listing (by this process, or another): look again.
    if (prefix === undefined && listedBefore) prefix = (await this.metadataIndex(container, true)).get(backupId);
    return prefix === undefined ? null : { container, prefix };
  }

  /** The container's `_metadata` prefixes by backup id: listed once, or again when `fresh`. */
  private metadataIndex(container: string, fresh: boolean): Promise<Map<string, string>> {
    const known = this.indexes.get(container);
    if (known && !fresh) return known;
    // A bucket's names can run to millions: a store that can find its _metadata objects alone does.
    const names = this.store.listMetadataObjects ? this.store.listMetadataObjects(container) : this.store.listObjects(container, '');
    const index = names.then(metadataPrefixesById);
    this.indexes.set(container, index);
    // A failed listing is not kept: the next call lists again.
    index.catch(() => {
      if (this.indexes.get(container) === index) this.indexes.delete(container);
    });
    return index;
  }

  private async findElsewhere(skip: string, backupId: string): Promise<{ container: string; prefix: string } | null> {
    for (const container of await this.containers()) {
      if (container === skip) continue;
      const found = await this.findIn(container, backupId);
      if (found) return found;
    }
    return null;
  }

  private async loadAt(container: string, prefix: string, id: string): Promise<CatalogEntry> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const meta = await readBackupMetadata(this.store, { container, prefix });
    // The id comes from the object's name; a document that names another backup (swapped, or
    // copied from elsewhere) would answer for that backup and send a chain walk round in circles.
    if (meta.backupId !== id) {
      throw new InvalidBackupError(
        `${metadataObjectName(prefix)} in ${container} names backup ${meta.backupId || '(none)'}, not ${id} as its name says`,
      );
    }
    const createdAt = meta.createdAt ? parseCinderDatetime(meta.createdAt, `created_at of backup ${id}`) : new Date(0);
    const record: BackupRecord = {
      id,
      volumeId: meta.volumeId,
      parentId: meta.parentId,
      container,
      serviceMetadata: prefix,
      objectCount: meta.objects.length,
      size: 0,
      service: this.store.serviceName,
      availabilityZone: null,
      displayName: meta.backupName,
      displayDescription: meta.backupDescription,
      createdAt,
      dataTimestamp: createdAt,
      encryptionKeyId: null,
      status: 'available',
      extra: {},
    };
    const entry = { record, coveredBytes: coveredBytes(meta) };
    this.cache.set(id, entry);
    return entry;
  }

  /**
   * A chain's volume size is what its full backup covers; incrementals never change it. With
   * `pastDamage`, a damaged parent ends the walk as a missing one does: a listing shows the
   * incremental, whose restore then fails on that parent.
   */
  private async resolveSize(record: BackupRecord, opts: { pastDamage?: boolean } = {}): Promise<void> {
    let volumeBytes = 0;
    let cursor: string | null = record.id;
    const seen = new Set<string>();
    while (cursor !== null && !seen.has(cursor)) {
      seen.add(cursor);
      let entry: CatalogEntry;
      try {
        entry = await this.load(cursor);
      } catch (err) {
        if (hasErrorCode(err, 'E_NOT_FOUND')) break; // a missing parent is reported by restore, not by a listing
        if (opts.pastDamage && isDamage(err)) break;
        throw err;
      }
      volumeBytes = Math.max(volumeBytes, entry.coveredBytes);
      cursor = entry.record.parentId;
    }
    record.volumeBytes = volumeBytes;
    record.size = sizeInGiB(record.volumeBytes);
  }

  private async containers(): Promise<string[]> {
    if (this.store.listContainers) return this.store.listContainers();
    return [];
  }
}

/** Backup id to prefix, for each `_metadata` object among `names`; the first listed wins. */
function metadataPrefixesById(names: string[]): Map<string, string> {
  const byId = new Map<string, string>();
  for (const name of names) {
    const prefix = prefixOfMetadataObject(name);
    const id = prefix && backupIdOfPrefix(prefix);
    if (prefix && id && !byId.has(id)) byId.set(id, prefix);
  }
  return byId;
}

/**
 * Oldest first. Record times have whole seconds, so backups made within one second tie: the
 * tie is broken by chain depth, which keeps every parent before its incrementals.
 */
export function sortOldestFirst(records: BackupRecord[]): BackupRecord[] {
  const byId = new Map(records.map((r) => [r.id, r]));
  const depth = new Map<string, number>();
  const depthOf = (r: BackupRecord, seen = new Set<string>()): number => {
    const known = depth.get(r.id);
    if (known !== undefined) return known;
    const parent = r.parentId ? byId.get(r.parentId) : undefined;
    const d = parent && !seen.has(r.id) ? depthOf(parent, seen.add(r.id)) + 1 : 0;
    depth.set(r.id, d);
    return d;
  };
  return [...records].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || depthOf(a) - depthOf(b) || a.id.localeCompare(b.id));
}
