/**
 * Results in the JSON encoding of qiskit-ibm-runtime's RuntimeEncoder, which its RuntimeDecoder
 * turns back into PrimitiveResult, SamplerPubResult/PubResult, DataBin, BitArray and ndarray.
 * See docs/results-encoding.md.
 */
import { encodeNdarray } from './npy.js';

export type Encoded = { readonly __type__: string; readonly __value__: unknown };

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

/** A float64 ndarray (`<f8`) of `shape`. */
export function floatArray(values: Float64Array, shape: readonly number[]): Encoded {
  return encodeNdarray(values, '<f8', shape);
}

/**
 * Older qiskit-ibm-runtime decoders (for Qiskit 1.0) build the DataBin class from `field_types`
 * and fail without it; newer ones ignore it. The strings are what `str(type)` gives in Python.
 */
const FIELD_TYPES: Readonly<Record<string, string>> = {
  BitArray: "<class 'qiskit.primitives.containers.bit_array.BitArray'>",
  ndarray: "<class 'numpy.ndarray'>",
};

/** A DataBin of `fields` (in order), each of the pub's `shape`. */
export function dataBin(fields: Record<string, Encoded>, shape: readonly number[]): Encoded {
  return {
    __type__: 'DataBin',
    __value__: {
      field_names: Object.keys(fields),
      field_types: Object.values(fields).map((f) => FIELD_TYPES[f.__type__] ?? f.__type__),
      shape: [...shape],
      fields,
    },
  };
}

/** A SamplerPubResult or PubResult of a DataBin and metadata. */
export function pubResult(
  type: 'SamplerPubResult' | 'PubResult',
  data: Encoded,
  metadata: Record<string, unknown>,
): Encoded {
  return { __type__: type, __value__: { data, metadata } };
}

/** The PrimitiveResult document: the pub results and the job metadata. */
export function primitiveResult(
  pubResults: readonly Encoded[],
  metadata: Record<string, unknown>,
): Encoded {
  return { __type__: 'PrimitiveResult', __value__: { pub_results: pubResults, metadata } };
}
