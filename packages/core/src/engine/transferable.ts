/**
 * The ArrayBuffer behind `holder[key]`, ready to transfer to another thread. A view of part of
 * a larger buffer (a pooled Buffer, a slice of a chunk) cannot move without detaching its
 * neighbours, so it is first copied into a buffer of its own, replacing `holder[key]`.
 */
export function transferableBuffer<K extends string>(holder: { [P in K]?: Uint8Array }, key: K): ArrayBuffer {
  let view = holder[key] as Uint8Array;
  if (view.byteOffset !== 0 || view.byteLength !== view.buffer.byteLength || !(view.buffer instanceof ArrayBuffer)) {
    // The TypedArray constructor copies with memcpy; Uint8Array.from would go byte by byte.
    view = new Uint8Array(view);
    (holder as Record<K, Uint8Array>)[key] = view;
  }
  return view.buffer as ArrayBuffer;
}
