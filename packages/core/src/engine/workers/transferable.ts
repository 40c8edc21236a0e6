import { isReadBuffer } from '../memory/read-buffer.js';

/**
 * What to list for transfer when `holder[key]` is posted to another thread. Shared memory is
 * seen by both threads and needs nothing. An ArrayBuffer moves whole; a view of part of a
 * larger one (a pooled Buffer, a slice of a chunk) cannot move without detaching its
 * neighbours, so it is first copied into a buffer of its own, replacing `holder[key]`. A read
 * buffer (alone in its ArrayBuffer) moves as it is.
 */
export function transferableBuffers<K extends string>(holder: { [P in K]?: Uint8Array | null }, key: K): ArrayBuffer[] {
  let view = holder[key] as Uint8Array | null | undefined;
  if (!view || !(view.buffer instanceof ArrayBuffer)) return [];
  if (isReadBuffer(view)) return [view.buffer];
  if (view.byteOffset !== 0 || view.byteLength !== view.buffer.byteLength) {
    // The TypedArray constructor copies with memcpy; Uint8Array.from would go byte by byte.
    view = new Uint8Array(view);
    (holder as Record<K, Uint8Array>)[key] = view;
  }
  return [view.buffer as ArrayBuffer];
}

/** The distinct ArrayBuffers behind views that own their whole buffer; shared memory needs no transfer. */
export function ownedBuffers(views: (Uint8Array | null)[]): ArrayBuffer[] {
  return [...new Set(views.flatMap((v) => (v && v.buffer instanceof ArrayBuffer ? [v.buffer] : [])))];
}
