/**
 * Results in the JSON encoding of qiskit-ibm-runtime's RuntimeEncoder, which its RuntimeDecoder
 * turns back into PrimitiveResult, SamplerPubResult/PubResult, DataBin, BitArray and ndarray.
 * See docs/results-encoding.md.
 */
import { encodeNdarray } from './npy.js';

type Encoded = { readonly __type__: string; readonly __value__: unknown };

/** A BitArray: `bytes` holds `numShots × ceil(numBits/8)` big-endian bytes per element of `shape`. */
export function bitArray(
  bytes: Uint8Array,
  shape: readonly number[],
  shots: number,
  numBits: number,
): Encoded {
  const width = Math.ceil(numBits / 8);
  return {
    __type__: 'BitArray',
    __value__: { array: encodeNdarray(bytes, '|u1', [...shape, shots, width]), num_bits: numBits },
  };
}

export function floatArray(values: Float64Array, shape: readonly number[]): Encoded {
  return encodeNdarray(values, '<f8', shape);
}

export function dataBin(fields: Record<string, Encoded>, shape: readonly number[]): Encoded {
  return {
    __type__: 'DataBin',
    __value__: { field_names: Object.keys(fields), shape: [...shape], fields },
  };
}

export function pubResult(
  type: 'SamplerPubResult' | 'PubResult',
  data: Encoded,
  metadata: Record<string, unknown>,
): Encoded {
  return { __type__: type, __value__: { data, metadata } };
}

export function primitiveResult(
  pubResults: readonly Encoded[],
  metadata: Record<string, unknown>,
): Encoded {
  return { __type__: 'PrimitiveResult', __value__: { pub_results: pubResults, metadata } };
}
