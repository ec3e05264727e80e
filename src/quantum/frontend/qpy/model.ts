/**
 * What the QPY reader produces: Qiskit's circuit data as the bytes state it (class names,
 * bit indices, parameters), before anything is lowered to Berth's operations (lower.ts).
 */
import type { Expr } from '../../ir/expr.js';

/** A `Parameter` or a `ParameterVector` element, identified by its UUID as QPY does. */
export interface QpyParameter {
  /** The UUID (hex); a vector element's is its vector's root UUID plus its index. */
  readonly id: string;
  /** Qiskit's name: `theta`, or `gamma[1]` for a vector element. */
  readonly name: string;
  readonly vector?: { readonly name: string; readonly size: number; readonly index: number };
}

/** A classical expression (`if_else`, `while_loop` conditions, `switch_case` targets). */
export type ClassicalExpr =
  | { readonly k: 'clbit'; readonly index: number }
  | { readonly k: 'creg'; readonly name: string }
  | { readonly k: 'var'; readonly index: number }
  | { readonly k: 'value'; readonly v: number | boolean }
  | { readonly k: 'cast'; readonly a: ClassicalExpr }
  | { readonly k: 'unary'; readonly op: number; readonly a: ClassicalExpr }
  | {
      readonly k: 'binary';
      readonly op: number;
      readonly a: ClassicalExpr;
      readonly b: ClassicalExpr;
    }
  | { readonly k: 'index'; readonly a: ClassicalExpr; readonly b: ClassicalExpr };

/**
 * A standalone classical variable of a circuit (QPY version 12 on): `I` input, `C` captured
 * from the enclosing circuit, `L` declared here; `S`/`A`/`O` are stretches.
 */
export interface QpyVar {
  readonly uuid: string;
  readonly name: string;
  readonly usage: string;
  /** `b` bool, `u` uint, `f` float, `d` duration. */
  readonly type: string;
  /** Bits of a uint (1 for a bool). */
  readonly width: number;
}

/** An instruction parameter or other QPY value. */
export type QpyValue =
  | { readonly k: 'int'; readonly v: number }
  | { readonly k: 'float'; readonly v: number }
  | { readonly k: 'complex'; readonly re: number; readonly im: number }
  | { readonly k: 'string'; readonly v: string }
  | { readonly k: 'null' }
  | { readonly k: 'case_default' }
  /** A parameter or a parameter expression; `var` nodes name parameters by id. */
  | { readonly k: 'expr'; readonly e: Expr; readonly symbols: readonly QpyParameter[] }
  | { readonly k: 'circuit'; readonly c: QpyCircuit }
  | { readonly k: 'range'; readonly start: number; readonly stop: number; readonly step: number }
  | { readonly k: 'tuple'; readonly items: readonly QpyValue[] }
  | { readonly k: 'ndarray'; readonly bytes: Uint8Array }
  /** A classical register by name, or one clbit by index (conditions, switch targets). */
  | { readonly k: 'register'; readonly creg?: string; readonly clbit?: number }
  | { readonly k: 'cexpr'; readonly e: ClassicalExpr }
  | {
      readonly k: 'modifier';
      readonly type: 'inv' | 'ctrl' | 'pow';
      readonly numCtrlQubits: number;
      readonly ctrlState: number;
      readonly power: number;
    }
  | { readonly k: 'duration'; readonly unit: string; readonly v: number };

/** `.condition` of an instruction: a register or clbit equal to a value, or an expression. */
export type QpyCondition =
  | { readonly k: 'equals'; readonly target: QpyValue; readonly value: number }
  | { readonly k: 'expr'; readonly e: ClassicalExpr };

export interface QpyInstruction {
  /** Qiskit's class name (`HGate`, `Measure`, `IfElseOp`) or a custom instruction's key. */
  readonly name: string;
  readonly label: string;
  readonly qubits: readonly number[];
  readonly clbits: readonly number[];
  readonly params: readonly QpyValue[];
  readonly condition: QpyCondition | null;
  readonly numCtrlQubits: number;
  readonly ctrlState: number;
}

/** A CUSTOM_INSTRUCTION entry: a user gate, a custom controlled gate, an annotated operation. */
export interface QpyCustom {
  /** `g` gate, `i` instruction, `c` controlled gate, `a` annotated operation, `p` Pauli evolution. */
  readonly type: string;
  readonly numQubits: number;
  readonly numClbits: number;
  readonly definition: QpyCircuit | null;
  readonly numCtrlQubits: number;
  readonly ctrlState: number;
  /** The base gate of a controlled gate or of an annotated operation. */
  readonly base: QpyInstruction | null;
  /** A PauliEvolutionGate: exp(−i·t·Σ operators), and how Qiskit synthesizes it. */
  readonly evolution?: QpyEvolution;
}

/** A Pauli term: its label (the last character is qubit 0) and its coefficient. */
export interface PauliTerm {
  readonly label: string;
  readonly re: number;
  readonly im: number;
}

export interface QpyEvolution {
  /** The operators (each a sum of terms); the gate evolves under their sum. */
  readonly operators: readonly (readonly PauliTerm[])[];
  readonly time: QpyValue;
  /** Qiskit's EvolutionSynthesis, as its JSON: `{class, settings}`. */
  readonly synthesis: { readonly class: string; readonly settings: Record<string, unknown> };
}

export interface QpyRegister {
  readonly name: string;
  /** Circuit bit index of each register bit (negative: a bit outside the circuit). */
  readonly bits: readonly number[];
  readonly inCircuit: boolean;
}

export interface QpyLayout {
  /** Physical qubit of each virtual qubit of the original circuit, when stored. */
  readonly initial: readonly { register: string | null; index: number }[];
  readonly inputMapping: readonly number[];
  readonly final: readonly number[];
}

export interface QpyCircuit {
  readonly name: string;
  readonly globalPhase: QpyValue;
  readonly numQubits: number;
  readonly numClbits: number;
  readonly metadata: unknown;
  readonly qregs: readonly QpyRegister[];
  readonly cregs: readonly QpyRegister[];
  readonly vars: readonly QpyVar[];
  readonly customs: ReadonlyMap<string, QpyCustom>;
  readonly instructions: readonly QpyInstruction[];
  readonly layout: QpyLayout | null;
}

/** A whole QPY payload. */
export interface QpyFile {
  readonly version: number;
  readonly qiskitVersion: string;
  readonly symbolicEncoding: string;
  readonly circuits: readonly QpyCircuit[];
}
