/**
 * NumPy's .npy format (version 1.0), and the RuntimeEncoder's ndarray form: zlib-compressed .npy
 * bytes in base64 (qiskit_ibm_runtime.utils.json `_serialize_and_encode`).
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { QuantumInputError } from '../errors.js';

/** The NumPy dtypes the results use: bytes for BitArrays, float64 for estimates. */
export type Dtype = '|u1' | '<f8';

const shapeText = (shape: readonly number[]): string =>
  shape.length === 0 ? '()' : shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;

/** .npy bytes of a C-ordered array. */
export function writeNpy(
  data: Uint8Array | Float64Array,
  dtype: Dtype,
  shape: readonly number[],
): Buffer {
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText(shape)}, }`;
  // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, ending in \n.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), body]);
}

/**
 * The RuntimeEncoder form of an ndarray. zlib's fastest level: the decoder inflates any level,
 * and at the default level compressing a sampler's bits took a quarter of a small circuit's run
 * (GHZ-20, 1,024 shots) for a few hundred bytes saved.
 */
export function encodeNdarray(
  data: Uint8Array | Float64Array,
  dtype: Dtype,
  shape: readonly number[],
) {
  return {
    __type__: 'ndarray',
    __value__: deflateSync(writeNpy(data, dtype, shape), { level: 1 }).toString('base64'),
  };
}

/** The parts of .npy bytes: its dtype, its shape and the C-ordered data after the header. */
export function parseNpy(bytes: Buffer): { descr: string; shape: number[]; body: Buffer } {
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== '\x93NUMPY')
    throw new QuantumInputError('not a .npy array');
  const major = bytes[6] ?? 1;
  const len = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', start, start + len);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1] ?? '';
  if (/'fortran_order':\s*True/.test(header))
    throw new QuantumInputError('Fortran-ordered arrays are not supported');
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new QuantumInputError(`a .npy array has a bad shape in its header: ${header.trim()}`);
  return { descr, shape, body: bytes.subarray(start + len) };
}

/** A float array read from .npy bytes (float64, float32 or integer dtypes). */
export function readNpy(bytes: Buffer): { data: number[]; shape: number[] } {
  const { descr, shape, body } = parseNpy(bytes);
  const count = shape.reduce((a, b) => a * b, 1);
  const readers: Record<string, [number, (o: number) => number]> = {
    '<f8': [8, (o) => body.readDoubleLE(o)],
    '<f4': [4, (o) => body.readFloatLE(o)],
    '<i8': [8, (o) => Number(body.readBigInt64LE(o))],
    '<i4': [4, (o) => body.readInt32LE(o)],
    '|u1': [1, (o) => body.readUInt8(o)],
  };
  const reader = readers[descr];
  if (!reader) throw new QuantumInputError(`arrays of dtype ${descr} are not supported`);
  if (body.length < count * reader[0])
    throw new QuantumInputError(`a .npy array of shape ${shapeText(shape)} is cut short`);
  const data = Array.from({ length: count }, (_, k) => reader[1](k * reader[0]));
  return { data, shape };
}

/** The most bytes an ndarray value may inflate to (8 million float64 parameter values). */
export const MAX_NDARRAY_BYTES = 64 * 1024 * 1024;

/** Decode the RuntimeEncoder's ndarray value (base64 of zlib .npy, or a plain list). */
export function decodeNdarray(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const { data, shape } = readNpy(inflateNdarray(value));
  return nest(data, shape);
}

/** The .npy bytes of an ndarray value (base64 of zlib .npy), inflated within bounds. */
export function inflateNdarray(value: string): Buffer {
  try {
    // Bounded: a small zlib bomb could otherwise inflate to gigabytes.
    return inflateSync(Buffer.from(value, 'base64'), { maxOutputLength: MAX_NDARRAY_BYTES });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new QuantumInputError(
        `an ndarray value inflates to more than ${MAX_NDARRAY_BYTES} bytes`,
      );
    throw new QuantumInputError('an ndarray value is not zlib-compressed base64 .npy data');
  }
}

/** A flat C-ordered array as nested lists. */
export function nest<T>(data: readonly T[], shape: readonly number[]): unknown {
  if (shape.length === 0) return data[0];
  const [n = 0, ...rest] = shape;
  const size = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, k) => nest(data.slice(k * size, (k + 1) * size), rest));
}
