/**
 * OpenQASM 2.0 and the OpenQASM 3 that IBM backends accept → Circuit. Gates are flattened to
 * primitive operations as they are read; user and library gate definitions expand inline.
 * Errors name the line and column; unsupported constructs are named as such.
 */
import type { BinaryOp, ClassicalExpr } from '../../ir/classical.js';
import type { Circuit, IfOp, Op, Register } from '../../ir/circuit.js';
import { DECOMPOSED, STANDARD } from '../../ir/gates.js';
import { variables } from '../../ir/expr.js';
import { type GateCall, type GateDef, GateExpander, type Unitary } from './gate-expander.js';
import type { Token } from './lexer.js';

const UNSUPPORTED = new Set([
  'for',
  'def',
  'const',
  'let',
  'int',
  'float',
  'duration',
  'stretch',
  'box',
  'cal',
  'defcal',
  'defcalgrammar',
  'extern',
  'switch',
  'return',
  'break',
  'continue',
  'end',
  'opaque',
  'array',
  'complex',
  'angle',
  'output',
]);
const INCLUDES = new Set(['qelib1.inc', 'stdgates.inc']);

let library: Map<string, GateDef> | null = null;
/** The gates defined by decomposition, parsed once. */
function gateLibrary(): Map<string, GateDef> {
  library ??= new Parser(DECOMPOSED, new Map()).definitions();
  return library;
}

/** Parse an OpenQASM 2 or 3 program. */
export function parseQasm(source: string, options: ParseOptions = {}): Circuit {
  const parser = new Parser(source, gateLibrary(), options.unitaries);
  if (options.recordCalls) parser.recordCalls();
  if (options.keepDelays) parser.keepDelays = true;
  if (options.markGates) parser.markGates = true;
  if (options.forDrawing) parser.forDrawing = true;
  return parser.program();
}

/** What a program may use beyond OpenQASM: gates given by their matrices (QPY's UnitaryGate). */
export interface ParseOptions {
  readonly unitaries?: ReadonlyMap<string, Unitary>;
  /** Keep every gate call as written (`Circuit.calls`, for ISA checks); off, it costs nothing. */
  readonly recordCalls?: boolean;
  /** Keep `delay` as operations (a backend that models relaxation); off, delays are skipped. */
  readonly keepDelays?: boolean;
  /** Mark where each gate call ends (a backend with gate noise); off, nothing is added. */
  readonly markGates?: boolean;
  /**
   * Mark where every gate call ends, modified ones too, with its angles and modifiers: what a
   * circuit diagram draws (diagram.ts). Such a circuit is for reading, never for running.
   */
  readonly forDrawing?: boolean;
}

/** Duration units of `delay[…]`: seconds per unit, or 1 for the backend's `dt`. */
const DELAY_UNITS: Readonly<Record<string, number>> = {
  dt: 1,
  ns: 1e-9,
  us: 1e-6,
  ms: 1e-3,
  s: 1,
};

class Parser extends GateExpander {
  /** Names of classical variables (`bool`, `uint[n]`), which are not output registers. */
  private readonly variables = new Set<string>();
  keepDelays = false;

  constructor(
    source: string,
    library: ReadonlyMap<string, GateDef> = gateLibrary(),
    unitaries?: ReadonlyMap<string, Unitary>,
  ) {
    super(source);
    for (const [k, v] of library) this.gates.set(k, v);
    for (const [k, v] of unitaries ?? []) this.unitaries.set(k, v);
  }

  /** Read a file of gate definitions only (the library). */
  definitions(): Map<string, GateDef> {
    while (this.peek().kind !== 'eof') this.gateDefinition();
    return this.gates;
  }

  program(): Circuit {
    const ops: Op[] = [];
    if (this.peek().text === 'OPENQASM') {
      this.next();
      const v = this.next();
      if (v.kind !== 'num' || !['2', '2.0', '3', '3.0'].includes(v.text))
        this.fail(v, `unsupported OpenQASM version ${v.text}`);
      this.expect(';');
    }
    while (this.peek().kind !== 'eof') this.statement(ops);
    return {
      numQubits: this.nq,
      numClbits: this.nc,
      qregs: [...this.qregs.values()],
      // Classical variables live in clbits too, but are no output register.
      cregs: [...this.cregs.values()].filter((r) => !this.variables.has(r.name)),
      ops,
      parameters: [...new Set([...this.inputs, ...this.free])].sort(),
      ...(this.physical ? { physical: true } : {}),
      ...(this.calls ? { calls: this.calls } : {}),
    };
  }

  // ---- statements -------------------------------------------------------------------------

  private statement(ops: Op[]): void {
    const tok = this.peek();
    if (tok.kind !== 'id') {
      if (tok.text === '{') return this.fail(tok, 'unexpected block');
      return this.fail(tok, `unexpected '${tok.text}'`);
    }
    switch (tok.text) {
      case 'include':
        return this.include();
      case 'qreg':
      case 'creg':
        return this.oldRegister(tok.text);
      case 'qubit':
      case 'bit':
        return this.register(tok.text, ops);
      case 'bool':
      case 'uint':
        return this.variable(tok.text, ops);
      case 'input':
        return this.input();
      case 'gate':
        return this.gateDefinition();
      case 'measure':
        return this.measureArrow(ops);
      case 'reset':
        return this.reset(ops);
      case 'barrier':
        return this.skipStatement();
      case 'delay':
        return this.keepDelays ? this.delay(ops) : this.skipStatement();
      case 'if':
        return this.ifStatement(ops);
      case 'while':
        return this.whileStatement(ops);
      case 'OPENQASM':
        return this.fail(tok, 'OPENQASM must be the first statement');
    }
    if (UNSUPPORTED.has(tok.text)) {
      return this.fail(
        tok,
        `'${tok.text}' is not supported by Berth (supported: gates, measure, reset, barrier, delay, if, while)`,
      );
    }
    if (this.cregs.has(tok.text) && this.isAssignment()) return this.measureAssign(ops);
    const call = this.gateCall();
    this.expandTop(call, ops);
  }

  private include(): void {
    this.next();
    const f = this.next();
    if (f.kind !== 'str') this.fail(f, 'expected a file name in quotes');
    if (!INCLUDES.has(f.text))
      this.fail(f, `cannot include "${f.text}" (only qelib1.inc and stdgates.inc)`);
    this.expect(';');
  }

  private declare(kind: 'qubit' | 'bit', name: Token, size: number): Register {
    const map = kind === 'qubit' ? this.qregs : this.cregs;
    if (kind === 'qubit' && this.physical)
      this.fail(name, 'qubit registers cannot be declared after physical qubits ($n) are used');
    if (this.qregs.has(name.text) || this.cregs.has(name.text))
      this.fail(name, `${name.text} is already declared`);
    const reg = { name: name.text, size, offset: kind === 'qubit' ? this.nq : this.nc };
    if (kind === 'qubit') this.nq += size;
    else this.nc += size;
    map.set(name.text, reg);
    return reg;
  }

  private oldRegister(kind: string): void {
    this.next();
    const name = this.ident();
    this.expect('[');
    const size = this.intLiteral();
    this.expect(']');
    this.expect(';');
    this.declare(kind === 'qreg' ? 'qubit' : 'bit', name, size);
  }

  private register(kind: 'qubit' | 'bit', ops: Op[]): void {
    this.next();
    let size = 1;
    if (this.accept('[')) {
      size = this.intLiteral();
      this.expect(']');
    }
    const name = this.ident();
    const reg = this.declare(kind, name, size);
    if (kind === 'bit' && this.accept('=')) {
      this.expectWord('measure');
      this.measurePairs(
        this.qubitArg(),
        Array.from({ length: size }, (_, k) => reg.offset + k),
        this.peek(),
        ops,
      );
    }
    this.expect(';');
  }

  /**
   * `bool b;`, `uint[8] n = 3;`: a classical variable, kept in clbits of its own (0 until
   * assigned) that no output register shows.
   */
  private variable(type: 'bool' | 'uint', ops: Op[]): void {
    this.next();
    let size = 1;
    if (type === 'uint') {
      this.expect('[');
      size = this.intLiteral();
      this.expect(']');
    }
    const name = this.ident();
    const reg = this.declare('bit', name, size);
    this.variables.add(name.text);
    if (this.accept('=')) {
      const clbits = Array.from({ length: size }, (_, k) => reg.offset + k);
      ops.push({ kind: 'store', clbits, expr: this.classical(0) });
    }
    this.expect(';');
  }

  private input(): void {
    this.next();
    const type = this.ident();
    if (!['float', 'angle'].includes(type.text))
      this.fail(type, `input of type ${type.text} is not supported (use float[64])`);
    if (this.accept('[')) {
      this.intLiteral();
      this.expect(']');
    }
    this.inputs.add(this.ident().text);
    this.expect(';');
  }

  private gateDefinition(): void {
    this.expectWord('gate');
    const name = this.ident();
    if (STANDARD[name.text])
      this.fail(name, `gate ${name.text} is a standard gate and cannot be redefined`);
    const params: string[] = [];
    if (this.accept('(')) {
      if (!this.accept(')')) {
        do params.push(this.ident().text);
        while (this.accept(','));
        this.expect(')');
      }
    }
    const qubits: string[] = [];
    do qubits.push(this.ident().text);
    while (this.accept(','));
    this.expect('{');
    const body: GateCall[] = [];
    while (!this.accept('}')) {
      const tok = this.peek();
      if (tok.text === 'barrier') {
        this.skipStatement();
        continue;
      }
      const call = this.gateCall();
      // Gates are defined before they are used (OpenQASM), so a gate cannot call itself: a
      // recursive definition would expand forever.
      if (
        call.name !== 'gphase' &&
        !STANDARD[call.name] &&
        !this.gates.has(call.name) &&
        !this.unitaries.has(call.name)
      )
        this.fail(
          call.tok,
          call.name === name.text
            ? `gate ${name.text} calls itself; gates cannot be recursive`
            : `gate ${call.name} is used in gate ${name.text} before it is defined`,
        );
      for (const q of call.qargs)
        if (!qubits.includes(q)) this.fail(call.tok, `unknown qubit ${q} in gate ${name.text}`);
      for (const a of call.args) {
        for (const v of variables(a))
          if (!params.includes(v))
            this.fail(call.tok, `unknown parameter ${v} in gate ${name.text}`);
      }
      body.push(call);
    }
    this.gates.set(name.text, { params, qubits, body });
  }

  private measureArrow(ops: Op[]): void {
    const tok = this.next();
    const q = this.qubitArg();
    if (!this.accept('->')) {
      this.fail(
        this.peek(),
        "a measurement needs a destination: 'measure q -> c;' or 'c = measure q;'",
      );
    }
    const c = this.clbitArg();
    this.expect(';');
    this.measurePairs(q, c, tok, ops);
  }

  private measureAssign(ops: Op[]): void {
    const tok = this.peek();
    const c = this.clbitArg();
    this.expect('=');
    if (this.peek().text !== 'measure') {
      // `c = expression;`: a classical assignment (of a bit, a register or a variable).
      ops.push({ kind: 'store', clbits: c, expr: this.classical(0) });
      this.expect(';');
      return;
    }
    this.expectWord('measure');
    const q = this.qubitArg();
    this.expect(';');
    this.measurePairs(q, c, tok, ops);
  }

  private measurePairs(q: number[], c: number[], tok: Token, ops: Op[]): void {
    if (q.length !== c.length)
      this.fail(tok, `measuring ${q.length} qubit(s) into ${c.length} bit(s)`);
    q.forEach((qubit, k) => ops.push({ kind: 'measure', qubit, clbit: c[k] ?? 0 }));
  }

  /** `delay[100ns] q[0], $3;`: durations in dt, ns, us, ms or s. */
  private delay(ops: Op[]): void {
    this.next();
    this.expect('[');
    const tok = this.peek();
    if (tok.kind !== 'num')
      this.fail(tok, 'a delay needs a duration with a unit, such as delay[100ns] or delay[16dt]');
    const value = Number(this.next().text);
    const unitTok = this.next();
    const scale = DELAY_UNITS[unitTok.text];
    if (scale === undefined)
      this.fail(
        unitTok,
        `'${unitTok.text}' is not a duration unit (allowed: ${Object.keys(DELAY_UNITS).join(', ')})`,
      );
    this.expect(']');
    const unit = unitTok.text === 'dt' ? 'dt' : 's';
    do {
      for (const qubit of this.qubitArg())
        ops.push({ kind: 'delay', qubit, duration: value * scale, unit });
    } while (this.accept(','));
    this.expect(';');
  }

  private reset(ops: Op[]): void {
    this.next();
    for (const qubit of this.qubitArg()) ops.push({ kind: 'reset', qubit });
    this.expect(';');
  }

  /** `if (condition) { … }`, with `else`. */
  private ifStatement(ops: Op[]): void {
    this.next();
    const { bits, value, negate, expr } = this.condition();
    const body = this.block();
    const orelse = this.peek().text === 'else' ? (this.next(), this.block()) : [];
    // A negated condition is the same test with the branches exchanged.
    const op: IfOp = negate
      ? { kind: 'if', clbits: bits, value, body: orelse, orelse: body }
      : { kind: 'if', clbits: bits, value, body, orelse, ...(expr ? { expr } : {}) };
    ops.push(op);
  }

  /** `while (condition) { … }`, with the conditions `if` takes. */
  private whileStatement(ops: Op[]): void {
    this.next();
    const { bits, value, negate, expr } = this.condition();
    ops.push({
      kind: 'while',
      clbits: bits,
      value,
      negate,
      body: this.block(),
      ...(expr ? { expr } : {}),
    });
  }

  /**
   * `(expression)`: a bit or register compared with a value (`c == 3`, `c[0]`, `!c[0]`,
   * `c != 2`) takes the direct test; anything else (`c1 < c2 || c1[1]`, `(a ^ b) == 0`) is kept
   * as a classical expression, evaluated per shot.
   */
  private condition(): {
    bits: number[];
    value: number;
    negate: boolean;
    expr?: ClassicalExpr;
  } {
    this.expect('(');
    const e = this.classical(0);
    this.expect(')');
    const simple = simpleCondition(e);
    return simple ?? { bits: [], value: 1, negate: false, expr: e };
  }

  /** Operators by precedence, loosest first (OpenQASM 3's order). */
  private static readonly LEVELS: readonly (readonly BinaryOp[])[] = [
    ['||'],
    ['&&'],
    ['|'],
    ['^'],
    ['&'],
    ['==', '!='],
    ['<', '<=', '>', '>='],
    ['<<', '>>'],
  ];

  private classical(level: number): ClassicalExpr {
    const ops = Parser.LEVELS[level];
    if (!ops) return this.classicalUnary();
    let left = this.classical(level + 1);
    for (;;) {
      const op = ops.find((o) => o === this.peek().text);
      if (!op) return left;
      this.next();
      left = { k: 'bin', op, a: left, b: this.classical(level + 1) };
    }
  }

  private classicalUnary(): ClassicalExpr {
    if (this.accept('!')) return { k: 'not', a: this.classicalUnary() };
    if (this.accept('~')) return { k: 'bitnot', a: this.classicalUnary() };
    if (this.accept('(')) {
      const e = this.classical(0);
      this.expect(')');
      return e;
    }
    const tok = this.peek();
    if (tok.text === 'true' || tok.text === 'false') {
      this.next();
      return { k: 'int', v: tok.text === 'true' ? 1n : 0n, width: 1 };
    }
    if (tok.kind === 'num' && /^[0-9]+$/.test(tok.text)) {
      this.next();
      const v = BigInt(tok.text);
      return { k: 'int', v, width: Math.max(1, v.toString(2).length) };
    }
    if (this.cregs.has(tok.text)) return { k: 'bits', clbits: this.clbitArg() };
    return this.fail(
      tok,
      `expected a classical bit, a register or an integer in the condition, found '${tok.text}'`,
    );
  }

  private block(): Op[] {
    const ops: Op[] = [];
    if (this.accept('{')) {
      while (!this.accept('}')) {
        if (this.peek().kind === 'eof') this.fail(this.peek(), "expected '}'");
        this.statement(ops);
      }
    } else this.statement(ops);
    return ops;
  }
}

/** The direct test for a bit or register compared with a literal, or null. */
function simpleCondition(
  e: ClassicalExpr,
): { bits: number[]; value: number; negate: boolean } | null {
  if (e.k === 'bits' && e.clbits.length === 1)
    return { bits: [...e.clbits], value: 1, negate: false };
  if (e.k === 'not' && e.a.k === 'bits' && e.a.clbits.length === 1)
    return { bits: [...e.a.clbits], value: 1, negate: true };
  if (e.k === 'bin' && (e.op === '==' || e.op === '!=')) {
    const [subject, literal] = e.a.k === 'int' ? [e.b, e.a] : [e.a, e.b];
    if (subject.k === 'bits' && literal.k === 'int' && literal.v < 2n ** 31n)
      return { bits: [...subject.clbits], value: Number(literal.v), negate: e.op === '!=' };
  }
  return null;
}
