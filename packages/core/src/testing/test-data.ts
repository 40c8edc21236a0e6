import { createHash } from 'node:crypto';

/**
 * A seeded pseudo-random generator (mulberry32): the same seed gives the same bytes on every
 * machine, so a failure reproduces exactly.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /**
   * A generator of its own for `label` (an object name, a call), derived from `seed`: what it
   * draws depends on the seed and the label only, not on how many numbers others drew first,
   * so concurrent users each get the same numbers whatever order they run in.
   */
  static forLabel(seed: number, label: string): SeededRandom {
    // FNV-1a of the label, from the seed; then murmur3's finalizer, or labels that differ in
    // their last character (call 1, call 2) start from neighbouring states and draw alike.
    let h = 0x811c9dc5 ^ (seed >>> 0);
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return new SeededRandom(h ^ (h >>> 16));
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Integer in [0, max). */
  below(max: number): number {
    return this.nextUint32() % max;
  }

  /** Number in [0, 1), as `Math.random()` gives. */
  fraction(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** One of `items`, which must not be empty. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('SeededRandom.pick: no items');
    return items[this.below(items.length)] as T;
  }

  /** Fills `into` with random bytes. */
  fill(into: Uint8Array): Uint8Array {
    let i = 0;
    for (; i + 4 <= into.length; i += 4) {
      const v = this.nextUint32();
      into[i] = v & 0xff;
      into[i + 1] = (v >>> 8) & 0xff;
      into[i + 2] = (v >>> 16) & 0xff;
      into[i + 3] = v >>> 24;
    }
    for (; i < into.length; i++) into[i] = this.nextUint32() & 0xff;
    return into;
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    return this.fill(new Uint8Array(length));
  }
}

const WORDS = ['volume', 'backup', 'cinder', 'chunk', 'object', 'restore', 'sha256', 'block', 'zero', 'metadata', '\n'];

/**
 * A volume image of `size` bytes mixing what real disks hold: incompressible random regions,
 * all-zero regions (the engine's zero path) and compressible text. Deterministic for a seed.
 */
export function makeVolume(size: number, seed: number): Uint8Array {
  const rnd = new SeededRandom(seed);
  const out = new Uint8Array(size);
  let at = 0;
  let kind = 0;
  while (at < size) {
    // Region lengths straddle hash-block and object boundaries on purpose.
    const len = Math.min(size - at, 4096 + rnd.below(300_000));
    const region = out.subarray(at, at + len);
    if (kind % 3 === 0) rnd.fill(region);
    else if (kind % 3 === 2) {
      let text = '';
      while (text.length < len) text += `${WORDS[rnd.below(WORDS.length)]} ${rnd.below(100_000)} `;
      region.set(new TextEncoder().encode(text.slice(0, len)));
    }
    // kind % 3 === 1: left as zeros
    at += len;
    kind++;
  }
  return out;
}

/**
 * A copy of `volume` with `changes` scattered small edits (a few bytes to a few KiB each),
 * as an incremental backup would see between two points in time.
 */
export function mutateVolume(volume: Uint8Array, seed: number, changes = 8): Uint8Array {
  const rnd = new SeededRandom(seed);
  const out = new Uint8Array(volume);
  for (let i = 0; i < changes; i++) {
    const len = 1 + rnd.below(6000);
    const at = rnd.below(Math.max(1, out.length - len));
    rnd.fill(out.subarray(at, at + len));
  }
  return out;
}

/** Lowercase hex SHA-256. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Null when `actual` equals `expected`, else a short description of the first difference:
 * readable in a failure report, unlike a diff of megabytes.
 */
export function describeDifference(actual: Uint8Array, expected: Uint8Array): string | null {
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) {
      return `first difference at byte ${i} of ${expected.length}: got 0x${actual[i]?.toString(16)}, expected 0x${expected[i]?.toString(16)}`;
    }
  }
  if (actual.length !== expected.length) return `length ${actual.length}, expected ${expected.length}`;
  return null;
}

/** A short random token for unique names: lowercase letters and digits only, valid in every store. */
export function randomToken(length = 10): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(length));
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

/** What a promise settled with: the error's `code` (or `no error`), without `instanceof`. */
export async function errorCodeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (err) {
    const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
    return typeof code === 'string' ? code : `untyped error: ${String((err as Error)?.message ?? err)}`;
  }
}

/** The error a promise rejected with, or null when it resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return null;
  } catch (err) {
    return err;
  }
}

/**
 * `promise`, or a rejection naming `what` once `ms` have passed without it settling: a test's
 * way to call a hang a failure rather than wait for it.
 */
export async function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`HANG: ${what} did not settle in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}
