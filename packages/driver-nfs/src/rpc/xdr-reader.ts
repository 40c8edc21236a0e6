/** A reply that does not decode as the XDR it should be: the server (or the stream) is broken. */
export class XdrError extends Error {
  /** The class name, as stack traces and logs print it (`Error` otherwise). */
  override readonly name = 'XdrError';
  /** Errno-style: a garbled reply is an I/O error, as a kernel client reports it. */
  readonly code = 'EIO';
}

/** Reads an XDR encoding (RFC 4506) front to back; every read is bounds-checked. */
export class XdrReader {
  private readonly view: DataView;
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.bytes.length - this.at;
  }

  /** An unsigned int (4 bytes, big-endian). */
  u32(): number {
    return this.view.getUint32(this.take(4));
  }

  /** A signed int (4 bytes, big-endian). */
  i32(): number {
    return this.view.getInt32(this.take(4));
  }

  /** An unsigned hyper as a bigint (cookies, verifiers, file ids: compared, never computed with). */
  u64Big(): bigint {
    return this.view.getBigUint64(this.take(8));
  }

  /** An unsigned hyper that must be a safe integer (sizes, offsets). */
  u64(): number {
    const big = this.u64Big();
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new XdrError(`XDR unsigned hyper ${big} is too large`);
    return Number(big);
  }

  /** A bool; anything but 0 or 1 is a garbled reply and throws. */
  bool(): boolean {
    const value = this.u32();
    if (value > 1) throw new XdrError(`XDR bool is ${value}`);
    return value === 1;
  }

  /** `length` bytes and their padding, as a view into the reply (no copy). */
  fixedOpaque(length: number): Uint8Array {
    const start = this.take(length + ((4 - (length % 4)) % 4));
    return this.bytes.subarray(start, start + length);
  }

  /** Variable-length opaque data of at most `max` bytes (its declared bound). */
  opaque(max = 0xffff_ffff): Uint8Array {
    const length = this.u32();
    if (length > max) throw new XdrError(`XDR opaque of ${length} bytes exceeds its bound of ${max}`);
    return this.fixedOpaque(length);
  }

  /** A string of at most `max` bytes (its declared bound), decoded as UTF-8, as NFS servers send names. */
  string(max = 0xffff_ffff): string {
    return Buffer.from(this.opaque(max)).toString('utf8');
  }

  /** Throws unless every byte was read: trailing bytes mean the reply is not what was decoded. */
  end(): void {
    if (this.remaining !== 0) throw new XdrError(`${this.remaining} unexpected bytes after the XDR reply`);
  }

  private take(bytes: number): number {
    if (bytes > this.remaining) throw new XdrError(`XDR reply ends early: ${bytes} bytes wanted, ${this.remaining} left`);
    const start = this.at;
    this.at += bytes;
    return start;
  }
}
