/**
 * IBM's tensor models (ibm-quantum-schemas `common/tensor.py`; ../shared/spec/programs.md §0):
 * `{"data": base64, "shape": [int], "dtype": str}`, the raw little-endian C-order element bytes,
 * zlib-compressed in the `Compressed` models; `bool` is bit-packed LSB first
 * (`np.packbits(..., bitorder="little")`). A tensor whose byte length does not fit its shape is
 * refused, as IBM's validators refuse it.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { product } from './arrays.js';
import { QuantumInputError } from '../errors.js';

/** Bytes per element (bool: 1/8, bit-packed). */
const SIZES: Readonly<Record<string, number>> = {
  f16: 2,
  f32: 4,
  f64: 8,
  bool: 1 / 8,
  i8: 1,
  i16: 2,
  i32: 4,
  i64: 8,
  u8: 1,
  u16: 2,
  u32: 4,
  u64: 8,
  c64: 8,
  c128: 16,
};

/** The most bytes a tensor may inflate to (a zlib bomb is refused before it is whole). */
export const MAX_TENSOR_BYTES = 256 * 1024 * 1024;

export interface Tensor {
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly bytes: Uint8Array;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Read a tensor model; `compressed` says which of IBM's two models the field is. */
export function readTensor(
  value: unknown,
  where: string,
  options: { compressed: boolean; dtypes?: readonly string[] },
): Tensor {
  if (!isObject(value) || typeof value.data !== 'string' || !Array.isArray(value.shape))
    throw new QuantumInputError(`${where} must be a tensor {"data", "shape", "dtype"}`);
  const shape = value.shape as unknown[];
  if (!shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0))
    throw new QuantumInputError(`${where}.shape must be a list of non-negative integers`);
  const dtype = String(value.dtype);
  const allowed = options.dtypes ?? Object.keys(SIZES);
  const size = SIZES[dtype];
  if (size === undefined || !allowed.includes(dtype))
    throw new QuantumInputError(
      `${where}.dtype must be one of ${allowed.join(', ')} (got ${dtype})`,
    );
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value.data))
    throw new QuantumInputError(`${where}.data must be base64 (standard alphabet, padded)`);
  let bytes: Uint8Array = Buffer.from(value.data, 'base64');
  if (options.compressed) {
    try {
      bytes = inflateSync(bytes, { maxOutputLength: MAX_TENSOR_BYTES });
    } catch {
      throw new QuantumInputError(`${where}.data is not zlib-compressed (or inflates too far)`);
    }
  }
  const expected = Math.ceil(product(shape as number[]) * size);
  if (bytes.length !== expected)
    throw new QuantumInputError(
      `${where}: ${bytes.length} bytes do not fit shape [${shape.join(', ')}] of ${dtype} (${expected} bytes)`,
    );
  return { shape: shape as number[], dtype, bytes };
}

/** A float64 tensor's elements. */
export function float64s(t: Tensor): Float64Array {
  const copy = new Uint8Array(t.bytes);
  return new Float64Array(copy.buffer, 0, copy.length / 8);
}

/** Encode float64 elements (compressed or not). */
export function f64Tensor(
  values: Float64Array,
  shape: readonly number[],
  compressed: boolean,
): { data: string; shape: number[]; dtype: 'f64' } {
  const raw = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return {
    data: (compressed ? deflateSync(raw) : raw).toString('base64'),
    shape: [...shape],
    dtype: 'f64',
  };
}

/** Encode bits (one 0/1 per element, C order) as a compressed bool tensor. */
export function boolTensor(
  bits: Uint8Array,
  shape: readonly number[],
): { data: string; shape: number[]; dtype: 'bool' } {
  const packed = new Uint8Array(Math.ceil(bits.length / 8));
  for (let k = 0; k < bits.length; k++)
    if (bits[k]) packed[k >> 3] = (packed[k >> 3] as number) | (1 << (k & 7));
  return { data: deflateSync(packed).toString('base64'), shape: [...shape], dtype: 'bool' };
}

/** The bits of a bool tensor, one 0/1 per element. */
export function bools(t: Tensor): Uint8Array {
  const n = product(t.shape);
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k++) out[k] = ((t.bytes[k >> 3] as number) >> (k & 7)) & 1;
  return out;
}
