/**
 * The operations engines run: a circuit's operations with its angles bound to numbers, gates as
 * matrices on qubit masks, noise as channels (compile/ makes them, kernels/ and engines/ run
 * them). A leaf of the IR: it imports only types and bit helpers.
 */
import type { MeasureOp, ResetOp, StoreOp } from './circuit.js';
import type { ClassicalExpr } from './classical.js';
import type { Matrix2 } from './gates.js';
import type { DenseMatrix } from '../linalg/matrix-power.js';
import { bitsOf } from '../linalg/bits.js';

/** An operation with numeric matrices and qubit masks. */
export type Bound =
  | {
      readonly kind: 'pair';
      readonly a: number;
      readonly b: number;
      readonly ma: Matrix2 | null;
      readonly mb: Matrix2 | null;
      readonly cu: Matrix2 | null;
    }
  | {
      readonly kind: 'u';
      readonly m: Matrix2;
      readonly target: number;
      readonly cmask: number;
      readonly nmask: number;
    }
  | {
      /** A 2^m × 2^m unitary on `qubits` (m = 2 or 3; local index bit j is qubits[j]). */
      readonly kind: 'dense';
      readonly qubits: readonly number[];
      readonly m: DenseMatrix;
      readonly cmask: number;
      readonly nmask: number;
    }
  | {
      readonly kind: 'swap';
      readonly a: number;
      readonly b: number;
      readonly cmask: number;
      readonly nmask: number;
    }
  | MeasureOp
  | ResetOp
  | StoreOp
  | {
      /** Relaxation over an idle period (relaxation.ts): random per shot, like a measurement. */
      readonly kind: 'relax';
      readonly qubit: number;
      readonly gamma: number;
      readonly pZ: number;
    }
  | {
      /** Depolarizing with parameter p: a uniformly random Pauli on `qubits` with chance p. */
      readonly kind: 'depol';
      readonly qubits: readonly number[];
      readonly p: number;
    }
  | {
      /** A Pauli channel: X, Y or Z on `qubit` with these chances (a twirled relaxation). */
      readonly kind: 'pauli';
      readonly qubit: number;
      readonly px: number;
      readonly py: number;
      readonly pz: number;
    }
  | {
      readonly kind: 'if';
      readonly clbits: readonly number[];
      readonly value: number;
      readonly body: Bound[];
      readonly orelse: Bound[];
      readonly expr?: ClassicalExpr;
    }
  | {
      readonly kind: 'while';
      readonly clbits: readonly number[];
      readonly value: number;
      readonly negate: boolean;
      readonly body: Bound[];
      readonly expr?: ClassicalExpr;
    };

/** The qubits an operation acts on or is controlled by (a branch's are its bodies'). */
export function qubitsOf(op: Exclude<Bound, { kind: 'if' | 'while' }>): number[] {
  switch (op.kind) {
    case 'u':
      return [op.target, ...bitsOf(op.cmask | op.nmask)];
    case 'pair':
      return [op.a, op.b];
    case 'swap':
      return [op.a, op.b, ...bitsOf(op.cmask | op.nmask)];
    case 'dense':
      return [...op.qubits, ...bitsOf(op.cmask | op.nmask)];
    case 'measure':
    case 'reset':
    case 'relax':
    case 'pauli':
      return [op.qubit];
    case 'depol':
      return [...op.qubits];
    case 'store':
      return [];
  }
}
