/**
 * The circuit the parser produces: every gate flattened to primitive operations (a 2×2 unitary
 * on one target with optional controls, a controlled swap, or a non-integer power of a small
 * gate), angles still expressions so that free parameters bind per parameter set.
 */
import type { ClassicalExpr } from './classical.js';
import type { Expr } from './expr.js';

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

/** Exchange qubits `a` and `b`, under the same control rule as UnitaryOp. */
export interface SwapOp {
  readonly kind: 'swap';
  readonly a: number;
  readonly b: number;
  readonly controls: readonly number[];
  readonly negControls: readonly number[];
}

/**
 * `pow(k) @` with a non-integer k: the gate `body` describes, raised to the power `exponent` on
 * the principal branch, on `qubits` (at most 3), under the same control rule as UnitaryOp. The
 * power needs the gate's numbers, so it is computed when the angles are bound (power.ts).
 */
export interface PowerOp {
  readonly kind: 'pow';
  /** The gate's own qubits; body qubit j is qubits[j]. */
  readonly qubits: readonly number[];
  /**
   * The gate on local qubits 0…m−1 (m = qubits.length), every operation controlled by the extra
   * local qubit m. Under that control a `gphase` in the gate becomes a phase on qubit m, so the
   * block where qubit m is 1 is the gate with its global phase, which a power changes visibly
   * once the result is controlled.
   */
  readonly body: readonly Op[];
  readonly exponent: number;
  readonly controls: readonly number[];
  readonly negControls: readonly number[];
  /** Apply the conjugate transpose of the power. */
  readonly inverse: boolean;
}

/**
 * A unitary given by its matrix (a QPY `UnitaryGate`): 2^m × 2^m, row-major, interleaved re/im,
 * local index bit j being qubits[j] (Qiskit's order), under the same control rule as UnitaryOp.
 */
export interface MatrixOp {
  readonly kind: 'matrix';
  readonly qubits: readonly number[];
  readonly m: Float64Array;
  readonly controls: readonly number[];
  readonly negControls: readonly number[];
  /** Apply the conjugate transpose. */
  readonly inverse: boolean;
}

/** Measure `qubit` into classical bit `clbit`. */
export interface MeasureOp {
  readonly kind: 'measure';
  readonly qubit: number;
  readonly clbit: number;
}

/**
 * Idle `qubit` for `duration` (in seconds, or in the backend's `dt` samples). Kept only when the
 * backend models relaxation (ParseOptions.keepDelays); otherwise a delay does nothing.
 */
export interface DelayOp {
  readonly kind: 'delay';
  readonly qubit: number;
  readonly duration: number;
  readonly unit: 's' | 'dt';
}

/**
 * Where a gate call of the source ended: its noise goes here (a backend with gate noise, see
 * ParseOptions.markGates). It changes nothing in an ideal run.
 */
export interface MarkOp {
  readonly kind: 'mark';
  readonly gate: string;
  readonly qubits: readonly number[];
  /** The call's angles, when parsed for a drawing (ParseOptions.forDrawing). */
  readonly args?: readonly Expr[];
  /** The call's modifiers as written (`ctrl @ inv @ `), when parsed for a drawing. */
  readonly modifiers?: string;
}

/** Reset `qubit` to |0⟩. */
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
  /** When given, the condition instead: `body` runs when it is not 0 (classical.ts). */
  readonly expr?: ClassicalExpr;
}

/**
 * Run `body` again and again while the classical bits equal `value` (differ from it, when
 * `negate`): the condition is tested before each pass, so the body may run zero times.
 */
export interface WhileOp {
  readonly kind: 'while';
  readonly clbits: readonly number[];
  readonly value: number;
  readonly negate: boolean;
  readonly body: readonly Op[];
  /** When given, the condition instead: the loop runs while it is not 0 (classical.ts). */
  readonly expr?: ClassicalExpr;
}

/** Write an expression's value (truncated to their width) into classical bits. */
export interface StoreOp {
  readonly kind: 'store';
  readonly clbits: readonly number[];
  readonly expr: ClassicalExpr;
}

/** A primitive operation of a parsed circuit. */
export type Op =
  | UnitaryOp
  | SwapOp
  | PowerOp
  | MatrixOp
  | MeasureOp
  | ResetOp
  | DelayOp
  | MarkOp
  | IfOp
  | WhileOp
  | StoreOp;

/**
 * Whether operations measure, reset, branch or assign classical values: such a circuit has no
 * single final state (what the estimator and `statevector` need).
 */
export const hasClassicalFlow = (ops: readonly Op[]): boolean =>
  ops.some(
    (o) =>
      o.kind === 'measure' ||
      o.kind === 'reset' ||
      o.kind === 'if' ||
      o.kind === 'while' ||
      o.kind === 'store',
  );

/** Every qubit a gate acts on or is controlled by. */
export function gateQubits(op: UnitaryOp | SwapOp | PowerOp | MatrixOp): number[] {
  const own = op.kind === 'u' ? [op.target] : op.kind === 'swap' ? [op.a, op.b] : op.qubits;
  return [...op.controls, ...op.negControls, ...own];
}

/** A named register: bits `offset` … `offset + size − 1` of its kind. */
export interface Register {
  readonly name: string;
  readonly size: number;
  readonly offset: number;
}

/** A parsed circuit: primitive operations on numbered qubits and classical bits. */
export interface Circuit {
  readonly numQubits: number;
  readonly numClbits: number;
  readonly qregs: readonly Register[];
  readonly cregs: readonly Register[];
  readonly ops: readonly Op[];
  /** Free parameters (`input float[64] x;` or undeclared names), in Qiskit's order: sorted by name. */
  readonly parameters: readonly string[];
  /**
   * The names the user knows `parameters` by, when they differ (a QPY circuit's Qiskit names,
   * such as `θ[1]`, which are not OpenQASM identifiers).
   */
  readonly parameterLabels?: readonly string[];
  /**
   * The circuit names physical qubits (`$n`): an ISA circuit, as `qasm3.dumps` writes a transpiled
   * one. Its width is the backend's, as IBM treats such circuits.
   */
  readonly physical?: boolean;
  /** Every gate call as written (its name, whether modified, its qubits), for ISA checks. */
  readonly calls?: readonly GateCallRecord[];
}

/** A gate call of the source, before expansion. */
export interface GateCallRecord {
  readonly name: string;
  readonly modified: boolean;
  readonly qubits: readonly number[];
}

/**
 * Whether all shots can be drawn from one final state: nothing branches on a measurement, no
 * gate or reset acts on a qubit after it was measured (a measurement commutes with operations on
 * other qubits, so it can wait until the end), and resets only act on untouched qubits (no-ops).
 */
export function measuresAreTerminal(c: Circuit): boolean {
  const measured = new Set<number>();
  const touched = new Set<number>();
  for (const op of c.ops) {
    if (op.kind === 'if' || op.kind === 'while' || op.kind === 'store') return false;
    if (op.kind === 'measure') {
      measured.add(op.qubit);
      touched.add(op.qubit);
      continue;
    }
    if (op.kind === 'reset') {
      if (touched.has(op.qubit)) return false;
      continue;
    }
    // Relaxation during a delay, and a gate's noise, are random per shot.
    if (op.kind === 'delay' || op.kind === 'mark') return false;
    for (const q of gateQubits(op)) {
      if (measured.has(q)) return false;
      touched.add(q);
    }
  }
  return true;
}

/** Every pair of qubits a multi-qubit operation touches (for coupling-map checks). */
export function* qubitPairs(ops: readonly Op[]): Generator<readonly [number, number]> {
  for (const op of ops) {
    if (op.kind === 'if' || op.kind === 'while') {
      yield* qubitPairs(op.body);
      if (op.kind === 'if') yield* qubitPairs(op.orelse);
      continue;
    }
    if (
      op.kind === 'measure' ||
      op.kind === 'reset' ||
      op.kind === 'delay' ||
      op.kind === 'mark' ||
      op.kind === 'store'
    )
      continue;
    const qs = gateQubits(op);
    for (let i = 0; i < qs.length; i++) {
      for (let j = i + 1; j < qs.length; j++) yield [qs[i] ?? 0, qs[j] ?? 0];
    }
  }
}

/**
 * The qubits that operations touch, ascending. A delay alone does not count: a qubit nothing
 * else touches stays |0⟩, which relaxation leaves alone.
 */
export function usedQubits(ops: readonly Op[], into: Set<number> = new Set()): number[] {
  for (const op of ops) {
    if (op.kind === 'if' || op.kind === 'while') {
      usedQubits(op.body, into);
      if (op.kind === 'if') usedQubits(op.orelse, into);
    } else if (op.kind === 'delay' || op.kind === 'store') continue;
    else if (op.kind === 'mark') for (const q of op.qubits) into.add(q);
    else if (op.kind === 'measure' || op.kind === 'reset') into.add(op.qubit);
    else for (const q of gateQubits(op)) into.add(q);
  }
  return [...into].sort((x, y) => x - y);
}

function renumberOps(ops: readonly Op[], to: ReadonlyMap<number, number>): Op[] {
  const q = (x: number): number => to.get(x) ?? x;
  return ops.flatMap((op): Op | [] => {
    switch (op.kind) {
      case 'if':
        return { ...op, body: renumberOps(op.body, to), orelse: renumberOps(op.orelse, to) };
      case 'while':
        return { ...op, body: renumberOps(op.body, to) };
      case 'store':
        return op;
      case 'delay':
        // Delays on qubits left out of the simulation go with them (see usedQubits).
        return to.has(op.qubit) ? { ...op, qubit: q(op.qubit) } : [];
      case 'measure':
      case 'reset':
        return { ...op, qubit: q(op.qubit) };
      case 'mark':
        return { ...op, qubits: op.qubits.map(q) };
      case 'u':
        return {
          ...op,
          target: q(op.target),
          controls: op.controls.map(q),
          negControls: op.negControls.map(q),
        };
      case 'swap':
        return {
          ...op,
          a: q(op.a),
          b: q(op.b),
          controls: op.controls.map(q),
          negControls: op.negControls.map(q),
        };
      case 'pow':
      case 'matrix':
        // A power's body is on local qubits: only the gate's own and control qubits move.
        return {
          ...op,
          qubits: op.qubits.map(q),
          controls: op.controls.map(q),
          negControls: op.negControls.map(q),
        };
    }
  });
}

/**
 * The circuit on the qubits it uses, renumbered 0…k−1 in order. Idle qubits stay |0⟩ and change
 * no result, so a circuit transpiled for a 127-qubit device that uses 5 of them simulates as 5.
 * `used[k]` is the original number of qubit k.
 */
export function compact(c: Circuit): { circuit: Circuit; used: readonly number[] } {
  const used = usedQubits(c.ops);
  if (used.length === c.numQubits) return { circuit: c, used };
  const to = new Map(used.map((q, k) => [q, k]));
  return {
    circuit: { ...c, numQubits: used.length, ops: renumberOps(c.ops, to) },
    used,
  };
}
