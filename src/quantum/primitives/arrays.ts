/** Nested-list arrays: shape checks, flattening and NumPy broadcasting, for pub inputs. */
import { QuantumInputError } from '../errors.js';
import { decodeNdarray } from '../encoding/npy.js';

/** A rectangular array: its shape and its elements in C order. */
export interface NdArray<T> {
  readonly shape: readonly number[];
  /** C order. */
  readonly data: readonly T[];
}

const isEncoded = (v: unknown): v is { __type__: string; __value__: unknown } =>
  typeof v === 'object' && v !== null && '__type__' in v && '__value__' in v;

/** Accept the RuntimeEncoder's wrappers (ndarray, ObservablesArray) around plain values. */
export function unwrap(v: unknown): unknown {
  if (!isEncoded(v)) return v;
  if (v.__type__ === 'ndarray') return decodeNdarray(v.__value__);
  if (v.__type__ === 'ObservablesArray') return v.__value__;
  throw new QuantumInputError(`values of type ${v.__type__} are not supported here`);
}

/** A rectangular nested list → shape and flat data; `isLeaf` says where elements stop. */
export function toNdArray<T>(
  value: unknown,
  isLeaf: (v: unknown) => v is T,
  what: string,
): NdArray<T> {
  if (isLeaf(value)) return { shape: [], data: [value] };
  if (!Array.isArray(value))
    throw new QuantumInputError(`${what} must be a value or a (nested) list of them`);
  if (value.length === 0) return { shape: [0], data: [] };
  const parts = value.map((v) => toNdArray(unwrap(v), isLeaf, what));
  const inner = parts[0]?.shape ?? [];
  for (const p of parts) {
    if (p.shape.length !== inner.length || p.shape.some((d, k) => d !== inner[k])) {
      throw new QuantumInputError(`${what} is not rectangular`);
    }
  }
  return { shape: [value.length, ...inner], data: parts.flatMap((p) => p.data) };
}

/** NumPy broadcasting of two shapes. */
export function broadcastShapes(
  a: readonly number[],
  b: readonly number[],
  what: string,
): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const x = a[a.length - n + k] ?? 1;
    const y = b[b.length - n + k] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new QuantumInputError(
        `${what}: shapes (${a.join(', ')}) and (${b.join(', ')}) do not broadcast`,
      );
    }
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** The flat index into an array of `shape` for flat index `k` of the broadcast `out` shape. */
export function broadcastIndex(
  k: number,
  out: readonly number[],
  shape: readonly number[],
): number {
  let idx = 0;
  let stride = 1;
  let rem = k;
  const coords: number[] = [];
  for (let d = out.length - 1; d >= 0; d--) {
    const size = out[d] ?? 1;
    coords[d] = rem % size;
    rem = Math.floor(rem / size);
  }
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d] ?? 1;
    const c = size === 1 ? 0 : (coords[out.length - shape.length + d] ?? 0);
    idx += c * stride;
    stride *= size;
  }
  return idx;
}

/** The number of elements of an array of `shape`. */
export const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A finite number (the element test for numeric arrays). */
export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
