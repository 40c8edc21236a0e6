import type { Codec } from './codec.js';

/** Tag `none` (and `off`, `no`): the object is stored as it is. */
export const rawCodec: Codec = {
  family: 'none',
  compress(data: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve(data);
  },
  decompress(data: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve(data);
  },
};
