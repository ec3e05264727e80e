/**
 * A decoded QPY circuit as OpenQASM 3 for Berth's parser, so that QPY and OpenQASM circuits share
 * one front end (gate library, modifiers, user gates, `if`, expansion limits). Qiskit's standard
 * gates map to their OpenQASM names; open controls become `negctrl @`; custom gates become
 * `gate` definitions; annotated operations become modifiers. Parameters are renamed `_p000000`,
 * `_p000001`, … in Qiskit's `circuit.parameters` order, so the parser's order (by name) is
 * Qiskit's, and the caller keeps the mapping back to Qiskit's names.
 *
 * Anything else is refused here, with the instruction's name and the QPY version, at
 * submission: never a job that fails later.
 */
import type { Expr } from '../../ir/expr.js';
import { MAX_EXPANDED_OPS, type Unitary } from '../qasm/gate-expander.js';
import { npyParts } from './bytes.js';
import { QpyError } from './errors.js';
import type {
  ClassicalExpr,
  QpyCircuit,
  QpyCustom,
  QpyInstruction,
  QpyParameter,
  QpyValue,
} from './model.js';

/** A Qiskit gate class as an OpenQASM gate: its name, and how many leading qubits control it. */
interface GateName {
  readonly qasm: string;
  /** The uncontrolled gate, for open controls (`negctrl @ base`). */
  readonly base: string;
  readonly controls: number;
}
const g = (qasm: string, base = qasm, controls = 0): GateName => ({ qasm, base, controls });

/** Qiskit's standard gates (qiskit.circuit.library) by class name. */
const GATES: Readonly<Record<string, GateName>> = {
  IGate: g('id'),
  XGate: g('x'),
  YGate: g('y'),
  ZGate: g('z'),
  HGate: g('h'),
  SGate: g('s'),
  SdgGate: g('sdg'),
  TGate: g('t'),
  TdgGate: g('tdg'),
  SXGate: g('sx'),
  SXdgGate: g('sxdg'),
  RXGate: g('rx'),
  RYGate: g('ry'),
  RZGate: g('rz'),
  PhaseGate: g('p'),
  U1Gate: g('p'),
  U2Gate: g('u2'),
  U3Gate: g('u3'),
  // Qiskit's U is u3 (OpenQASM's stdgates `U` adds no phase either).
  UGate: g('u3'),
  RGate: g('r'),
  SwapGate: g('swap'),
  iSwapGate: g('iswap'),
  DCXGate: g('dcx'),
  ECRGate: g('ecr'),
  RXXGate: g('rxx'),
  RYYGate: g('ryy'),
  RZZGate: g('rzz'),
  RZXGate: g('rzx'),
  CXGate: g('cx', 'x', 1),
  CYGate: g('cy', 'y', 1),
  CZGate: g('cz', 'z', 1),
  CHGate: g('ch', 'h', 1),
  CSGate: g('cs', 's', 1),
  CSdgGate: g('csdg', 'sdg', 1),
  CSXGate: g('csx', 'sx', 1),
  CRXGate: g('crx', 'rx', 1),
  CRYGate: g('cry', 'ry', 1),
  CRZGate: g('crz', 'rz', 1),
  CPhaseGate: g('cp', 'p', 1),
  CU1Gate: g('cp', 'p', 1),
  CU3Gate: g('cu3', 'u3', 1),
  CSwapGate: g('cswap', 'swap', 1),
  CCXGate: g('ccx', 'x', 2),
  CCZGate: g('ccz', 'z', 2),
  C3XGate: g('c3x', 'x', 3),
  C4XGate: g('c4x', 'x', 4),
};

/** Gates whose control count is the instruction's (`MCXGate(n)`). */
const MULTI_CONTROLLED: Readonly<Record<string, string>> = {
  MCXGate: 'x',
  MCXGrayCode: 'x',
  MCXRecursive: 'x',
  MCXVChain: 'x',
  MCPhaseGate: 'p',
  MCU1Gate: 'p',
  C3SXGate: 'sx',
};

/** Gates defined by decomposition (Qiskit's definitions), emitted when a circuit uses them. */
const DEFINITIONS: Readonly<Record<string, { name: string; text: string }>> = {
  CUGate: {
    name: 'qpy_cu',
    // Qiskit's CUGate(θ, φ, λ, γ): a phase γ on the control, then a controlled U(θ, φ, λ).
    text: 'gate qpy_cu(a, b, c, d) q0, q1 { p(d) q0; ctrl @ u3(a, b, c) q0, q1; }',
  },
  RCCXGate: {
    name: 'qpy_rccx',
    text: 'gate qpy_rccx a, b, c { u2(0, pi) c; u1(pi/4) c; cx b, c; u1(-pi/4) c; cx a, c; u1(pi/4) c; cx b, c; u1(-pi/4) c; u2(0, pi) c; }',
  },
  RC3XGate: {
    name: 'qpy_rc3x',
    text: 'gate qpy_rc3x a, b, c, d { u2(0, pi) d; u1(pi/4) d; cx c, d; u1(-pi/4) d; u2(0, pi) d; cx a, d; u1(pi/4) d; cx b, d; u1(-pi/4) d; cx a, d; u1(pi/4) d; cx b, d; u1(-pi/4) d; u2(0, pi) d; u1(pi/4) d; cx c, d; u1(-pi/4) d; u2(0, pi) d; }',
  },
};

/** Instructions that change nothing a simulation computes. */
const NO_OP = new Set(['Barrier']);

/** Compare as Rust compares strings: by UTF-8 bytes. */
const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Qiskit's `circuit.parameters` order (its `ord_key`): by name (a vector element by its
 * vector's name), a plain parameter before vector elements, elements by index, then by UUID.
 */
export function qiskitOrder(params: readonly QpyParameter[]): QpyParameter[] {
  return [...params].sort((x, y) => {
    const nx = x.vector?.name ?? x.name;
    const ny = y.vector?.name ?? y.name;
    const byName = utf8Order(nx, ny);
    if (byName) return byName;
    const ix = x.vector ? x.vector.index : -1;
    const iy = y.vector ? y.vector.index : -1;
    return ix !== iy ? ix - iy : x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
  });
}

export interface LoweredCircuit {
  readonly qasm: string;
  /** The UnitaryGates, by the gate name the OpenQASM calls them (parseQasm's `unitaries`). */
  readonly unitaries: ReadonlyMap<string, Unitary>;
  /** Qiskit's parameter names, in `circuit.parameters` order (= the `_p…` names' order). */
  readonly parameters: readonly string[];
}

interface LoopFlags {
  readonly brk: string;
  readonly cont: string;
}

interface Emitter {
  readonly lines: string[];
  readonly unitaries: Map<string, Unitary>;
  readonly defs: Map<string, string>;
  /** Custom definitions already written as gates, by the decoded object (names repeat). */
  readonly defined: Map<object, string>;
  readonly version: number;
  /** Parameter id → its OpenQASM name. */
  readonly names: ReadonlyMap<string, string>;
  /** Qubits (OpenQASM names) an operation may have moved from |0⟩ so far. */
  readonly touched: Set<string>;
  /** Standalone classical variables by UUID: their OpenQASM names (`_v0`, …). */
  readonly vars: Map<string, string>;
  /** Their declarations, written before the program's statements. */
  readonly varDecls: string[];
  /**
   * The flags of the innermost loop whose body breaks or continues: every statement of that
   * body runs under `if (!(brk || cont))`, and break and continue set them. Null outside
   * such a loop (and in a loop without them).
   */
  loop: LoopFlags | null;
  /** Loops given flags so far (for their names). */
  loops: number;
  ops: number;
}

/** The circuit as OpenQASM 3 (what the parser reads), and its parameters in Qiskit's order. */
export function lowerToQasm(c: QpyCircuit, version: number): LoweredCircuit {
  const params = new Map<string, QpyParameter>();
  collectParameters(c, params);
  const ordered = qiskitOrder([...params.values()]);
  const names = new Map(ordered.map((p, i) => [p.id, `_p${String(i).padStart(6, '0')}`]));
  const e: Emitter = {
    lines: [],
    unitaries: new Map(),
    defs: new Map(),
    defined: new Map(),
    version,
    names,
    touched: new Set(),
    vars: new Map(),
    varDecls: [],
    loop: null,
    loops: 0,
    ops: 0,
  };
  const qubit = (i: number): string => `q[${i}]`;
  const clbit = clbitNames(c);
  const phase = numericOrExpr(c.globalPhase, e, 'the global phase');
  if (phase !== '0') e.lines.push(`gphase(${phase});`);
  body(c.instructions, c, e, qubit, clbit, '');
  const header = ['OPENQASM 3.0;', 'include "stdgates.inc";'];
  for (const p of ordered) header.push(`input float[64] ${names.get(p.id) ?? ''};`);
  if (c.numQubits > 0) header.push(`qubit[${c.numQubits}] q;`);
  for (const reg of c.cregs.filter((r) => r.inCircuit))
    header.push(`bit[${reg.bits.length}] ${cregName(reg.name)};`);
  const loose = looseClbits(c);
  if (loose.length) header.push(`bit[${loose.length}] _loose;`);
  return {
    qasm: [...header, ...e.varDecls, ...e.defs.values(), ...e.lines, ''].join('\n'),
    unitaries: e.unitaries,
    parameters: ordered.map((p) => p.name),
  };
}

function collectParameters(c: QpyCircuit, into: Map<string, QpyParameter>): void {
  const visit = (v: QpyValue): void => {
    if (v.k === 'expr') for (const s of v.symbols) into.set(s.id, s);
    else if (v.k === 'tuple') v.items.forEach(visit);
    else if (v.k === 'circuit') collectParameters(v.c, into);
  };
  visit(c.globalPhase);
  for (const ins of c.instructions) {
    ins.params.forEach(visit);
    // A for_loop's loop parameter takes the loop's values: it is not the circuit's.
    const loopParam = ins.name === 'ForLoopOp' ? ins.params[1] : undefined;
    if (loopParam?.k === 'expr') for (const s of loopParam.symbols) into.delete(s.id);
  }
}

/** Register names as OpenQASM identifiers (Qiskit allows more). */
const cregName = (name: string): string =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && name !== 'q'
    ? name
    : `c_${Buffer.from(name).toString('hex')}`;

/** Circuit clbits that no register holds: they get a register of their own, `_loose`. */
function looseClbits(c: QpyCircuit): number[] {
  const held = new Set(c.cregs.filter((r) => r.inCircuit).flatMap((r) => r.bits));
  return Array.from({ length: c.numClbits }, (_, i) => i).filter((i) => !held.has(i));
}

/** Each circuit clbit as an OpenQASM bit reference (its first register, or `_loose`). */
function clbitNames(c: QpyCircuit): (i: number) => string {
  const names = new Map<number, string>();
  for (const reg of c.cregs.filter((r) => r.inCircuit))
    reg.bits.forEach((b, k) => {
      if (b < 0) return;
      // Each bit is written to one place; two registers over one clbit would need aliases.
      if (names.has(b))
        throw new QpyError(
          `clbit ${b} is in two registers (${names.get(b)?.split('[')[0]} and ${reg.name}): registers that share clbits are not supported`,
        );
      names.set(b, `${cregName(reg.name)}[${k}]`);
    });
  looseClbits(c).forEach((b, k) => names.set(b, `_loose[${k}]`));
  return (i) => {
    const n = names.get(i);
    if (n === undefined) throw new QpyError(`clbit ${i} is outside the circuit`);
    return n;
  };
}

function spend(e: Emitter, n = 1): void {
  e.ops += n;
  if (e.ops > MAX_EXPANDED_OPS)
    throw new QpyError(
      `the circuit expands to more than ${MAX_EXPANDED_OPS.toLocaleString('en')} operations`,
    );
}

function body(
  instructions: readonly QpyInstruction[],
  c: QpyCircuit,
  e: Emitter,
  qubit: (i: number) => string,
  clbit: (i: number) => string,
  indent: string,
): void {
  declareVars(c, e);
  for (const ins of instructions) {
    const { loop } = e;
    if (loop && ins.name !== 'BreakLoopOp' && ins.name !== 'ContinueLoopOp') {
      // After a break or continue, the rest of this pass does not run.
      e.lines.push(`${indent}if (!(${loop.brk} || ${loop.cont})) {`);
      instruction(ins, c, e, qubit, clbit, `${indent}  `);
      e.lines.push(`${indent}}`);
    } else instruction(ins, c, e, qubit, clbit, indent);
  }
}

function instruction(
  ins: QpyInstruction,
  c: QpyCircuit,
  e: Emitter,
  qubit: (i: number) => string,
  clbit: (i: number) => string,
  indent: string,
): void {
  spend(e);
  const where = `instruction ${ins.name} (QPY version ${e.version})`;
  if (ins.name === 'BreakLoopOp' || ins.name === 'ContinueLoopOp') {
    if (!e.loop) throw new QpyError(`${where}: there is no loop to leave`);
    const set = `${ins.name === 'BreakLoopOp' ? e.loop.brk : e.loop.cont} = true;`;
    // Qiskit 1.0 wrote `if c: break` as a break with an old-style condition.
    if (ins.condition) {
      e.lines.push(`${indent}if (${conditionText(ins, c, e, clbit, where)}) {`);
      e.lines.push(`${indent}  ${set}`, `${indent}}`);
    } else e.lines.push(`${indent}${set}`);
    return;
  }
  if (ins.name === 'IfElseOp' || ins.name === 'WhileLoopOp') {
    ifElse(ins, c, e, qubit, clbit, indent, where);
    return;
  }
  if (ins.name === 'BoxOp' || ins.name === 'ForLoopOp' || ins.name === 'SwitchCaseOp') {
    const inner = bodyBits(ins, qubit, clbit, where);
    if (ins.name === 'BoxOp') {
      // A box only groups its body (for scheduling and annotations): its body runs once.
      const [b] = ins.params;
      if (b?.k !== 'circuit') throw new QpyError(`${where}: its body is not a circuit`);
      body(b.c.instructions, b.c, e, inner.qubit, inner.clbit, indent);
    } else if (ins.name === 'ForLoopOp') forLoop(ins, e, inner, indent, where);
    else switchCase(ins, c, e, clbit, inner, indent, where);
    return;
  }
  if (ins.condition) {
    // An old-style `.c_if` condition: Qiskit reads it as an IfElseOp around the instruction.
    e.lines.push(`${indent}if (${conditionText(ins, c, e, clbit, where)}) {`);
    body([{ ...ins, condition: null }], c, e, qubit, clbit, `${indent}  `);
    e.lines.push(`${indent}}`);
    return;
  }
  const qs = ins.qubits.map(qubit);
  if (NO_OP.has(ins.name)) return;
  if (ins.name === 'Measure') {
    e.lines.push(`${indent}${clbit(ins.clbits[0] ?? -1)} = measure ${qs[0]};`);
    return;
  }
  if (ins.name === 'Reset') {
    e.lines.push(`${indent}reset ${qs[0]};`);
    return;
  }
  if (ins.name === 'Store') {
    const [target, value] = ins.params;
    if (target?.k !== 'cexpr' || value?.k !== 'cexpr')
      throw new QpyError(`${where}: its target and value are not classical expressions`);
    const lhs = expression(target.e, c, e, clbit, where, false);
    e.lines.push(`${indent}${lhs} = ${expression(value.e, c, e, clbit, where, false)};`);
    return;
  }
  if (ins.name === 'Delay') {
    e.lines.push(`${indent}delay[${delayDuration(ins, where)}] ${qs.join(', ')};`);
    return;
  }
  if (ins.name === 'StatePreparation') {
    // Its action on |0…0⟩ is the state; on anything else it is Qiskit's synthesis, which
    // Berth does not reproduce, so it runs only on qubits nothing has touched.
    if (indent !== '' || qs.some((q) => e.touched.has(q)))
      throw new QpyError(
        `${where}: StatePreparation runs here only on qubits still in |0⟩ at the top of the circuit (its action on other states is Qiskit's synthesis); use Initialize, which resets first`,
      );
    e.lines.push(`${indent}${preparation(ins, e, where)} ${qs.join(', ')};`);
    for (const q of qs) e.touched.add(q);
    return;
  }
  if (ins.name !== 'Barrier' && ins.name !== 'Delay') for (const q of qs) e.touched.add(q);
  if (ins.name === 'Initialize') {
    // Reset, then prepare from |0…0⟩: any unitary whose first column is the state does that
    // exactly.
    for (const q of qs) e.lines.push(`${indent}reset ${q};`);
    e.lines.push(`${indent}${preparation(ins, e, where)} ${qs.join(', ')};`);
    return;
  }
  e.lines.push(`${indent}${gateCall(ins, c, e, where)} ${qs.join(', ')};`);
}

/**
 * A circuit's standalone variables as OpenQASM `bool` and `uint[n]` variables: one declaration
 * each, at the top (a body's own variables too: Qiskit assigns them with a Store where the
 * body declares them), named by order (`_v0`, …) since Qiskit's names may be any text. A
 * captured variable is its enclosing circuit's. Inputs and stretches have no value a primitive
 * could give them.
 */
function declareVars(c: QpyCircuit, e: Emitter): void {
  c.vars.forEach((v) => {
    const what = `standalone variable ${JSON.stringify(v.name)} (QPY version ${e.version})`;
    if (v.usage === 'C') {
      if (!e.vars.has(v.uuid)) throw new QpyError(`${what} is captured from no enclosing circuit`);
      return;
    }
    if (v.usage === 'I')
      throw new QpyError(
        `${what} is an input variable, which a primitive cannot give a value; declare it with add_var`,
      );
    if (v.usage !== 'L') throw new QpyError(`${what}: stretches are not supported`);
    if (e.vars.has(v.uuid)) return;
    if (v.type !== 'b' && v.type !== 'u')
      throw new QpyError(
        `${what} has a float or duration type; Berth keeps bool and uint variables`,
      );
    const name = `_v${e.vars.size}`;
    e.vars.set(v.uuid, name);
    e.varDecls.push(v.type === 'b' ? `bool ${name};` : `uint[${v.width}] ${name};`);
  });
}

/** The OpenQASM name of variable `index` of circuit `c`. */
function varName(c: QpyCircuit, index: number, e: Emitter, where: string): string {
  const v = c.vars[index];
  const name = v && e.vars.get(v.uuid);
  if (!name)
    throw new QpyError(
      `${where}: an expression names variable ${index}, which the circuit does not declare`,
    );
  return name;
}

/**
 * A Delay's duration in OpenQASM. QPY keeps a numeric duration but not its unit, and Qiskit
 * reads it back in `dt` (Delay's default), so Berth does too; a duration-typed value keeps its
 * own unit.
 */
function delayDuration(ins: QpyInstruction, where: string): string {
  const [d] = ins.params;
  if ((d?.k === 'int' || d?.k === 'float') && Number.isFinite(d.v) && d.v >= 0) return `${d.v}dt`;
  if (d?.k === 'duration' && d.v >= 0 && ['dt', 'ns', 'us', 'ms', 's'].includes(d.unit))
    return `${d.v}${d.unit}`;
  throw new QpyError(`${where}: its duration is not a non-negative number in dt, ns, us, ms or s`);
}

/** A control-flow body's bits are the instruction's, in order. */
function bodyBits(
  ins: QpyInstruction,
  qubit: (i: number) => string,
  clbit: (i: number) => string,
  where: string,
): { qubit: (i: number) => string; clbit: (i: number) => string } {
  const pick = (list: readonly number[], to: (i: number) => string) => (i: number) => {
    const outer = list[i];
    if (outer === undefined) throw new QpyError(`${where}: its body uses a bit it was not given`);
    return to(outer);
  };
  return { qubit: pick(ins.qubits, qubit), clbit: pick(ins.clbits, clbit) };
}

/** The most iterations a for_loop is unrolled to (each one costs its body again). */
const MAX_LOOP_ITERATIONS = 100_000;

/** Whether a loop body breaks or continues (in its own statements, not a nested loop's). */
function exits(c: QpyCircuit): boolean {
  return c.instructions.some((ins) => {
    if (ins.name === 'BreakLoopOp' || ins.name === 'ContinueLoopOp') return true;
    if (ins.name === 'ForLoopOp' || ins.name === 'WhileLoopOp') return false;
    return ins.params.some((p) => p.k === 'circuit' && exits(p.c)) || nestedCases(ins);
  });
}

/** switch_case keeps its bodies in a tuple of (values, body) pairs. */
function nestedCases(ins: QpyInstruction): boolean {
  const [, cases] = ins.params;
  if (ins.name !== 'SwitchCaseOp' || cases?.k !== 'tuple') return false;
  return cases.items.some(
    (item) => item.k === 'tuple' && item.items.some((v) => v.k === 'circuit' && exits(v.c)),
  );
}

/** Fresh break and continue flags for a loop, declared once and cleared before it. */
function loopFlags(e: Emitter, indent: string): LoopFlags {
  const k = e.loops++;
  const flags = { brk: `_brk${k}`, cont: `_cont${k}` };
  e.varDecls.push(`bool ${flags.brk};`, `bool ${flags.cont};`);
  e.lines.push(`${indent}${flags.brk} = false;`);
  return flags;
}

/** A for_loop over a static index set is unrolled, its loop parameter bound to each value. */
function forLoop(
  ins: QpyInstruction,
  e: Emitter,
  inner: { qubit: (i: number) => string; clbit: (i: number) => string },
  indent: string,
  where: string,
): void {
  const [indexSet, loopParam, loopBody] = ins.params;
  if (loopBody?.k !== 'circuit') throw new QpyError(`${where}: its body is not a circuit`);
  let values: number[];
  if (indexSet?.k === 'range') {
    const { start, stop, step } = indexSet;
    if (step === 0) throw new QpyError(`${where}: its range has step 0`);
    const n = Math.max(0, Math.ceil((stop - start) / step));
    if (n > MAX_LOOP_ITERATIONS)
      throw new QpyError(`${where}: ${n} iterations is more than ${MAX_LOOP_ITERATIONS}`);
    values = Array.from({ length: n }, (_, k) => start + k * step);
  } else if (indexSet?.k === 'tuple') {
    values = indexSet.items.map((v) => {
      if (v.k !== 'int') throw new QpyError(`${where}: its index set holds a ${v.k}`);
      return v.v;
    });
  } else throw new QpyError(`${where}: its index set is not a range or a tuple`);
  const param = loopParam?.k === 'expr' && loopParam.e.k === 'var' ? loopParam.e.name : null;
  // Unrolled, a break or continue cannot jump: it sets a flag, and every statement of the
  // passes after it checks the flags.
  const flags = exits(loopBody.c) ? loopFlags(e, indent) : null;
  for (const v of values) {
    const names = new Map(e.names);
    if (param) names.set(param, num(v));
    if (flags) e.lines.push(`${indent}${flags.cont} = false;`);
    const it: Emitter = { ...e, names, lines: e.lines, loop: flags };
    body(loopBody.c.instructions, loopBody.c, it, inner.qubit, inner.clbit, indent);
    e.ops = it.ops;
    e.loops = it.loops;
  }
}

/**
 * switch_case as a chain of if/else on the target: the target is read once per branch taken, as
 * the switch reads it once; a case with several values repeats its body under each.
 */
function switchCase(
  ins: QpyInstruction,
  c: QpyCircuit,
  e: Emitter,
  clbit: (i: number) => string,
  inner: { qubit: (i: number) => string; clbit: (i: number) => string },
  indent: string,
  where: string,
): void {
  const [target, cases] = ins.params;
  const subject =
    target?.k === 'register' && target.clbit !== undefined
      ? clbit(target.clbit)
      : target?.k === 'register' && target.creg !== undefined
        ? registerRef(target.creg, c, where)
        : target?.k === 'cexpr'
          ? expression(target.e, c, e, clbit, where, true)
          : null;
  if (subject === null) throw new QpyError(`${where}: its target is not a register or a bit`);
  if (cases?.k !== 'tuple') throw new QpyError(`${where}: its cases are missing`);
  const branches: { value: number | 'default'; circuit: QpyCircuit }[] = [];
  for (const item of cases.items) {
    const [vals, block] = item.k === 'tuple' ? item.items : [];
    if (block?.k !== 'circuit' || vals?.k !== 'tuple')
      throw new QpyError(`${where}: a case is not (values, body)`);
    for (const v of vals.items) {
      if (v.k === 'case_default') branches.push({ value: 'default', circuit: block.c });
      else if (v.k === 'int') branches.push({ value: v.v, circuit: block.c });
      else throw new QpyError(`${where}: a case value is a ${v.k}`);
    }
  }
  const fallback = branches.find((b) => b.value === 'default');
  const valued = branches.filter((b) => b.value !== 'default');
  let depth = 0;
  for (const [k, b] of valued.entries()) {
    const pad = `${indent}${'  '.repeat(depth)}`;
    e.lines.push(`${pad}if (${subject} == ${b.value}) {`);
    body(b.circuit.instructions, b.circuit, e, inner.qubit, inner.clbit, `${pad}  `);
    if (k < valued.length - 1 || fallback) {
      e.lines.push(`${pad}} else {`);
      depth++;
    } else e.lines.push(`${pad}}`);
  }
  if (fallback) {
    const pad = `${indent}${'  '.repeat(depth)}`;
    body(fallback.circuit.instructions, fallback.circuit, e, inner.qubit, inner.clbit, pad);
  }
  for (let d = depth; d > 0; d--) e.lines.push(`${indent}${'  '.repeat(d - 1)}}`);
}

function ifElse(
  ins: QpyInstruction,
  c: QpyCircuit,
  e: Emitter,
  qubit: (i: number) => string,
  clbit: (i: number) => string,
  indent: string,
  where: string,
): void {
  const cond = conditionText(ins, c, e, clbit, where);
  const [then, orelse] = ins.params;
  if (then?.k !== 'circuit') throw new QpyError(`${where}: its body is not a circuit`);
  // A body's qubits and clbits are the instruction's, in order.
  const inner = (k: 'qubits' | 'clbits') => (i: number) => {
    const outer = ins[k][i];
    if (outer === undefined) throw new QpyError(`${where}: its body uses a bit it was not given`);
    return k === 'qubits' ? qubit(outer) : clbit(outer);
  };
  const branch = (b: QpyCircuit): void =>
    body(b.instructions, b, e, inner('qubits'), inner('clbits'), `${indent}  `);
  // A while loop has one block, and the same conditions as if_else.
  const keyword = ins.name === 'WhileLoopOp' ? 'while' : 'if';
  if (keyword === 'while') {
    const outer = e.loop;
    // The body is a loop of its own: a break in it leaves this loop, not an enclosing one.
    const flags = exits(then.c) ? loopFlags(e, indent) : null;
    e.lines.push(`${indent}while (${flags ? `(${cond}) && !${flags.brk}` : cond}) {`);
    if (flags) e.lines.push(`${indent}  ${flags.cont} = false;`);
    e.loop = flags;
    branch(then.c);
    e.loop = outer;
    e.lines.push(`${indent}}`);
    return;
  }
  e.lines.push(`${indent}${keyword} (${cond}) {`);
  branch(then.c);
  if (orelse?.k === 'circuit') {
    e.lines.push(`${indent}} else {`);
    branch(orelse.c);
  }
  e.lines.push(`${indent}}`);
}

function conditionText(
  ins: QpyInstruction,
  c: QpyCircuit,
  e: Emitter,
  clbit: (i: number) => string,
  where: string,
): string {
  const cond = ins.condition;
  if (!cond) throw new QpyError(`${where}: no condition`);
  if (cond.k === 'equals') {
    const t = cond.target;
    if (t.k === 'register' && t.clbit !== undefined) return `${clbit(t.clbit)} == ${cond.value}`;
    if (t.k === 'register' && t.creg !== undefined)
      return `${registerRef(t.creg, c, where)} == ${cond.value}`;
    throw new QpyError(`${where}: an unknown condition target`);
  }
  return classical(cond.e, c, e, clbit, where);
}

function registerRef(name: string, c: QpyCircuit, where: string): string {
  const reg = c.cregs.find((r) => r.name === name);
  if (!reg) throw new QpyError(`${where}: no classical register ${name}`);
  return cregName(reg.name);
}

/**
 * A classical condition as OpenQASM 3 text: a bit reads as `b == 1` and its negation as
 * `b == 0` (the direct tests); anything else as the expression itself (classical.ts evaluates
 * it per shot).
 */
function classical(
  x: ClassicalExpr,
  c: QpyCircuit,
  e: Emitter,
  clbit: (i: number) => string,
  where: string,
): string {
  const strip = (a: ClassicalExpr): ClassicalExpr => (a.k === 'cast' ? strip(a.a) : a);
  const y = strip(x);
  if (y.k === 'clbit') return `${clbit(y.index)} == 1`;
  if (y.k === 'unary' && y.op === UNARY_LOGIC_NOT && strip(y.a).k === 'clbit')
    return `${expression(y.a, c, e, clbit, where, false)} == 0`;
  return expression(y, c, e, clbit, where, false);
}

/**
 * A register named in a control-flow body, by the name of the register its bits are in the
 * program: a body's bits are the instruction's, so its register `c1` is the program's `c1`
 * only when its bits land there in order.
 */
function registerIn(
  name: string,
  c: QpyCircuit,
  clbit: (i: number) => string,
  where: string,
): string {
  const reg = c.cregs.find((r) => r.name === name);
  if (!reg) throw new QpyError(`${where}: no classical register ${name}`);
  const refs = reg.bits.map((b) => /^(.+)\[(\d+)\]$/.exec(clbit(b)));
  const outer = refs[0]?.[1];
  if (outer !== undefined && refs.every((m, k) => m?.[1] === outer && Number(m[2]) === k))
    return outer;
  throw new QpyError(
    `${where}: register ${name} is not one whole register of the program (a body's register must map onto one)`,
  );
}

/** qiskit.circuit.classical.expr's Unary.Op and Binary.Op codes, as QPY writes them. */
const UNARY_BIT_NOT = 1;
const UNARY_LOGIC_NOT = 2;
const BINARY: Readonly<Record<number, string>> = {
  1: '&',
  2: '|',
  3: '^',
  4: '&&',
  5: '||',
  6: '==',
  7: '!=',
  8: '<',
  9: '<=',
  10: '>',
  11: '>=',
  12: '<<',
  13: '>>',
};

/** An expression as OpenQASM 3 text; `nested` parenthesises an operator's result. */
function expression(
  x: ClassicalExpr,
  c: QpyCircuit,
  e: Emitter,
  clbit: (i: number) => string,
  where: string,
  nested: boolean,
): string {
  const sub = (a: ClassicalExpr): string => expression(a, c, e, clbit, where, true);
  const wrap = (text: string): string => (nested ? `(${text})` : text);
  switch (x.k) {
    case 'clbit':
      return clbit(x.index);
    case 'creg':
      return registerIn(x.name, c, clbit, where);
    case 'value':
      return typeof x.v === 'boolean' ? String(x.v) : String(x.v);
    case 'cast':
      // Casts between bool and uint widths change no value Berth's evaluation sees.
      return expression(x.a, c, e, clbit, where, nested);
    case 'unary':
      if (x.op === UNARY_LOGIC_NOT) return `!${sub(x.a)}`;
      if (x.op === UNARY_BIT_NOT) return `~${sub(x.a)}`;
      throw new QpyError(`${where}: the classical unary operator ${x.op} is not supported (!, ~)`);
    case 'binary': {
      const op = BINARY[x.op];
      if (!op)
        throw new QpyError(
          `${where}: the classical operator ${x.op} is not supported (${Object.values(BINARY).join(' ')}; no arithmetic)`,
        );
      return wrap(`${sub(x.a)} ${op} ${sub(x.b)}`);
    }
    case 'index': {
      const reg = x.a.k === 'creg' ? registerIn(x.a.name, c, clbit, where) : null;
      if (reg === null || x.b.k !== 'value' || typeof x.b.v !== 'number')
        throw new QpyError(`${where}: only a register indexed by a number is supported`);
      return `${reg}[${x.b.v}]`;
    }
    case 'var':
      return varName(c, x.index, e, where);
  }
}

/** `mods @ name(args)` for an instruction (its qubits follow). */
function gateCall(ins: QpyInstruction, c: QpyCircuit, e: Emitter, where: string): string {
  const args = (vals: readonly QpyValue[]): string =>
    vals.length
      ? `(${vals.map((v, i) => numericOrExpr(v, e, `${where}, parameter ${i}`)).join(', ')})`
      : '';
  const custom = c.customs.get(ins.name);
  if (custom) return customCall(ins, custom, c, e, where);
  const std = GATES[ins.name];
  if (std) {
    if (std.controls === 0 || ins.ctrlState === 2 ** std.controls - 1 || ins.numCtrlQubits === 0)
      return `${std.qasm}${args(ins.params)}`;
    return `${controlMods(std.controls, ins.ctrlState)}${std.base}${args(ins.params)}`;
  }
  const multi = MULTI_CONTROLLED[ins.name];
  if (multi) {
    const n = ins.name === 'C3SXGate' ? 3 : ins.numCtrlQubits;
    const gateParams = ins.params.filter((p) => p.k !== 'int');
    return `${controlMods(n, ins.ctrlState)}${multi}${args(gateParams)}`;
  }
  const def = DEFINITIONS[ins.name];
  if (def) {
    e.defs.set(def.name, def.text);
    return `${def.name}${args(ins.params)}`;
  }
  if (ins.name === 'GlobalPhaseGate') return `gphase${args(ins.params)}`;
  if (ins.name === 'PauliGate') {
    // PauliGate("XYZ"): the label's last character acts on the first qubit.
    const [label] = ins.params;
    if (label?.k !== 'string' || !/^-?i?[IXYZ]+$/.test(label.v))
      throw new QpyError(`${where}: its label is not a Pauli string`);
    const paulis = label.v.replace(/^-?i?/, '');
    if (paulis.length !== ins.qubits.length)
      throw new QpyError(`${where}: label ${label.v} on ${ins.qubits.length} qubits`);
    const name = `qpy_pauli${e.defs.size}`;
    const qubits = [...paulis].map((_, k) => `b${k}`);
    const gates = [...paulis]
      .reverse()
      .map((p, k) => (p === 'I' ? '' : `  ${p.toLowerCase()} b${k};`))
      .filter(Boolean);
    // A sign or a factor i in front is a global phase of the gate.
    const phase = label.v.startsWith('-i')
      ? -Math.PI / 2
      : label.v.startsWith('-')
        ? Math.PI
        : label.v.startsWith('i')
          ? Math.PI / 2
          : 0;
    if (phase) gates.unshift(`  gphase(${num(phase)});`);
    e.defs.set(name, `gate ${name} ${qubits.join(', ')} {\n${gates.join('\n')}\n}`);
    return name;
  }
  if (ins.name === 'UnitaryGate') {
    const name = `qpy_u${e.unitaries.size}`;
    e.unitaries.set(name, unitaryOf(ins, where));
    return name;
  }
  throw new QpyError(`${where} is not supported`);
}

/**
 * Initialize's state preparation from |0…0⟩: for a label ('0', '1', '+', '-', 'r', 'l' per
 * qubit, the last character on the first qubit) or an integer, the gates that make it; for
 * amplitudes, w·H where H is the Householder reflection taking |0…0⟩ to w̄·ψ (w the phase of
 * ψ's first amplitude), so that its first column is ψ.
 */
function preparation(ins: QpyInstruction, e: Emitter, where: string): string {
  const n = ins.qubits.length;
  const name = `qpy_init${e.defs.size}`;
  const qubits = Array.from({ length: n }, (_, k) => `b${k}`);
  const params = ins.params;
  let gates: string[] | null = null;
  if (params.length && params.every((p) => p.k === 'string')) {
    const label = params.map((p) => (p.k === 'string' ? p.v : '')).join('');
    if (label.length !== n || !/^[01+\-rl]+$/.test(label))
      throw new QpyError(`${where}: label "${label}" for ${n} qubits`);
    const per: Record<string, string[]> = {
      '0': [],
      '1': ['x'],
      '+': ['h'],
      '-': ['x', 'h'],
      r: ['h', 's'],
      l: ['h', 'sdg'],
    };
    gates = [...label].reverse().flatMap((ch, k) => (per[ch] ?? []).map((g) => `  ${g} b${k};`));
  } else if (
    params.length === 1 &&
    (params[0]?.k === 'int' || params[0]?.k === 'float' || params[0]?.k === 'complex')
  ) {
    const p = params[0];
    const v = p.k === 'complex' ? p.re : p.v;
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** n)
      throw new QpyError(`${where}: basis state ${v}`);
    gates = Array.from({ length: n }, (_, k) => k)
      .filter((k) => (v >> k) & 1)
      .map((k) => `  x b${k};`);
  }
  if (gates) {
    e.defs.set(name, `gate ${name} ${qubits.join(', ')} {\n${gates.join('\n')}\n}`);
    return name;
  }
  const d = 2 ** n;
  if (n > MAX_UNITARY_QUBITS || params.length !== d)
    throw new QpyError(`${where}: ${params.length} amplitudes for ${n} qubits`);
  const amp = params.map((p): [number, number] => {
    if (p.k === 'complex') return [p.re, p.im];
    if (p.k === 'float' || p.k === 'int') return [p.v, 0];
    throw new QpyError(`${where}: an amplitude is a ${p.k}`);
  });
  const norm = Math.hypot(...amp.flatMap(([re, im]) => [re, im]));
  if (Math.abs(norm - 1) > 1e-8) throw new QpyError(`${where}: the state's norm is ${norm}, not 1`);
  const [r0 = 0, i0 = 0] = amp[0] ?? [];
  const mag = Math.hypot(r0, i0);
  const [wr, wi] = mag > 0 ? [r0 / mag, i0 / mag] : [1, 0];
  // v = e0 − w̄ψ; H = I − 2 v v† / (v†v); U = w·H.
  const v = amp.map(([re, im], k): [number, number] => {
    const br = wr * re + wi * im; // w̄ψ
    const bi = wr * im - wi * re;
    return k === 0 ? [1 - br, -bi] : [-br, -bi];
  });
  const vv = v.reduce((a, [re, im]) => a + re * re + im * im, 0);
  const m = new Float64Array(2 * d * d);
  for (let r = 0; r < d; r++)
    for (let c = 0; c < d; c++) {
      const [ar = 0, ai = 0] = v[r] ?? [];
      const [br = 0, bi = 0] = v[c] ?? [];
      // H[r][c] = δ − 2 v_r conj(v_c) / vv
      let hr = (r === c ? 1 : 0) - (vv > 1e-30 ? (2 * (ar * br + ai * bi)) / vv : 0);
      let hi = vv > 1e-30 ? (-2 * (ai * br - ar * bi)) / vv : 0;
      [hr, hi] = [wr * hr - wi * hi, wr * hi + wi * hr];
      m[2 * (r * d + c)] = hr;
      m[2 * (r * d + c) + 1] = hi;
    }
  const u = `qpy_u${e.unitaries.size}`;
  e.unitaries.set(u, { numQubits: n, m });
  return u;
}

/** The most qubits a UnitaryGate may act on (its matrix is 4^n complex numbers). */
const MAX_UNITARY_QUBITS = 8;

/** A UnitaryGate's matrix from its .npy parameter (complex128, C order), checked unitary. */
function unitaryOf(ins: QpyInstruction, where: string): Unitary {
  const n = ins.qubits.length;
  if (n < 1 || n > MAX_UNITARY_QUBITS)
    throw new QpyError(`${where}: a unitary on ${n} qubits (at most ${MAX_UNITARY_QUBITS})`);
  const [p] = ins.params;
  if (p?.k !== 'ndarray') throw new QpyError(`${where}: its matrix is missing`);
  const { header, body } = npyParts(p.bytes, `${where}: its matrix`);
  const d = 2 ** n;
  if (
    !/'descr':\s*'<c16'/.test(header) ||
    !new RegExp(`'shape':\\s*\\(${d},\\s*${d}\\)`).test(header)
  )
    throw new QpyError(`${where}: its matrix is not a ${d}×${d} complex128 array`);
  const fortran = /'fortran_order':\s*True/.test(header);
  if (body.length < 16 * d * d) throw new QpyError(`${where}: its matrix is truncated`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const m = new Float64Array(2 * d * d);
  for (let r = 0; r < d; r++)
    for (let c = 0; c < d; c++) {
      const at = 16 * (fortran ? c * d + r : r * d + c);
      m[2 * (r * d + c)] = view.getFloat64(at, true);
      m[2 * (r * d + c) + 1] = view.getFloat64(at + 8, true);
    }
  // U†U = I, or the simulation would not conserve probability.
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let re = 0;
      let im = 0;
      for (let k = 0; k < d; k++) {
        const ar = m[2 * (k * d + i)] ?? 0;
        const ai = -(m[2 * (k * d + i) + 1] ?? 0);
        const br = m[2 * (k * d + j)] ?? 0;
        const bi = m[2 * (k * d + j) + 1] ?? 0;
        re += ar * br - ai * bi;
        im += ar * bi + ai * br;
      }
      if (Math.abs(re - (i === j ? 1 : 0)) > 1e-8 || Math.abs(im) > 1e-8)
        throw new QpyError(`${where}: its matrix is not unitary`);
    }
  return { numQubits: n, m };
}

/** `ctrl @`/`negctrl @` per control qubit; bit k of the state is control k (1: closed). */
/** More controls than this on one gate is not a circuit anyone sends: refuse, do not spell it out. */
const MAX_CONTROLS = 64;

function controlMods(n: number, state: number): string {
  if (!Number.isInteger(n) || n < 0 || n > MAX_CONTROLS)
    throw new QpyError(`a gate has ${n} controls (at most ${MAX_CONTROLS})`);
  let out = '';
  for (let k = 0; k < n; k++) out += (state >> k) & 1 ? 'ctrl @ ' : 'negctrl @ ';
  return out;
}

function customCall(
  ins: QpyInstruction,
  custom: QpyCustom,
  c: QpyCircuit,
  e: Emitter,
  where: string,
): string {
  if (custom.type === 'c' || custom.type === 'a') {
    if (!custom.base) throw new QpyError(`${where}: its base gate is missing`);
    const ctrl = custom.numCtrlQubits;
    const baseCall = gateCall(custom.base, c, e, `${where}, base gate ${custom.base.name}`);
    if (custom.type === 'c') return `${controlMods(ctrl, custom.ctrlState)}${baseCall}`;
    // Annotated: modifiers apply in order, the first to the base: the last is written first.
    const mods = ins.params.map((m) => {
      if (m.k !== 'modifier') throw new QpyError(`${where}: a modifier is missing`);
      if (m.type === 'inv') return 'inv @ ';
      if (m.type === 'pow') return `pow(${num(m.power)}) @ `;
      return controlMods(m.numCtrlQubits, m.ctrlState);
    });
    return `${mods.reverse().join('')}${baseCall}`;
  }
  if (custom.type === 'p' || custom.evolution) {
    if (!custom.evolution) throw new QpyError(`${where}: its operator is missing`);
    const name = defineEvolution(ins.name, custom.numQubits, custom.evolution, e, where);
    const [time] = ins.params;
    if (!time) throw new QpyError(`${where}: its time is missing`);
    return `${name}(${numericOrExpr(time, e, `${where}, time`)})`;
  }
  if (!custom.definition)
    throw new QpyError(`${where}: an opaque gate (no definition) cannot be simulated`);
  // An Instruction whose definition holds only gates (a library circuit such as QFT) is a gate.
  if (custom.type !== 'g' && custom.type !== 'i')
    throw new QpyError(`${where}: custom instructions of type '${custom.type}' are not supported`);
  if (custom.numQubits !== ins.qubits.length || custom.definition.numQubits !== custom.numQubits)
    throw new QpyError(
      `${where}: the gate is defined on ${custom.numQubits} qubits but applied to ${ins.qubits.length}`,
    );
  return `${defineGate(ins.name, custom, custom.definition, e, where)}${ins.params.length ? `(${ins.params.map((v, i) => numericOrExpr(v, e, `${where}, parameter ${i}`)).join(', ')})` : ''}`;
}

/**
 * A custom gate as an OpenQASM `gate`: its formal parameters stand for the definition's own
 * parameters, in Qiskit's order (how `to_gate()` orders a gate's params).
 */
function defineGate(
  key: string,
  custom: QpyCustom,
  def: QpyCircuit,
  e: Emitter,
  where: string,
): string {
  const known = e.defined.get(custom);
  if (known) return known;
  const own = new Map<string, QpyParameter>();
  collectParameters(def, own);
  const formals = qiskitOrder([...own.values()]);
  const names = new Map(formals.map((p, i) => [p.id, `a${i}`]));
  const inner: Emitter = { ...e, lines: [], names, loop: null };
  const qubit = (i: number): string => `b${i}`;
  for (const ins of def.instructions) {
    if (ins.name === 'Measure' || ins.name === 'Reset' || ins.name === 'IfElseOp')
      throw new QpyError(`${where}: a gate definition holds ${ins.name}`);
  }
  body(
    def.instructions,
    def,
    inner,
    qubit,
    () => {
      throw new QpyError(`${where}: a gate definition uses a clbit`);
    },
    '  ',
  );
  e.ops = inner.ops;
  const phase = numericOrExpr(def.globalPhase, inner, `${where}, global phase`);
  const bodyLines = phase !== '0' ? [`  gphase(${phase});`, ...inner.lines] : inner.lines;
  const params = formals.length ? `(${formals.map((_, i) => `a${i}`).join(', ')})` : '';
  const qubits = Array.from({ length: custom.numQubits }, (_, i) => `b${i}`).join(', ');
  // Named once its body is written: gates it uses are defined (and numbered) first.
  const name = `qpy_g${e.defs.size}_${key.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40)}`;
  e.defs.set(name, `gate ${name}${params} ${qubits} {\n${bodyLines.join('\n')}\n}`);
  e.defined.set(custom, name);
  return name;
}

/**
 * A PauliEvolutionGate as an OpenQASM gate of its time `t`: exp(−i·t·H) by the product formula
 * its synthesis names (Qiskit's LieTrotter, or SuzukiTrotter of order 1 or any even order), each
 * term exp(−iθP) as a basis change, a CX chain, rz(2θ) and the chain undone; an identity term is
 * its global phase.
 */
function defineEvolution(
  key: string,
  numQubits: number,
  evo: NonNullable<QpyCustom['evolution']>,
  e: Emitter,
  where: string,
): string {
  const known = e.defined.get(evo);
  if (known) return known;
  const terms = evo.operators.flat();
  for (const t of terms) {
    if (t.im !== 0) throw new QpyError(`${where}: a term has an imaginary coefficient`);
    if (t.label.length !== numQubits)
      throw new QpyError(`${where}: a term ${t.label} does not span its ${numQubits} qubits`);
  }
  const reps = Number(evo.synthesis.settings.reps ?? 1);
  if (!Number.isInteger(reps) || reps < 1 || reps > 1000)
    throw new QpyError(`${where}: ${reps} Trotter repetitions`);
  const order =
    evo.synthesis.class === 'LieTrotter'
      ? 1
      : evo.synthesis.class === 'SuzukiTrotter'
        ? Number(evo.synthesis.settings.order ?? 2)
        : null;
  if (
    order === null ||
    !(order === 1 || (Number.isInteger(order) && order % 2 === 0 && order <= 8))
  )
    throw new QpyError(
      `${where}: the synthesis ${evo.synthesis.class}${order ? ` of order ${order}` : ''} is not supported (LieTrotter and SuzukiTrotter are)`,
    );
  // Count the exponentials before building them: reps and high orders multiply quickly.
  const perStep = order === 1 ? terms.length : (2 * terms.length - 1) * 5 ** ((order - 2) / 2);
  spend(e, reps * perStep * (2 * numQubits + 1));
  // (term index, fraction of t) in time order.
  const steps: [number, number][] = [];
  const suzuki = (o: number, dt: number): void => {
    if (o === 1) terms.forEach((_, k) => steps.push([k, dt]));
    else if (o === 2) {
      const last = terms.length - 1;
      for (let k = 0; k < last; k++) steps.push([k, dt / 2]);
      steps.push([last, dt]);
      for (let k = last - 1; k >= 0; k--) steps.push([k, dt / 2]);
    } else {
      const u = 1 / (4 - 4 ** (1 / (o - 1)));
      for (const f of [u, u, 1 - 4 * u, u, u]) suzuki(o - 2, f * dt);
    }
  };
  for (let r = 0; r < reps; r++) suzuki(order, 1 / reps);
  const lines: string[] = [];
  const q = (k: number): string => `b${k}`;
  for (const [k, fraction] of steps) {
    const t = terms[k];
    if (!t) continue;
    const angle = `(${num(t.re * fraction)} * a0)`;
    const active = [...t.label]
      .map((p, i) => [t.label.length - 1 - i, p] as const)
      .filter(([, p]) => p !== 'I')
      .map(([qb, p]) => [qb, p] as const)
      .sort((x, y) => x[0] - y[0]);
    if (!active.length) {
      lines.push(`  gphase(-${angle});`);
      continue;
    }
    const into = active.flatMap(([qb, p]) =>
      p === 'X' ? [`h ${q(qb)};`] : p === 'Y' ? [`sdg ${q(qb)};`, `h ${q(qb)};`] : [],
    );
    const back = active.flatMap(([qb, p]) =>
      p === 'X' ? [`h ${q(qb)};`] : p === 'Y' ? [`h ${q(qb)};`, `s ${q(qb)};`] : [],
    );
    const chain = active.slice(1).map(([qb], i) => `cx ${q(active[i]?.[0] ?? 0)}, ${q(qb)};`);
    const target = active[active.length - 1]?.[0] ?? 0;
    lines.push(
      ...[
        ...into,
        ...chain,
        `rz(2 * ${angle}) ${q(target)};`,
        ...[...chain].reverse(),
        ...back,
      ].map((l) => `  ${l}`),
    );
  }
  const name = `qpy_evo${e.defs.size}`;
  const qubits = Array.from({ length: numQubits }, (_, k) => q(k)).join(', ');
  e.defs.set(name, `gate ${name}(a0) ${qubits} {\n${lines.join('\n')}\n}`);
  e.defined.set(evo, name);
  return name;
}

const num = (v: number): string => {
  if (!Number.isFinite(v)) throw new QpyError(`a parameter is ${v}`);
  const s = String(v);
  return v < 0 ? `(${s})` : s;
};

/** A parameter value as an OpenQASM angle expression. */
function numericOrExpr(v: QpyValue, e: Emitter, where: string): string {
  switch (v.k) {
    case 'float':
    case 'int':
      return num(v.v);
    case 'complex':
      if (v.im !== 0) throw new QpyError(`${where} is complex`);
      return num(v.re);
    case 'expr':
      return exprText(v.e, e, where);
    default:
      throw new QpyError(`${where} has a value of kind ${v.k}`);
  }
}

function exprText(x: Expr, e: Emitter, where: string): string {
  switch (x.k) {
    case 'num':
      return num(x.v);
    case 'var': {
      const name = e.names.get(x.name);
      if (!name) throw new QpyError(`${where} uses a parameter its gate does not take`);
      return name;
    }
    case 'neg':
      return `(-${exprText(x.a, e, where)})`;
    case 'bin':
      return `(${exprText(x.a, e, where)} ${x.op === '^' ? '**' : x.op} ${exprText(x.b, e, where)})`;
    case 'call':
      if (x.fn === 'sign' || x.fn === 'abs')
        throw new QpyError(`${where} uses ${x.fn}(), which is not supported`);
      return `${x.fn}(${exprText(x.a, e, where)})`;
  }
}
