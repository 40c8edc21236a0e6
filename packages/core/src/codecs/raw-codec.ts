import type { Codec } from './codec.js';
import { tooLongError } from './decode-error.js';

/** Tag `none` (and `off`, `no`): the object is stored as it is. */
export const rawCodec: Codec = {
  family: 'none',
  compress(data: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve(data);
  },
  decompress(data: Uint8Array, maxLength: number): Promise<Uint8Array> {
    if (data.length > maxLength) return Promise.reject(tooLongError('raw', maxLength));
    return Promise.resolve(data);
  },
  decompressInto(data: Uint8Array, out: Uint8Array): Promise<number> {
    if (data.length > out.length) return Promise.reject(tooLongError('raw', out.length));
    out.set(data);
    return Promise.resolve(data.length);
  },
};
