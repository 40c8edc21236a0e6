import { createRequire } from 'node:module';
import { ConfigError } from '../errors.js';
import { decompressToNew, type Codec } from './codec.js';
import { decodeError, messageOf, tooLongError } from './decode-error.js';

/** Python's `bz2.compress` default (900 kB blocks), which Cinder uses. */
export const BZIP2_DEFAULT_LEVEL = 9;

/** The byte source seek-bzip pulls from. */
interface BunzipInput {
  readByte(): number;
  read(buffer: Uint8Array, offset: number, length: number): number;
  eof(): boolean;
}

/** The byte sink seek-bzip pushes to. */
interface BunzipOutput {
  writeByte(byte: number): void;
}

/** The parts of the untyped CommonJS packages we use. */
interface SeekBzip {
  decode(input: BunzipInput, output: BunzipOutput, multistream: boolean): void;
}
interface CompressJs {
  Bzip2: { compressFile(input: Uint8Array, output: undefined, blockSizeMultiplier: number): Uint8Array };
}

let libraries: { seekBzip: SeekBzip; compressJs: CompressJs } | undefined;

// Loaded on first use: hosts that never see bzip2 do not pay for parsing these libraries.
function bzip2Libraries(): { seekBzip: SeekBzip; compressJs: CompressJs } {
  if (libraries === undefined) {
    const require = createRequire(import.meta.url);
    libraries = {
      seekBzip: require('seek-bzip') as SeekBzip,
      compressJs: require('compressjs') as CompressJs,
    };
  }
  return libraries;
}

/** Thrown by {@link ByteReader} when a stream runs past the end of the data. */
class TruncatedStreamError extends Error {
  constructor() {
    super('data ended before the end-of-stream marker was reached');
  }
}

/** Reads `data` from `pos`; reading past the end throws, so truncated streams fail cleanly. */
class ByteReader implements BunzipInput {
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  readByte(): number {
    if (this.pos >= this.data.length) throw new TruncatedStreamError();
    return this.data[this.pos++] as number;
  }

  read(buffer: Uint8Array, offset: number, length: number): number {
    const n = Math.min(length, this.data.length - this.pos);
    buffer.set(this.data.subarray(this.pos, this.pos + n), offset);
    this.pos += n;
    return n;
  }

  eof(): boolean {
    return this.pos >= this.data.length;
  }
}

/** Thrown by {@link ByteWriter} at the first byte past the room it was given. */
class OutputFullError extends Error {}

/**
 * Writes into a fixed buffer: the byte after its end throws, which unwinds seek-bzip at once
 * (it catches nothing), so a bomb stops at the declared length instead of inflating whole.
 */
class ByteWriter implements BunzipOutput {
  length = 0;

  constructor(private readonly out: Uint8Array) {}

  writeByte(byte: number): void {
    if (this.length === this.out.length) throw new OutputFullError();
    this.out[this.length++] = byte;
  }
}

/**
 * Decodes every bzip2 stream in `data`, one after the other, into `out`, as Python's
 * `bz2.decompress` does: once at least one stream decoded, trailing bytes that are not a valid
 * stream are ignored; an invalid first stream, or any stream cut short, is an error. Returns the
 * bytes written by the streams that decoded whole; output past `out` is an error, in any stream.
 */
function decodeMultiStream(data: Uint8Array, out: Uint8Array): number {
  const { seekBzip } = bzip2Libraries();
  const output = new ByteWriter(out);
  const input = new ByteReader(data, 0);
  let streams = 0;
  let committed = 0;
  while (!input.eof()) {
    try {
      // One stream per call: seek-bzip's own multistream loop cannot tell junk from damage.
      seekBzip.decode(input, output, false);
    } catch (err) {
      if (err instanceof OutputFullError) throw tooLongError('bzip2', out.length);
      if (streams === 0 || err instanceof TruncatedStreamError) throw decodeError('bzip2', messageOf(err), err);
      break;
    }
    streams += 1;
    committed = output.length;
  }
  // Python's bz2.decompress(b'') is b''; anything non-empty without a stream failed above.
  return committed;
}

/**
 * Tags `bz2` and `bzip2`. Writes one stream with compressjs (accepted by Cinder); reads
 * single- and multi-stream data with seek-bzip. Both are pure JavaScript and synchronous,
 * so a call holds the event loop for as long as it runs: bzip2 is never the default.
 */
export const bzip2Codec: Codec = {
  family: 'bz2',
  compress(data: Uint8Array, level: number = BZIP2_DEFAULT_LEVEL): Promise<Uint8Array> {
    if (!Number.isInteger(level) || level < 1 || level > 9) {
      return Promise.reject(new ConfigError(`bzip2 level must be an integer from 1 to 9, got ${level}`, 'level'));
    }
    try {
      const { compressJs } = bzip2Libraries();
      return Promise.resolve(compressJs.Bzip2.compressFile(data, undefined, level));
    } catch (err) {
      return Promise.reject(err);
    }
  },
  decompress(data: Uint8Array, maxLength: number): Promise<Uint8Array> {
    return decompressToNew(bzip2Codec, data, maxLength);
  },
  decompressInto(data: Uint8Array, out: Uint8Array): Promise<number> {
    try {
      return Promise.resolve(decodeMultiStream(data, out));
    } catch (err) {
      return Promise.reject(err);
    }
  },
};
