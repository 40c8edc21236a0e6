/** RFC 5531 §11: the high bit of a fragment header marks the last fragment of a record. */
const LAST_FRAGMENT = 0x8000_0000;
const MAX_FRAGMENT = 0x7fff_ffff;

/** The stream does not frame as records: broken or not an RPC server. */
export class RecordMarkingError extends Error {
  override readonly name = 'RecordMarkingError';
  readonly code = 'EIO';
}

/** The header of a record sent as one fragment of `length` bytes. */
export function lastFragmentHeader(length: number): Uint8Array {
  if (length > MAX_FRAGMENT) throw new RangeError(`RPC record of ${length} bytes is too large for one fragment`);
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, (LAST_FRAGMENT | length) >>> 0);
  return header;
}

/**
 * Splits a TCP byte stream into RPC records (RFC 5531 §11): fragments are gathered until the
 * last one, and each whole record is handed to `onRecord`. A record larger than `maxRecord`
 * is refused before it is buffered.
 */
export class RecordDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Fragments of the record being gathered. */
  private fragments: Buffer[] = [];
  private recordBytes = 0;

  constructor(
    private readonly onRecord: (record: Uint8Array) => void,
    private readonly maxRecord: number,
  ) {}

  /** Feeds bytes as they arrive. Throws RecordMarkingError on a stream that cannot be framed. */
  push(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (this.pendingBytes < 4) return;
      const header = this.peekHeader();
      const length = header & MAX_FRAGMENT;
      if (this.recordBytes + length > this.maxRecord) {
        throw new RecordMarkingError(`RPC record of more than ${this.maxRecord} bytes (${this.recordBytes + length}) refused`);
      }
      if (this.pendingBytes < 4 + length) return;
      this.take(4);
      this.fragments.push(this.take(length));
      this.recordBytes += length;
      if ((header & LAST_FRAGMENT) !== 0) {
        const record = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments, this.recordBytes);
        this.fragments = [];
        this.recordBytes = 0;
        this.onRecord(record);
      }
    }
  }

  private peekHeader(): number {
    const first = this.pending[0]!;
    if (first.length >= 4) return first.readUInt32BE(0);
    return Buffer.concat(this.pending).readUInt32BE(0);
  }

  /** The next `length` pending bytes, as a view when they lie in one chunk. */
  private take(length: number): Buffer {
    this.pendingBytes -= length;
    const first = this.pending[0]!;
    if (first.length >= length) {
      if (first.length === length) this.pending.shift();
      else this.pending[0] = first.subarray(length);
      return first.subarray(0, length);
    }
    const out = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const chunk = this.pending[0]!;
      const n = Math.min(chunk.length, length - filled);
      chunk.copy(out, filled, 0, n);
      filled += n;
      if (n === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(n);
    }
    return out;
  }
}
