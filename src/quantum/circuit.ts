/**
 * The circuit the parser produces: every gate flattened to primitive operations (a 2×2 unitary
 * on one target with optional controls, or a controlled swap), angles still expressions so that
 * free parameters bind per parameter set.
 */
import type { Expr } from './qasm/expr.js';

/** A 2×2 unitary on `target`, applied when every control is 1 and every negative control is 0. */
export interface UnitaryOp {
  readonly kind: 'u';
  /** A base gate of gates.ts (`x`, `h`, `rz`, `u`, …). */
  readonly gate: string;
  readonly args: readonly Expr[];
  readonly target: number;
  readonly controls: readonly number[];
  readonly negControls: readonly number[];
  /** Apply the conjugate transpose. */
  readonly inverse: boolean;
}

export interface SwapOp {
  readonly kind: 'swap';
  readonly a: number;
  readonly b: number;
  readonly controls: readonly number[];
  readonly negControls: readonly number[];
}

export interface MeasureOp {
  readonly kind: 'measure';
  readonly qubit: number;
  readonly clbit: number;
}

export interface ResetOp {
  readonly kind: 'reset';
  readonly qubit: number;
}

/** Run `body` when the classical bits (least significant first) equal `value`, else `orelse`. */
export interface IfOp {
  readonly kind: 'if';
  readonly clbits: readonly number[];
  readonly value: number;
  readonly body: readonly Op[];
  readonly orelse: readonly Op[];
}

export type Op = UnitaryOp | SwapOp | MeasureOp | ResetOp | IfOp;

export interface Register {
  readonly name: string;
  readonly size: number;
  readonly offset: number;
}

export interface Circuit {
  readonly numQubits: number;
  readonly numClbits: number;
  readonly qregs: readonly Register[];
  readonly cregs: readonly Register[];
  readonly ops: readonly Op[];
  /** Free parameters (`input float[64] x;` or undeclared names), in Qiskit's order: sorted by name. */
  readonly parameters: readonly string[];
}

/** Whether every measurement comes after all other operations (then shots sample one final state). */
export function measuresAreTerminal(c: Circuit): boolean {
  let measured = false;
  for (const op of c.ops) {
    if (op.kind === 'measure') measured = true;
    else if (measured || op.kind === 'if' || op.kind === 'reset') return false;
  }
  return true;
}

/** Every pair of qubits a multi-qubit operation touches (for coupling-map checks). */
export function* qubitPairs(ops: readonly Op[]): Generator<readonly [number, number]> {
  for (const op of ops) {
    if (op.kind === 'if') {
      yield* qubitPairs(op.body);
      yield* qubitPairs(op.orelse);
      continue;
    }
    let qs: number[] = [];
    if (op.kind === 'u') qs = [...op.controls, ...op.negControls, op.target];
    if (op.kind === 'swap') qs = [...op.controls, ...op.negControls, op.a, op.b];
    for (let i = 0; i < qs.length; i++) {
      for (let j = i + 1; j < qs.length; j++) yield [qs[i] ?? 0, qs[j] ?? 0];
    }
  }
}
