import type { Codec } from '../../codecs/codec.js';

/** The stored form of an object: compressed when that makes it smaller, else raw and tagged `none`. */
export interface StoredForm {
  bytes: Uint8Array;
  tag: string;
}

/**
 * Stored forms of all-zero objects, compressed once per (codec, level, length). Volumes are often
 * mostly zeros; each zero object is still a real Cinder object, only its bytes come from here.
 */
export class ZeroObjectCache {
  private readonly forms = new Map<string, Promise<StoredForm>>();

  get(length: number, codec: Codec, level: number | undefined, tag: string): Promise<StoredForm> {
    const key = `${codec.family}:${tag}:${level ?? ''}:${length}`;
    let form = this.forms.get(key);
    if (!form) {
      form = makeZeroForm(length, codec, level, tag);
      // A failed compression must not poison the cache for later backups.
      form.catch(() => this.forms.delete(key));
      this.forms.set(key, form);
    }
    return form;
  }
}

async function makeZeroForm(length: number, codec: Codec, level: number | undefined, tag: string): Promise<StoredForm> {
  const zeros = new Uint8Array(length);
  if (codec.family === 'none') return { bytes: zeros, tag: 'none' };
  const compressed = await codec.compress(zeros, level);
  return compressed.length < length ? { bytes: compressed, tag } : { bytes: zeros, tag: 'none' };
}
