/**
 * A bounds-checked cursor over QPY bytes. Every length and count in a QPY payload comes from the
 * sender, so every read checks that the bytes are there before it allocates or loops: a field
 * that points past the end is an error, never a huge allocation or a read of garbage.
 */
import { QpyError } from './errors.js';

const DECODER = new TextDecoder('utf-8', { fatal: true });

export class Bytes {
  private pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    /** What these bytes are, for errors (`circuit 0`, `gate definition rzx_…`). */
    readonly what: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** Fail unless `n` more bytes exist (n from the payload: it may be absurd). */
  need(n: number, field: string): void {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.remaining)
      throw new QpyError(
        `${this.what}: ${field} needs ${n} bytes at offset ${this.pos}, but ${this.remaining} remain`,
      );
  }

  /** A count of items, each at least `minBytes` long: bounded by what remains. */
  count(n: number, minBytes: number, field: string): number {
    if (!Number.isSafeInteger(n) || n < 0 || n * Math.max(1, minBytes) > this.remaining)
      throw new QpyError(
        `${this.what}: ${field} is ${n}, more than the ${this.remaining} bytes left could hold`,
      );
    return n;
  }

  seek(offset: number, field: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.buf.length)
      throw new QpyError(
        `${this.what}: ${field} ${offset} is outside the ${this.buf.length} bytes`,
      );
    this.pos = offset;
  }

  u8(field = 'byte'): number {
    this.need(1, field);
    return this.view.getUint8(this.pos++);
  }
  bool(field = 'bool'): boolean {
    return this.u8(field) !== 0;
  }
  char(field = 'type code'): string {
    return String.fromCharCode(this.u8(field));
  }
  u16(field = 'uint16'): number {
    this.need(2, field);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  u32(field = 'uint32'): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  i32(field = 'int32'): number {
    this.need(4, field);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }
  /** A uint64 that must fit a safe integer (sizes, counts, offsets). */
  u64(field = 'uint64'): number {
    this.need(8, field);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new QpyError(`${this.what}: ${field} ${v} is too large`);
    return Number(v);
  }
  i64(field = 'int64', littleEndian = false): number {
    this.need(8, field);
    const v = this.view.getBigInt64(this.pos, littleEndian);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
      throw new QpyError(`${this.what}: ${field} ${v} is too large`);
    return Number(v);
  }
  f64(field = 'double', littleEndian = false): number {
    this.need(8, field);
    const v = this.view.getFloat64(this.pos, littleEndian);
    this.pos += 8;
    return v;
  }
  bytes(n: number, field = 'bytes'): Uint8Array {
    this.need(n, field);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** `n` bytes as a sub-reader (its own bounds). */
  sub(n: number, what: string): Bytes {
    return new Bytes(this.bytes(n, what), what);
  }
  utf8(n: number, field = 'text'): string {
    const raw = this.bytes(n, field);
    try {
      return DECODER.decode(raw);
    } catch {
      throw new QpyError(`${this.what}: ${field} is not UTF-8`);
    }
  }
  /** 16 bytes as a lowercase hex UUID (parameters and variables are keyed by it). */
  uuid(field = 'uuid'): string {
    return hex(this.bytes(16, field));
  }
}

export const hex = (b: Uint8Array): string =>
  Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** A .npy array (as np.save writes it, format 1 to 3): its header text and its data bytes. */
export function npyParts(npy: Uint8Array, what: string): { header: string; body: Uint8Array } {
  const latin1 = new TextDecoder('latin1');
  if (npy.length < 10 || npy[0] !== 0x93 || latin1.decode(npy.subarray(1, 6)) !== 'NUMPY')
    throw new QpyError(`${what} is not .npy data`);
  const r = new Bytes(npy, what);
  r.seek(8, 'npy header length');
  const major = npy[6] ?? 1;
  // Lengths are little endian: 2 bytes in format 1, 4 bytes from format 2.
  const len =
    major === 1
      ? (npy[8] ?? 0) + 256 * (npy[9] ?? 0)
      : (npy[8] ?? 0) + 256 * (npy[9] ?? 0) + 65536 * (npy[10] ?? 0) + 16777216 * (npy[11] ?? 0);
  r.seek(major === 1 ? 10 : 12, 'npy header');
  const header = latin1.decode(r.bytes(len, 'npy header'));
  return { header, body: r.bytes(r.remaining, 'npy data') };
}
