/**
 * A job's circuits as a diagram reads them: every gate call as written (its name, angles and
 * modifiers, not its decomposition), measurements, resets, delays and classical blocks, in order,
 * on the qubits they touch. Read by the same parsers that run the job (OpenQASM, QPY), so what
 * the job page draws is what ran. Only the active qubits are rows: an ISA circuit names 127 or 156
 * device qubits and acts on a few.
 */
import { inflateSync } from 'node:zlib';
import { type Circuit, type Op, type Register, usedQubits } from '../ir/circuit.js';
import { QuantumInputError } from '../errors.js';
import { exprText } from '../ir/expr.js';
import { parseQasm } from './qasm/parser.js';
import { MAX_QPY_BYTES, readQpyCircuit, readQpyFile } from './qpy/index.js';

/** What a page can draw legibly: more is cut, and the diagram says so. */
export const DIAGRAM_LIMITS = { operations: 2000, qubits: 64 } as const;

export interface DiagramItem {
  readonly kind: 'gate' | 'measure' | 'reset' | 'delay' | 'if' | 'while';
  /** The gate as called (`cx`, `ecr`, `ctrl @ rz`), or the statement (`measure`, `if`). */
  readonly name: string;
  /** Angles (`π/2`, `θ[0]`), a delay's duration, or a block's condition, as text. */
  readonly params: readonly string[];
  /** Qubits in the call's order (a `cx`'s control first). */
  readonly qubits: readonly number[];
  readonly clbits: readonly number[];
}

export interface Wire {
  readonly index: number;
  /** `q[0]`, or `$12` for a device qubit of an ISA circuit. */
  readonly label: string;
}

export interface CircuitDiagram {
  readonly numQubits: number;
  readonly numClbits: number;
  /** The active qubits, ascending: the diagram's rows. */
  readonly qubits: readonly Wire[];
  readonly clbits: readonly Wire[];
  readonly operations: readonly DiagramItem[];
  readonly totalOperations: number;
  /** Operations or qubits beyond DIAGRAM_LIMITS were left out. */
  readonly truncated: boolean;
}

/** One circuit's diagram, or why it has none. */
export type DiagramEntry =
  | { readonly index: number; readonly diagram: CircuitDiagram }
  | { readonly index: number; readonly error: string };

const OPTIONS = { forDrawing: true, keepDelays: true } as const;

/** A circuit value as a job carries it: OpenQASM text or a QPY wrapper. */
function readOne(value: unknown): Circuit {
  if (typeof value === 'string') return parseQasm(value, OPTIONS);
  if (typeof value === 'object' && value !== null && '__type__' in value)
    return readQpyCircuit(value, OPTIONS);
  throw new QuantumInputError('not an OpenQASM string or a QPY circuit');
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The circuits of a job's params, by program: the pubs' circuits (sampler, estimator), the noise
 * learner's `circuits`, the executor's `quantum_program.circuits`. Each is drawn on its own; one
 * that does not read says why.
 */
export function jobDiagrams(programId: string, params: unknown): DiagramEntry[] {
  const p = isObject(params) ? params : {};
  const entry = (index: number, read: () => Circuit): DiagramEntry => {
    try {
      return { index, diagram: diagramOf(read()) };
    } catch (e) {
      if (e instanceof QuantumInputError || e instanceof RangeError || e instanceof TypeError)
        return { index, error: e.message };
      throw e;
    }
  };
  if (programId === 'executor') {
    const circuits = isObject(p.quantum_program) ? p.quantum_program.circuits : undefined;
    if (isObject(circuits) && Array.isArray(circuits.data))
      return circuits.data.map((text, i) => entry(i, () => readOne(text)));
    if (isObject(circuits) && typeof circuits.b64_data === 'string') {
      const b64 = circuits.b64_data;
      try {
        const bytes = inflateSync(Buffer.from(b64, 'base64'), { maxOutputLength: MAX_QPY_BYTES });
        return readQpyFile(bytes, OPTIONS).circuits.map((c, i) => entry(i, () => c));
      } catch (e) {
        return [{ index: 0, error: e instanceof Error ? e.message : String(e) }];
      }
    }
    return [];
  }
  const list = programId === 'noise-learner' ? p.circuits : p.pubs;
  if (!Array.isArray(list)) return [];
  return list.map((item, i) =>
    entry(i, () => readOne(programId === 'noise-learner' || !Array.isArray(item) ? item : item[0])),
  );
}

/** A parsed circuit (read with ParseOptions.forDrawing) as a diagram. */
export function diagramOf(circuit: Circuit): CircuitDiagram {
  const collected: DiagramItem[] = [];
  collect(circuit.ops, collected);
  // A block that only assigns classical bits touches no qubit: no row to draw it on.
  const all = collected.filter((it) => it.qubits.length > 0);
  const active = usedQubits(circuit.ops);
  const rows = new Set(active.slice(0, DIAGRAM_LIMITS.qubits));
  const kept = all.filter((it) => it.qubits.every((q) => rows.has(q)));
  const operations = kept.slice(0, DIAGRAM_LIMITS.operations);
  const clbits = [...new Set(operations.flatMap((it) => it.clbits))].sort((a, b) => a - b);
  return {
    numQubits: circuit.numQubits,
    numClbits: circuit.numClbits,
    qubits: [...rows].map((index) => ({
      index,
      label: circuit.physical ? `$${index}` : bitLabel(circuit.qregs, index, 'q'),
    })),
    clbits: clbits.map((index) => ({ index, label: bitLabel(circuit.cregs, index, 'c') })),
    operations,
    totalOperations: all.length,
    truncated: operations.length < all.length,
  };
}

function bitLabel(regs: readonly Register[], index: number, fallback: string): string {
  const r = regs.find((x) => index >= x.offset && index < x.offset + x.size);
  return r ? `${r.name}[${index - r.offset}]` : `${fallback}${index}`;
}

/** Seconds for a person: 1.6e-7 → "160ns". */
function durationText(seconds: number, unit: 's' | 'dt'): string {
  if (unit === 'dt') return `${seconds}dt`;
  for (const [u, scale] of [
    ['s', 1],
    ['ms', 1e-3],
    ['µs', 1e-6],
  ] as const)
    if (seconds >= scale) return `${Number((seconds / scale).toPrecision(4))}${u}`;
  return `${Number((seconds / 1e-9).toPrecision(4))}ns`;
}

/** Condition of an `if`/`while` as text: `c == 3`, or "expression" when it is one. */
function conditionText(op: Extract<Op, { kind: 'if' | 'while' }>): string {
  if (op.expr) return 'expression';
  const bits = op.clbits.length === 1 ? `c${op.clbits[0]}` : `c[${op.clbits.join(',')}]`;
  return `${bits} ${op.kind === 'while' && op.negate ? '!=' : '=='} ${op.value}`;
}

/**
 * A gate's name as the reader knows it. Gates the QPY reader defines for itself are named by what
 * they are (`qpy_u3` is a Qiskit UnitaryGate, `qpy_rccx` Qiskit's RCCXGate).
 */
function gateName(name: string): string {
  const custom = /^qpy_g\d+_(.+)$/.exec(name);
  if (custom) return custom[1] as string;
  const generated = /^qpy_(u|pauli|init)\d+$/.exec(name);
  if (generated)
    return (
      { u: 'unitary', pauli: 'PauliEvolution', init: 'initialize' }[generated[1] as string] ?? name
    );
  return name.startsWith('qpy_') ? name.slice(4) : name;
}

/** `ctrl @ ctrl @ ctrl @ ` → `ctrl(3) @ `: repeated modifiers counted, as OpenQASM allows. */
function modifiersText(mods: string): string {
  return mods.replace(
    /((?:ctrl|negctrl) @ )\1+/g,
    (run, one: string) => `${one.replace(' @ ', '')}(${run.length / one.length}) @ `,
  );
}

/**
 * Items in program order. A gate call's own primitives are skipped: the `mark` that follows them
 * (ParseOptions.forDrawing) names the call. A block is one item over the qubits its body touches.
 */
function collect(ops: readonly Op[], out: DiagramItem[]): void {
  for (const op of ops) {
    switch (op.kind) {
      case 'mark':
        out.push({
          kind: 'gate',
          name: `${modifiersText(op.modifiers ?? '')}${gateName(op.gate)}`,
          params: (op.args ?? []).map(exprText),
          qubits: op.qubits,
          clbits: [],
        });
        break;
      case 'measure':
        out.push({
          kind: 'measure',
          name: 'measure',
          params: [],
          qubits: [op.qubit],
          clbits: [op.clbit],
        });
        break;
      case 'reset':
        out.push({ kind: 'reset', name: 'reset', params: [], qubits: [op.qubit], clbits: [] });
        break;
      case 'delay':
        out.push({
          kind: 'delay',
          name: 'delay',
          params: [durationText(op.duration, op.unit)],
          qubits: [op.qubit],
          clbits: [],
        });
        break;
      case 'if':
      case 'while':
        out.push({
          kind: op.kind,
          name: op.kind,
          params: [conditionText(op)],
          qubits: usedQubits(op.kind === 'if' ? [...op.body, ...op.orelse] : op.body),
          clbits: op.clbits,
        });
        break;
      default:
        break;
    }
  }
}
