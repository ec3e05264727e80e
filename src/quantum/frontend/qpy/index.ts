/**
 * QPY circuits as qiskit-ibm-runtime sends them: `{"__type__": "QuantumCircuit", "__value__":
 * base64(zlib(QPY))}` (its RuntimeEncoder), read into Berth's circuit.
 */
import { inflateSync } from 'node:zlib';
import type { Circuit } from '../../ir/circuit.js';
import { parseQasm } from '../qasm/parser.js';
import { decodeQpy } from './decode.js';
import { QpyError } from './errors.js';
import { lowerToQasm } from './lower.js';
import type { QpyCircuit } from './model.js';

/**
 * The most bytes a compressed circuit may inflate to. zlib reaches ratios above 1000:1, so a
 * small request could otherwise ask for gigabytes; real circuits for 156-qubit devices inflate to
 * a few megabytes.
 */
export const MAX_QPY_BYTES = 64 * 1024 * 1024;

/** Inflate the wrapper's value, refusing a zlib bomb before it is whole. */
export function qpyBytes(value: unknown): Uint8Array {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(value))
    throw new QpyError('a QuantumCircuit "__value__" must be base64 text');
  const packed = Buffer.from(value, 'base64');
  try {
    return inflateSync(packed, { maxOutputLength: MAX_QPY_BYTES });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new QpyError(`the circuit inflates to more than ${MAX_QPY_BYTES} bytes`);
    throw new QpyError('a QuantumCircuit "__value__" is not zlib-compressed QPY');
  }
}

/** How circuits are read for a backend (see pubs.ts readCircuit). */
export interface ReadOptions {
  readonly recordCalls?: boolean;
  readonly markGates?: boolean;
  readonly keepDelays?: boolean;
  readonly forDrawing?: boolean;
}

/** One QPY circuit (the wrapper holds exactly one) as Berth's circuit. */
export function readQpyCircuit(wrapper: unknown, options: ReadOptions = {}): Circuit {
  const { __value__: value } = wrapper as { __value__?: unknown };
  const file = decodeQpy(qpyBytes(value));
  const [circuit, ...more] = file.circuits;
  if (!circuit || more.length)
    throw new QpyError(`a pub's QPY payload holds ${file.circuits.length} circuits, not one`);
  return toCircuit(circuit, file.version, options);
}

/** Every circuit of a QPY file (the executor's `circuits` hold one per item). */
export function readQpyFile(
  bytes: Uint8Array,
  options: ReadOptions = {},
): { version: number; circuits: Circuit[] } {
  const file = decodeQpy(bytes);
  return {
    version: file.version,
    circuits: file.circuits.map((c) => toCircuit(c, file.version, options)),
  };
}

function toCircuit(circuit: QpyCircuit, version: number, options: ReadOptions): Circuit {
  const lowered = lowerToQasm(circuit, version);
  const parsed = parseQasm(lowered.qasm, {
    unitaries: lowered.unitaries,
    ...(options.recordCalls ? { recordCalls: true } : {}),
    ...(options.markGates ? { markGates: true } : {}),
    ...(options.keepDelays ? { keepDelays: true } : {}),
    ...(options.forDrawing ? { forDrawing: true } : {}),
  });
  return { ...parsed, parameterLabels: lowered.parameters };
}
