/** Bytes of XDR's unit: every item is padded to a multiple of it (RFC 4506 §3). */
const UNIT = 4;
const BLOCK_SIZE = 256;

/**
 * Builds an XDR encoding (RFC 4506) as a list of pieces: small items go into a block buffer,
 * large opaque data is kept by reference, so a 1 MiB WRITE is never copied before the socket.
 */
export class XdrWriter {
  private readonly pieces: Uint8Array[] = [];
  private block = new Uint8Array(0);
  private view = new DataView(this.block.buffer);
  private used = 0;
  private total = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.total;
  }

  /** An unsigned int (4 bytes, big-endian); throws a RangeError outside 0 to 2^32-1 rather than wrap. */
  u32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new RangeError(`XDR unsigned int out of range: ${value}`);
    this.reserve(4).setUint32(this.used, value);
    return this.advance(4);
  }

  /** A signed int (4 bytes, big-endian); throws a RangeError outside its range rather than wrap. */
  i32(value: number): this {
    if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) throw new RangeError(`XDR int out of range: ${value}`);
    this.reserve(4).setInt32(this.used, value);
    return this.advance(4);
  }

  /** An unsigned hyper: a safe integer or a bigint. */
  u64(value: number | bigint): this {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`XDR unsigned hyper not a safe integer: ${value}`);
    const big = BigInt(value);
    if (big < 0n || big > 0xffff_ffff_ffff_ffffn) throw new RangeError(`XDR unsigned hyper out of range: ${value}`);
    this.reserve(8).setBigUint64(this.used, big);
    return this.advance(8);
  }

  /** A bool, as the unsigned int 1 or 0. */
  bool(value: boolean): this {
    return this.u32(value ? 1 : 0);
  }

  /** Fixed-length opaque data, padded: its length is known to both sides. */
  fixedOpaque(data: Uint8Array): this {
    if (data.length >= BLOCK_SIZE) {
      this.cut();
      this.pieces.push(data);
      this.total += data.length;
    } else {
      this.reserve(data.length);
      this.block.set(data, this.used);
      this.advance(data.length);
    }
    const pad = (UNIT - (data.length % UNIT)) % UNIT;
    if (pad > 0) {
      this.reserve(pad);
      this.block.fill(0, this.used, this.used + pad);
      this.advance(pad);
    }
    return this;
  }

  /** Variable-length opaque data: its length, the bytes, padding. `max` is the declared bound (`opaque<max>`). */
  opaque(data: Uint8Array, max = 0xffff_ffff): this {
    if (data.length > max) throw new RangeError(`XDR opaque of ${data.length} bytes exceeds its bound of ${max}`);
    return this.u32(data.length).fixedOpaque(data);
  }

  /** A string, as UTF-8 bytes. */
  string(text: string, max = 0xffff_ffff): this {
    return this.opaque(Buffer.from(text, 'utf8'), max);
  }

  /** The encoding as pieces to write out in order. No item may follow. */
  finish(): Uint8Array[] {
    this.cut();
    return this.pieces;
  }

  /** The encoding in one buffer (a copy: for small messages and tests). */
  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.finish()));
  }

  /** Room for `bytes` more in the block; the view to write them with at `used`. */
  private reserve(bytes: number): DataView {
    if (this.used + bytes > this.block.length) {
      this.cut();
      this.block = new Uint8Array(Math.max(BLOCK_SIZE, bytes));
      this.view = new DataView(this.block.buffer);
    }
    return this.view;
  }

  private advance(bytes: number): this {
    this.used += bytes;
    this.total += bytes;
    return this;
  }

  /** Closes the block's used part as a piece; later items go after it, in the rest of the block. */
  private cut(): void {
    if (this.used === 0) return;
    this.pieces.push(this.block.subarray(0, this.used));
    this.block = this.block.subarray(this.used);
    this.view = new DataView(this.block.buffer, this.block.byteOffset, this.block.byteLength);
    this.used = 0;
  }
}
