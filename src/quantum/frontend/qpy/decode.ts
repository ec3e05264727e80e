/**
 * The QPY reader, written from the specification in Qiskit's `qiskit/qpy/__init__.py` (tag 2.5.2)
 * for versions 10–17. Every byte is the sender's: lengths and counts are checked against what
 * remains before anything is read or allocated, nesting (circuits inside instructions, custom
 * definitions, expressions) is bounded in depth, and work in total is bounded (LIMITS).
 *
 * Details the bytes show and the docstring misses: INSTRUCTION_PARAM ints and floats are little
 * endian up to version 17; a float in a version-13 expression element is 8 bytes of padding then
 * the value; expression op codes 18–20 (reversed subtract, divide, power) exist.
 */
import type { Expr } from '../../ir/expr.js';
import { Bytes, npyParts } from './bytes.js';
import { QpyError } from './errors.js';
import { readSrepr, readSymengine } from './symbolic.js';
import type {
  ClassicalExpr,
  QpyCircuit,
  QpyCondition,
  PauliTerm,
  QpyCustom,
  QpyEvolution,
  QpyFile,
  QpyInstruction,
  QpyLayout,
  QpyParameter,
  QpyRegister,
  QpyValue,
  QpyVar,
} from './model.js';

/** The versions this reader reads (what qiskit-ibm-runtime clients have sent: 11, 13, 14, 17). */
export const MIN_VERSION = 10;
export const MAX_VERSION = 17;

/** Bounds on hostile input, beyond "every length fits the bytes". */
export const LIMITS = {
  /** Circuits nested in circuits (control-flow bodies, custom definitions). */
  depth: 32,
  /** Instructions, in all circuits of a payload together. */
  instructions: 2_000_000,
  /** Nodes of one parameter or classical expression. */
  exprNodes: 100_000,
  /** Qubits or clbits of one circuit (the widest devices have a few hundred). */
  bits: 100_000,
};

interface Scope {
  readonly version: number;
  readonly encoding: string;
  readonly depth: number;
  budget: { instructions: number };
}

export function decodeQpy(buf: Uint8Array): QpyFile {
  const r = new Bytes(buf, 'QPY payload');
  const magic = r.utf8(6, 'magic');
  if (magic !== 'QISKIT') throw new QpyError('the payload does not start with "QISKIT"');
  const version = r.u8('qpy_version');
  if (version < MIN_VERSION || version > MAX_VERSION)
    throw new QpyError(
      `QPY version ${version} is not supported: Berth reads versions ${MIN_VERSION} to ${MAX_VERSION} (what Qiskit 0.45 and later write)`,
    );
  const qiskitVersion = `${r.u8()}.${r.u8()}.${r.u8()}`;
  const numCircuits = r.count(r.u64('num_circuits'), 1, 'num_circuits');
  const symbolicEncoding = r.char('symbolic_encoding');
  // The program type follows the header ('q', a circuit; the docstring says 'c'), then, from
  // version 16, the start table.
  const type = r.char('program type');
  if (type !== 'q')
    throw new QpyError(
      `the payload holds a ${type === 's' ? 'pulse schedule' : `'${type}'`} program, not circuits`,
    );
  const offsets: number[] = [];
  if (version >= 16)
    for (let i = 0; i < numCircuits; i++) offsets.push(r.u64('circuit start table'));
  const scope: Scope = {
    version,
    encoding: symbolicEncoding,
    depth: 0,
    budget: { instructions: LIMITS.instructions },
  };
  const circuits: QpyCircuit[] = [];
  for (let i = 0; i < numCircuits; i++) {
    // The start table gives each circuit's offset; without it they follow one another.
    const at = offsets[i];
    if (at !== undefined) r.seek(at, `start of circuit ${i}`);
    circuits.push(readCircuit(r, scope, `circuit ${i}`));
  }
  return { version, qiskitVersion, symbolicEncoding, circuits };
}

function readCircuit(r: Bytes, scope: Scope, what: string): QpyCircuit {
  if (scope.depth > LIMITS.depth)
    throw new QpyError(`${what}: circuits nest deeper than ${LIMITS.depth} levels`);
  const v = scope.version;
  const nameSize = r.u16('name_size');
  const phaseType = r.char('global_phase_type');
  const phaseSize = r.u16('global_phase_size');
  const numQubits = r.u32('num_qubits');
  const numClbits = r.u32('num_clbits');
  const metadataSize = r.u64('metadata_size');
  const numRegisters = r.u32('num_registers');
  const numInstructions = r.u64('num_instructions');
  const numVars = v >= 12 ? r.u32('num_vars') : 0;
  if (numQubits > LIMITS.bits || numClbits > LIMITS.bits)
    throw new QpyError(
      `${what} declares ${Math.max(numQubits, numClbits)} bits; Berth reads at most ${LIMITS.bits}`,
    );
  const name = r.utf8(nameSize, 'circuit name');
  const globalPhase = loadsValue(phaseType, r.sub(phaseSize, `${what} global phase`), scope, []);
  const metadataText = r.utf8(metadataSize, 'metadata');
  let metadata: unknown = null;
  try {
    metadata = metadataText ? JSON.parse(metadataText) : null;
  } catch {
    throw new QpyError(`${what}: its metadata is not JSON`);
  }
  // Each register is at least 9 bytes; bit counts are bounded by what remains.
  r.count(numRegisters, 9, 'num_registers');
  const qregs: QpyRegister[] = [];
  const cregs: QpyRegister[] = [];
  for (let i = 0; i < numRegisters; i++) {
    const reg = readRegister(r);
    (reg.type === 'q' ? qregs : cregs).push(reg.register);
    checkBits(reg.register, reg.type === 'q' ? numQubits : numClbits, what);
  }
  r.count(numVars, 20, 'num_vars');
  const vars: QpyVar[] = [];
  for (let i = 0; i < numVars; i++) {
    const uuid = r.uuid('var uuid');
    const usage = r.char('var usage');
    const size = r.u16('var name_size');
    const type = readExprType(r);
    vars.push({ uuid, name: r.utf8(size, 'var name'), usage, ...type });
  }
  if (v >= 15) {
    const namespaces = r.count(r.u32('num_namespaces'), 12, 'num_namespaces');
    for (let i = 0; i < namespaces; i++) {
      const nsSize = r.u32('namespace_size');
      const stateSize = r.u64('state_size');
      r.bytes(nsSize, 'annotation namespace');
      r.bytes(stateSize, 'annotation state');
    }
  }
  const inner: Scope = { ...scope, depth: scope.depth + 1 };
  const customs = readCustoms(r, inner, numQubits, numClbits);
  r.count(numInstructions, 33, 'num_instructions');
  scope.budget.instructions -= numInstructions;
  if (scope.budget.instructions < 0)
    throw new QpyError(`the payload has more than ${LIMITS.instructions} instructions`);
  const instructions: QpyInstruction[] = [];
  for (let i = 0; i < numInstructions; i++)
    instructions.push(readInstruction(r, inner, { numQubits, numClbits, cregs, what }));
  // Calibrations (pulse gates, gone from Qiskit 2.0): skipped, as Qiskit skips them.
  const numCals = r.u16('num_cals');
  if (numCals > 0) throw new QpyError(`${what} has pulse calibrations, which Berth does not run`);
  const layout = readLayout(r, numQubits, what);
  return {
    name,
    globalPhase,
    numQubits,
    numClbits,
    metadata,
    qregs,
    cregs,
    vars,
    customs,
    instructions,
    layout,
  };
}

function readRegister(r: Bytes): { type: string; register: QpyRegister } {
  const type = r.char('register type');
  r.bool('standalone');
  const size = r.count(r.u32('register size'), 8, 'register size');
  const nameSize = r.u16('register name_size');
  const inCircuit = r.bool('in_circuit');
  const name = r.utf8(nameSize, 'register name');
  const bits: number[] = [];
  for (let i = 0; i < size; i++) bits.push(r.i64('register bit'));
  if (type !== 'q' && type !== 'c') throw new QpyError(`register ${name} has type '${type}'`);
  return { type, register: { name, bits, inCircuit } };
}

function checkBits(reg: QpyRegister, n: number, what: string): void {
  for (const b of reg.bits)
    if (b >= n) throw new QpyError(`${what}: register ${reg.name} names bit ${b} of ${n}`);
}

function readCustoms(
  r: Bytes,
  scope: Scope,
  numQubits: number,
  numClbits: number,
): Map<string, QpyCustom> {
  const customs = new Map<string, QpyCustom>();
  const count = r.count(r.u64('custom definitions'), 36, 'custom definitions');
  for (let i = 0; i < count; i++) {
    const nameSize = r.u16('custom name_size');
    const type = r.char('custom type');
    const nq = r.u32('custom num_qubits');
    const nc = r.u32('custom num_clbits');
    const hasDefinition = r.bool('custom_definition');
    const size = r.u64('custom size');
    const numCtrlQubits = r.u32('num_ctrl_qubits');
    const ctrlState = r.u32('ctrl_state');
    const baseSize = r.u64('base_gate_size');
    const name = r.utf8(nameSize, 'custom name');
    if (nq > LIMITS.bits || nc > LIMITS.bits)
      throw new QpyError(`custom instruction ${name} declares ${Math.max(nq, nc)} bits`);
    let definition: QpyCircuit | null = null;
    let evolution: QpyEvolution | undefined;
    if (hasDefinition) {
      const body = r.sub(size, `definition of ${name}`);
      // A PauliEvolutionGate's payload is its operator, not a circuit.
      if (type === 'p' || name.startsWith('###PauliEvolutionGate_'))
        evolution = readEvolution(body, scope);
      else definition = readCircuit(body, scope, `definition of ${name}`);
    }
    const base =
      baseSize > 0
        ? readInstruction(r.sub(baseSize, `base gate of ${name}`), scope, {
            numQubits: Math.max(numQubits, nq),
            numClbits: Math.max(numClbits, nc),
            cregs: [],
            what: `base gate of ${name}`,
            free: true,
          })
        : null;
    customs.set(name, {
      type,
      numQubits: nq,
      numClbits: nc,
      definition,
      numCtrlQubits,
      ctrlState,
      base,
      ...(evolution ? { evolution } : {}),
    });
  }
  return customs;
}

/** PAULI_EVOLUTION: the operators (.npy records of labels and complex coefficients), time, synthesis. */
function readEvolution(r: Bytes, scope: Scope): QpyEvolution {
  const count = r.count(r.u64('operator_count'), 9, 'operator_count');
  const standalone = r.bool('standalone_op');
  const timeType = r.char('time_type');
  const timeSize = r.u64('time_size');
  const synthSize = r.u64('synthesis_size');
  if (standalone && count !== 1)
    throw new QpyError(`a standalone PauliEvolutionGate has ${count} operators`);
  const operators: PauliTerm[][] = [];
  for (let i = 0; i < count; i++) {
    if (scope.version >= 17 && r.bool('sparse observable flag'))
      throw new QpyError('PauliEvolutionGate of a SparseObservable is not supported');
    operators.push(pauliTerms(r.bytes(r.u64('operator size'), 'operator')));
  }
  const time = loadsValue(timeType, r.sub(timeSize, 'evolution time'), scope, []);
  let synthesis: QpyEvolution['synthesis'];
  try {
    synthesis = JSON.parse(r.utf8(synthSize, 'synthesis')) as QpyEvolution['synthesis'];
  } catch {
    throw new QpyError('a PauliEvolutionGate synthesis is not JSON');
  }
  if (typeof synthesis?.class !== 'string') throw new QpyError('a synthesis has no class');
  return {
    operators,
    time,
    synthesis: { class: synthesis.class, settings: synthesis.settings ?? {} },
  };
}

/** `SparsePauliOp.to_list(array=True)` as np.save wrote it: records ('<U n' label, '<c16' coeff). */
function pauliTerms(npy: Uint8Array): PauliTerm[] {
  const { header, body } = npyParts(npy, 'a Pauli operator');
  const m = /'descr':\s*\[\('labels',\s*'<U(\d+)'\),\s*\('coeffs',\s*'<c16'\)\]/.exec(header);
  const shape = /'shape':\s*\((\d+),?\)/.exec(header);
  if (!m || !shape)
    throw new QpyError(`a Pauli operator has an unexpected layout: ${header.slice(0, 80)}`);
  const width = Number(m[1]);
  const r = new Bytes(body, 'Pauli terms');
  const n = r.count(Number(shape[1]), 4 * width + 16, 'Pauli terms');
  const terms: PauliTerm[] = [];
  for (let i = 0; i < n; i++) {
    let label = '';
    for (let k = 0; k < width; k++) {
      const code = r.u8() + 256 * r.u8() + 65536 * r.u8() + 16777216 * r.u8();
      // Labels are I, X, Y, Z; anything else (or an invalid code point) is refused below.
      if (code !== 0) label += code <= 0x7f ? String.fromCharCode(code) : '?';
    }
    if (!/^[IXYZ]*$/.test(label)) throw new QpyError(`a Pauli label is "${label}"`);
    terms.push({ label, re: r.f64('coeff real', true), im: r.f64('coeff imaginary', true) });
  }
  return terms;
}

interface InstructionScope {
  readonly numQubits: number;
  readonly numClbits: number;
  readonly cregs: readonly QpyRegister[];
  readonly what: string;
  /** A base gate stored on its own: no argument records follow its struct. */
  readonly free?: boolean;
}

function readInstruction(r: Bytes, scope: Scope, at: InstructionScope): QpyInstruction {
  const nameSize = r.u16('instruction name_size');
  const labelSize = r.u16('label_size');
  const numParams = r.u16('num_parameters');
  const numQargs = r.u32('num_qargs');
  const numCargs = r.u32('num_cargs');
  const extras = r.u8('extras_key');
  const condRegSize = r.u16('conditional_reg_name_size');
  const condValue = r.i64('conditional_value');
  const numCtrlQubits = r.u32('num_ctrl_qubits');
  const ctrlState = r.u32('ctrl_state');
  const name = r.utf8(nameSize, 'instruction name');
  const label = r.utf8(labelSize, 'label');
  const condReg = r.utf8(condRegSize, 'condition register');
  const where = `${at.what}, ${name}`;
  let condition: QpyCondition | null = null;
  const condKind = extras & 0b11;
  if (condKind === 1) condition = { k: 'equals', target: registerParam(condReg), value: condValue };
  else if (condKind === 2) {
    const value = readValue(r, scope, []);
    if (value.k !== 'cexpr') throw new QpyError(`${where}: its condition is not an expression`);
    condition = { k: 'expr', e: value.e };
  } else if (condKind === 3) throw new QpyError(`${where}: condition key 3 is not defined`);
  const qubits: number[] = [];
  const clbits: number[] = [];
  // A base gate stored on its own has no argument records (Qiskit writes none for it).
  if (!at.free) {
    r.count(numQargs + numCargs, 5, 'instruction arguments');
    for (let i = 0; i < numQargs + numCargs; i++) {
      const type = r.char('argument type');
      const index = r.u32('argument index');
      const quantum = i < numQargs;
      if (type !== (quantum ? 'q' : 'c'))
        throw new QpyError(`${where}: argument ${i} has type '${type}'`);
      const limit = quantum ? at.numQubits : at.numClbits;
      if (index >= limit)
        throw new QpyError(`${where}: ${quantum ? 'qubit' : 'clbit'} ${index} of ${limit}`);
      (quantum ? qubits : clbits).push(index);
    }
  }
  r.count(numParams, 9, 'num_parameters');
  const params: QpyValue[] = [];
  const symbols: QpyParameter[] = [];
  for (let i = 0; i < numParams; i++) params.push(readInstructionParam(r, scope, symbols));
  if (extras & 0x80) {
    const n = r.count(r.u32('num_annotations'), 12, 'num_annotations');
    for (let i = 0; i < n; i++) {
      r.u32('namespace_index');
      r.bytes(r.u64('annotation payload_size'), 'annotation payload');
    }
  }
  return { name, label, qubits, clbits, params, condition, numCtrlQubits, ctrlState };
}

/** A condition register: a name, or "\0" and a clbit index. */
function registerParam(text: string): QpyValue {
  if (text.startsWith('\0')) {
    const clbit = Number(text.slice(1));
    if (!Number.isSafeInteger(clbit) || clbit < 0)
      throw new QpyError(`a condition names clbit "${text.slice(1)}"`);
    return { k: 'register', clbit };
  }
  return { k: 'register', creg: text };
}

/** An INSTRUCTION_PARAM: its type code, size and data (ints and floats little endian, ≤ 17). */
function readInstructionParam(r: Bytes, scope: Scope, symbols: QpyParameter[]): QpyValue {
  const type = r.char('parameter type');
  const size = r.u64('parameter size');
  const data = r.sub(size, `parameter '${type}'`);
  switch (type) {
    case 'i':
      return { k: 'int', v: data.i64('int parameter', true) };
    case 'f':
      return { k: 'float', v: data.f64('float parameter', true) };
    case 'q':
      return {
        k: 'circuit',
        c: readCircuit(data, { ...scope, depth: scope.depth + 1 }, 'a circuit parameter'),
      };
    case 'r':
      return { k: 'range', start: data.i64(), stop: data.i64(), step: data.i64() };
    case 't': {
      const n = data.count(data.u64('sequence size'), 9, 'sequence size');
      const items: QpyValue[] = [];
      for (let i = 0; i < n; i++) items.push(readInstructionParam(data, scope, symbols));
      return { k: 'tuple', items };
    }
    case 'R':
      return registerParam(data.utf8(data.remaining, 'register parameter'));
    case 'm': {
      const t = data.char('modifier type');
      const numCtrlQubits = data.u32();
      const ctrlState = data.u32();
      const power = data.f64();
      const kind = t === 'i' ? 'inv' : t === 'c' ? 'ctrl' : t === 'p' ? 'pow' : null;
      if (!kind) throw new QpyError(`a modifier has type '${t}'`);
      return { k: 'modifier', type: kind, numCtrlQubits, ctrlState, power };
    }
    default:
      return loadsValue(type, data, scope, symbols);
  }
}

/** A value in the common encoding (big endian): the global phase, expression map values. */
function loadsValue(type: string, d: Bytes, scope: Scope, symbols: QpyParameter[]): QpyValue {
  switch (type) {
    case 'i':
      return { k: 'int', v: d.i64('int') };
    case 'f':
      return { k: 'float', v: d.f64('float') };
    case 'c':
      return { k: 'complex', re: d.f64(), im: d.f64() };
    case 's':
      return { k: 'string', v: d.utf8(d.remaining, 'string') };
    case 'z':
      return { k: 'null' };
    case 'd':
      return { k: 'case_default' };
    case 'n':
      return { k: 'ndarray', bytes: d.bytes(d.remaining, 'numpy data') };
    case 'p': {
      const p = readParameter(d);
      symbols.push(p);
      return { k: 'expr', e: { k: 'var', name: p.id }, symbols: [p] };
    }
    case 'v': {
      const p = readVectorElement(d);
      symbols.push(p);
      return { k: 'expr', e: { k: 'var', name: p.id }, symbols: [p] };
    }
    case 'e':
      return readParameterExpression(d, scope, symbols);
    case 'x':
      return { k: 'cexpr', e: readClassical(d, { nodes: 0 }) };
    default:
      throw new QpyError(
        `values of type '${type}' are not supported (QPY version ${scope.version})`,
      );
  }
}

function readParameter(d: Bytes): QpyParameter {
  const nameSize = d.u16('parameter name_size');
  const id = d.uuid('parameter uuid');
  return { id, name: d.utf8(nameSize, 'parameter name') };
}

function readVectorElement(d: Bytes): QpyParameter {
  const nameSize = d.u16('vector name_size');
  const size = d.u64('vector size');
  const id = d.uuid('vector element uuid');
  const index = d.u64('vector index');
  const name = d.utf8(nameSize, 'vector name');
  if (index >= size)
    throw new QpyError(`parameter ${name}[${index}] is outside its vector of ${size}`);
  return { id, name: `${name}[${index}]`, vector: { name, size, index } };
}

const BINARY_OPS: Readonly<Record<number, '+' | '-' | '*' | '/' | '^'>> = {
  0: '+',
  1: '-',
  2: '*',
  3: '/',
  4: '^',
};
/** 18–20: the reversed forms (`rhs - lhs`, …), as Qiskit's __rsub__ and friends record them. */
const REVERSED_OPS: Readonly<Record<number, '-' | '/' | '^'>> = { 18: '-', 19: '/', 20: '^' };
const UNARY_OPS: Readonly<Record<number, string>> = {
  5: 'sin',
  6: 'cos',
  7: 'tan',
  8: 'arcsin',
  9: 'arccos',
  10: 'exp',
  11: 'ln',
  12: 'sign',
  16: 'abs',
  17: 'arctan',
};
const OP_NAMES: Readonly<Record<number, string>> = { 13: 'gradient', 15: 'subs' };

/** PARAMETER_EXPR: a symbol map, then (version ≥ 13) the replay of the calls that built it. */
function readParameterExpression(d: Bytes, scope: Scope, symbols: QpyParameter[]): QpyValue {
  const mapElements = d.u64('map_elements');
  const exprSize = d.u64('expr_size');
  const payload = d.sub(exprSize, 'expression');
  d.count(mapElements, 10, 'map_elements');
  const local: QpyParameter[] = [];
  for (let i = 0; i < mapElements; i++) {
    const symbolType = d.char('symbol type');
    const valueType = d.char('symbol value type');
    const size = d.u64('symbol value size');
    let symbol: QpyParameter;
    if (symbolType === 'p') symbol = readParameter(d);
    else if (symbolType === 'v') symbol = readVectorElement(d);
    else throw new QpyError(`an expression symbol has type '${symbolType}'`);
    local.push(symbol);
    symbols.push(symbol);
    // The value: the symbol itself (size 0) for an unbound parameter.
    if (valueType !== 'p' && valueType !== 'v')
      throw new QpyError(`expression symbol ${symbol.name} is bound to a '${valueType}' value`);
    d.bytes(size, 'symbol value');
  }
  if (scope.version < 13) return { k: 'expr', e: symbolic(payload, local), symbols: local };
  return { k: 'expr', e: replay(payload, local), symbols: local };
}

/**
 * Versions 10–12: the expression in a symbolic library's own form, named by the header's
 * symbolic encoding, but told apart by its bytes (Qiskit 1.0 wrote a global phase in sympy
 * text under either): symengine's archive starts with its endianness byte 1, sympy's `srepr`
 * with a letter. Symbols are the map's parameters, by name.
 */
function symbolic(payload: Bytes, local: readonly QpyParameter[]): Expr {
  const raw = payload.bytes(payload.remaining, 'expression');
  const byName = new Map(local.map((p) => [p.name, p]));
  const symbol = (name: string): Expr => {
    const p = byName.get(name);
    if (!p) throw new QpyError(`an expression names ${name}, which its symbol map does not hold`);
    return { k: 'var', name: p.id };
  };
  if (raw[0] === 1) return readSymengine(raw, symbol);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new QpyError('a parameter expression is neither symengine nor sympy text');
  }
  return readSrepr(text, symbol);
}

/** Version-13 expressions: a stack machine over PARAM_EXPR_ELEM_V13 records (35 bytes each). */
function replay(d: Bytes, symbols: readonly QpyParameter[]): Expr {
  const ids = new Set(symbols.map((s) => s.id));
  const stack: Expr[] = [];
  const operand = (type: string, raw: Bytes): void => {
    switch (type) {
      case 'p': {
        const id = raw.uuid('symbol uuid');
        if (!ids.has(id)) throw new QpyError(`an expression names parameter ${id}, not in its map`);
        stack.push({ k: 'var', name: id });
        return;
      }
      case 'f':
        raw.bytes(8, 'padding');
        stack.push({ k: 'num', v: raw.f64('float operand') });
        return;
      case 'i':
        raw.bytes(8, 'padding');
        stack.push({ k: 'num', v: raw.i64('int operand') });
        return;
      case 'c': {
        const re = raw.f64();
        const im = raw.f64();
        if (im !== 0) throw new QpyError('complex parameter expressions are not supported');
        stack.push({ k: 'num', v: re });
        return;
      }
      case 'n':
      case 's':
      case 'e':
        return;
      case 'u':
        throw new QpyError('parameter expressions with substitutions (subs) are not supported');
      default:
        throw new QpyError(`an expression operand has type '${type}'`);
    }
  };
  let nodes = 0;
  while (!d.done) {
    if (++nodes > LIMITS.exprNodes)
      throw new QpyError(`an expression has more than ${LIMITS.exprNodes} operations`);
    const op = d.u8('op_code');
    const lhsType = d.char('lhs_type');
    const lhs = d.sub(16, 'lhs');
    const rhsType = d.char('rhs_type');
    const rhs = d.sub(16, 'rhs');
    if (lhsType === 's' || lhsType === 'e' || rhsType === 's' || rhsType === 'e') continue;
    operand(lhsType, lhs);
    operand(rhsType, rhs);
    if (op === 255) continue;
    const pop = (): Expr => {
      const e = stack.pop();
      if (!e) throw new QpyError(`expression op ${op} has too few operands`);
      return e;
    };
    const bin = BINARY_OPS[op];
    const rev = REVERSED_OPS[op];
    const fn = UNARY_OPS[op];
    if (bin) {
      const b = pop();
      const a = pop();
      stack.push({ k: 'bin', op: bin, a, b });
    } else if (rev) {
      const b = pop();
      const a = pop();
      stack.push({ k: 'bin', op: rev, a: b, b: a });
    } else if (fn) stack.push({ k: 'call', fn, a: pop() });
    else if (op === 14)
      stack.push(pop()); // conjugate: real parameters are their own
    else
      throw new QpyError(
        `parameter expression operation ${OP_NAMES[op] ?? `code ${op}`} is not supported`,
      );
  }
  const result = stack.pop();
  if (!result || stack.length)
    throw new QpyError('a parameter expression does not reduce to one value');
  return result;
}

/** A classical type: `b` bool, `u` uint (with its width), `f` float, `d` duration. */
function readExprType(r: Bytes): { type: string; width: number } {
  const t = r.char('expression type');
  if (t === 'u') return { type: t, width: r.u32('uint width') };
  if (t !== 'b' && t !== 'f' && t !== 'd') throw new QpyError(`a classical type has code '${t}'`);
  return { type: t, width: 1 };
}

function readClassical(r: Bytes, count: { nodes: number }): ClassicalExpr {
  if (++count.nodes > LIMITS.exprNodes)
    throw new QpyError(`a classical expression has more than ${LIMITS.exprNodes} nodes`);
  const kind = r.char('expression kind');
  readExprType(r);
  switch (kind) {
    case 'x': {
      const v = r.char('var kind');
      if (v === 'C') return { k: 'clbit', index: r.u32('clbit index') };
      if (v === 'R')
        return { k: 'creg', name: r.utf8(r.u16('register name_size'), 'register name') };
      if (v === 'U') return { k: 'var', index: r.u32('var index') };
      throw new QpyError(`a classical variable has kind '${v}'`);
    }
    case 'v': {
      const t = r.char('value kind');
      if (t === 'b') return { k: 'value', v: r.bool() };
      if (t === 'i') {
        const n = r.u8('int num_bytes');
        const raw = r.bytes(n, 'int value');
        if (n > 6) throw new QpyError('a classical integer literal is wider than 48 bits');
        let v = 0;
        for (const b of raw) v = v * 256 + b;
        if (n > 0 && (raw[0] ?? 0) & 0x80) v -= 2 ** (8 * n);
        return { k: 'value', v };
      }
      if (t === 'f') return { k: 'value', v: r.f64() };
      throw new QpyError(`a classical literal has kind '${t}'`);
    }
    case 'c':
      r.bool('implicit');
      return { k: 'cast', a: readClassical(r, count) };
    case 'u':
      return { k: 'unary', op: r.u8('unary op'), a: readClassical(r, count) };
    case 'b': {
      const op = r.u8('binary op');
      const a = readClassical(r, count);
      return { k: 'binary', op, a, b: readClassical(r, count) };
    }
    case 'i': {
      const a = readClassical(r, count);
      return { k: 'index', a, b: readClassical(r, count) };
    }
    case 's':
      throw new QpyError('stretch expressions are not supported');
    default:
      throw new QpyError(`a classical expression has kind '${kind}'`);
  }
}

/** A value with its type code and size in front (conditions, map entries). */
function readValue(r: Bytes, scope: Scope, symbols: QpyParameter[]): QpyValue {
  const type = r.char('value type');
  const size = r.u64('value size');
  return loadsValue(type, r.sub(size, `value '${type}'`), scope, symbols);
}

function readLayout(r: Bytes, numQubits: number, what: string): QpyLayout | null {
  const exists = r.bool('layout exists');
  const initialSize = r.i32('initial_layout_size');
  const inputMappingSize = r.i32('input_mapping_size');
  const finalSize = r.i32('final_layout_size');
  const extraRegisters = r.u32('extra_registers');
  r.i32('input_qubit_count');
  if (!exists) return null;
  r.count(extraRegisters, 9, 'extra_registers');
  for (let i = 0; i < extraRegisters; i++) readRegister(r);
  const initial: { register: string | null; index: number }[] = [];
  const initialCount = r.count(Math.max(0, initialSize), 8, 'initial_layout_size');
  for (let i = 0; i < initialCount; i++) {
    const index = r.i32('initial layout index');
    const regSize = r.i32('initial layout register_size');
    initial.push({ register: regSize >= 0 ? r.utf8(regSize, 'layout register') : null, index });
  }
  const u32s = (n: number, field: string): number[] => {
    const count = r.count(Math.max(0, n), 4, field);
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(r.u32(field));
    return out;
  };
  const inputMapping = u32s(inputMappingSize, 'input mapping');
  const final = u32s(finalSize, 'final layout');
  for (const q of final)
    if (q >= numQubits) throw new QpyError(`${what}: its final layout names qubit ${q}`);
  return { initial, inputMapping, final };
}
