import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidBackupError, UnsupportedError } from './errors.js';
import { pythonJsonDumps, type PythonJsonValue } from './format/python-json.js';

/** The three sections of Cinder's volume metadata (cinder-format.md §9). */
export interface VolumeMetadataSections {
  /** `volume-base-metadata`: columns of the volume row. */
  base?: Record<string, PythonJsonValue>;
  /** `volume-metadata`: the user's key/value metadata. */
  metadata?: Record<string, string>;
  /** `volume-glance-metadata`: image properties. */
  glance?: Record<string, PythonJsonValue>;
}

/**
 * Where the host keeps volume metadata (Cinder: its DB). `put` receives what a restore applies,
 * with Cinder's semantics already worked out: `base` fields to update, `metadata` and `glance`
 * to replace wholesale when present.
 */
export interface VolumeMetadataStore {
  /** The volume's current metadata, read by a backup to save it; null for a volume it has none for. */
  get(volumeId: string): Promise<VolumeMetadataSections | null>;
  /** Applies what a restore brings back to the volume's metadata, merged as the sections say. */
  put(volumeId: string, sections: VolumeMetadataSections): Promise<void>;
}

/** Metadata format version written by `getMetadata` (Cinder's `backup_metadata_version`). */
export const VOLUME_METADATA_VERSION = 2;

const TAG_BASE = 'volume-base-metadata';
const TAG_META = 'volume-metadata';
const TAG_GLANCE = 'volume-glance-metadata';

/** Cinder's `BackupMetadataAPI.get`: a version-2 JSON string; empty sections are omitted. */
export function encodeVolumeMetadata(sections: VolumeMetadataSections | null): string {
  const doc: Record<string, PythonJsonValue> = { version: VOLUME_METADATA_VERSION };
  if (sections?.base && Object.keys(sections.base).length > 0) doc[TAG_BASE] = sections.base;
  if (sections?.metadata && Object.keys(sections.metadata).length > 0) doc[TAG_META] = sections.metadata;
  if (sections?.glance && Object.keys(sections.glance).length > 0) doc[TAG_GLANCE] = sections.glance;
  return pythonJsonDumps(doc);
}

/** Base fields each version restores (the rest is stored in the backup but not applied, as in Cinder). */
const RESTORED_BASE_FIELDS: Record<number, readonly string[]> = {
  1: ['display_name', 'display_description'],
  2: ['display_name', 'display_description', 'encryption_key_id'],
};

/** Cinder's `BackupMetadataAPI.put` dispatch: what of a stored JSON gets applied to a volume. */
export function decodeVolumeMetadata(json: string): VolumeMetadataSections {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new InvalidBackupError(`volume metadata is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new InvalidBackupError('volume metadata is not a JSON object');
  }
  const d = doc as Record<string, unknown>;
  const fields = typeof d.version === 'number' ? RESTORED_BASE_FIELDS[d.version] : undefined;
  if (!fields) throw new UnsupportedError(`unsupported volume metadata version ${JSON.stringify(d.version)} (1 and 2 are)`);
  const out: VolumeMetadataSections = {};
  const base = asObject(d[TAG_BASE], TAG_BASE);
  if (base) {
    const picked: Record<string, PythonJsonValue> = {};
    for (const f of fields) if (f in base) picked[f] = base[f] as PythonJsonValue;
    if (Object.keys(picked).length > 0) out.base = picked;
  }
  const meta = asObject(d[TAG_META], TAG_META);
  if (meta) out.metadata = Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, String(v)]));
  const glance = asObject(d[TAG_GLANCE], TAG_GLANCE);
  if (glance) out.glance = glance as Record<string, PythonJsonValue>;
  return out;
}

function asObject(v: unknown, tag: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new InvalidBackupError(`volume metadata section ${tag} is not an object`);
  return v as Record<string, unknown>;
}

/** Applies a put onto existing sections the way Cinder updates a volume row. */
export function applyVolumeMetadata(current: VolumeMetadataSections | null, update: VolumeMetadataSections): VolumeMetadataSections {
  const next: VolumeMetadataSections = { ...(current ?? {}) };
  if (update.base) next.base = { ...(current?.base ?? {}), ...update.base };
  if (update.metadata) next.metadata = { ...update.metadata };
  if (update.glance) next.glance = { ...update.glance };
  return next;
}

/** Volume metadata in memory: the default when a host brings nothing. */
export class MemoryVolumeMetadataStore implements VolumeMetadataStore {
  private readonly volumes = new Map<string, VolumeMetadataSections>();

  async get(volumeId: string): Promise<VolumeMetadataSections | null> {
    return this.volumes.get(volumeId) ?? null;
  }

  async put(volumeId: string, sections: VolumeMetadataSections): Promise<void> {
    this.volumes.set(volumeId, applyVolumeMetadata(this.volumes.get(volumeId) ?? null, sections));
  }
}

/** Volume metadata as one JSON file per volume in a directory: the CLI's store. */
export class FileVolumeMetadataStore implements VolumeMetadataStore {
  constructor(private readonly dir: string) {}

  async get(volumeId: string): Promise<VolumeMetadataSections | null> {
    try {
      return JSON.parse(await readFile(this.pathOf(volumeId), 'utf8')) as VolumeMetadataSections;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async put(volumeId: string, sections: VolumeMetadataSections): Promise<void> {
    const next = applyVolumeMetadata(await this.get(volumeId), sections);
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.pathOf(volumeId)}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify(next, null, 2));
    await rename(tmp, this.pathOf(volumeId));
  }

  private pathOf(volumeId: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(volumeId) || volumeId.startsWith('.')) {
      throw new InvalidBackupError(`volume id ${JSON.stringify(volumeId)} cannot name a metadata file`);
    }
    return join(this.dir, `${volumeId}.json`);
  }
}
