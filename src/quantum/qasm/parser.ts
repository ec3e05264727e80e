/**
 * OpenQASM 2.0 and the OpenQASM 3 that IBM backends accept → Circuit. Gates are flattened to
 * primitive operations as they are read; user and library gate definitions expand inline.
 * Errors name the line and column; unsupported constructs are named as such.
 */
import type { Circuit, IfOp, Op, Register } from '../circuit.js';
import { DECOMPOSED, STANDARD } from '../gates.js';
import { type Expr, evaluate, substitute, variables } from './expr.js';
import type { Token } from './lexer.js';
import { TokenReader } from './token-reader.js';

interface GateCall {
  readonly mods: readonly Modifier[];
  readonly name: string;
  readonly args: readonly Expr[];
  readonly qargs: readonly string[];
  readonly tok: Token;
}
type Modifier =
  | { readonly k: 'inv' }
  | { readonly k: 'ctrl' | 'negctrl'; readonly n: number }
  | { readonly k: 'pow'; readonly e: Expr };
interface GateDef {
  readonly params: readonly string[];
  readonly qubits: readonly string[];
  readonly body: readonly GateCall[];
}
interface Context {
  readonly controls: readonly number[];
  readonly negControls: readonly number[];
  readonly inverse: boolean;
}

const UNSUPPORTED = new Set([
  'for',
  'while',
  'def',
  'const',
  'let',
  'int',
  'uint',
  'float',
  'bool',
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
const NO_CONTEXT: Context = { controls: [], negControls: [], inverse: false };

let library: Map<string, GateDef> | null = null;
/** The gates defined by decomposition, parsed once. */
function gateLibrary(): Map<string, GateDef> {
  library ??= new Parser(DECOMPOSED, new Map()).definitions();
  return library;
}

/** Parse an OpenQASM 2 or 3 program. */
export function parseQasm(source: string): Circuit {
  return new Parser(source).program();
}

class Parser extends TokenReader {
  private readonly qregs = new Map<string, Register>();
  private readonly cregs = new Map<string, Register>();
  private readonly gates = new Map<string, GateDef>();
  private readonly inputs = new Set<string>();
  private readonly free = new Set<string>();
  private nq = 0;
  private nc = 0;

  constructor(source: string, library: ReadonlyMap<string, GateDef> = gateLibrary()) {
    super(source);
    for (const [k, v] of library) this.gates.set(k, v);
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
      cregs: [...this.cregs.values()],
      ops,
      parameters: [...new Set([...this.inputs, ...this.free])].sort(),
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
      case 'input':
        return this.input();
      case 'gate':
        return this.gateDefinition();
      case 'measure':
        return this.measureArrow(ops);
      case 'reset':
        return this.reset(ops);
      case 'barrier':
      case 'delay':
        return this.skipStatement();
      case 'if':
        return this.ifStatement(ops);
      case 'OPENQASM':
        return this.fail(tok, 'OPENQASM must be the first statement');
    }
    if (UNSUPPORTED.has(tok.text)) {
      return this.fail(
        tok,
        `'${tok.text}' is not supported by Berth (supported: gates, measure, reset, barrier, if)`,
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

  private reset(ops: Op[]): void {
    this.next();
    for (const qubit of this.qubitArg()) ops.push({ kind: 'reset', qubit });
    this.expect(';');
  }

  private ifStatement(ops: Op[]): void {
    this.next();
    this.expect('(');
    const negate = this.accept('!');
    const bits = this.clbitArg();
    let value = 1;
    if (bits.length > 1 || this.peek().text === '==') {
      this.expect('==');
      value = this.intLiteral();
    }
    this.expect(')');
    if (negate) value = value ? 0 : 1;
    const body = this.block();
    const orelse = this.peek().text === 'else' ? (this.next(), this.block()) : [];
    const op: IfOp = { kind: 'if', clbits: bits, value, body, orelse };
    ops.push(op);
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

  // ---- gate calls -------------------------------------------------------------------------

  private gateCall(): GateCall {
    const mods: Modifier[] = [];
    for (;;) {
      const w = this.peek().text;
      if (w === 'inv' || w === 'ctrl' || w === 'negctrl' || w === 'pow') {
        this.next();
        if (w === 'inv') mods.push({ k: 'inv' });
        else if (w === 'pow') {
          this.expect('(');
          mods.push({ k: 'pow', e: this.expr() });
          this.expect(')');
        } else {
          let n = 1;
          if (this.accept('(')) {
            n = this.intLiteral();
            this.expect(')');
          }
          mods.push({ k: w, n });
        }
        this.expect('@');
        continue;
      }
      break;
    }
    const tok = this.ident();
    const args: Expr[] = [];
    if (this.accept('(')) {
      if (!this.accept(')')) {
        do args.push(this.expr());
        while (this.accept(','));
        this.expect(')');
      }
    }
    const qargs: string[] = [];
    if (this.peek().text !== ';') {
      do qargs.push(this.qargText());
      while (this.accept(','));
    }
    this.expect(';');
    return { mods, name: tok.text, args, qargs, tok };
  }

  /** A qubit argument as text (`q`, `q[1]`, or a gate's formal name). */
  private qargText(): string {
    const name = this.ident().text;
    if (!this.accept('[')) return name;
    const idx = this.intLiteral();
    this.expect(']');
    return `${name}[${idx}]`;
  }

  /** Expand a top-level call: resolve registers (with broadcasting) and apply. */
  private expandTop(call: GateCall, ops: Op[]): void {
    for (const a of call.args) {
      for (const v of variables(a)) if (!this.inputs.has(v)) this.free.add(v);
    }
    const lists = call.qargs.map((q) => this.resolveQubits(q, call.tok));
    const n = Math.max(1, ...lists.map((l) => l.length));
    for (const l of lists)
      if (l.length !== 1 && l.length !== n)
        this.fail(call.tok, 'registers of different sizes in one gate call');
    for (let k = 0; k < n; k++) {
      const qubits = lists.map((l) => (l.length === 1 ? (l[0] ?? 0) : (l[k] ?? 0)));
      if (new Set(qubits).size !== qubits.length)
        this.fail(call.tok, `gate ${call.name} uses a qubit twice`);
      this.apply(call, qubits, NO_CONTEXT, new Map(), ops);
    }
  }

  /** Apply a call to concrete qubits, under the modifiers of enclosing calls. */
  private apply(
    call: GateCall,
    qubits: number[],
    ctx: Context,
    env: ReadonlyMap<string, Expr>,
    ops: Op[],
  ): void {
    const args = call.args.map((a) => substitute(a, env));
    let c: Context = ctx;
    let rest = qubits;
    let power = 1;
    for (const mod of call.mods) {
      if (mod.k === 'inv') c = { ...c, inverse: !c.inverse };
      else if (mod.k === 'pow') {
        let p: number;
        try {
          p = evaluate(mod.e, new Map());
        } catch {
          return this.fail(call.tok, 'pow @ needs a constant exponent');
        }
        if (!Number.isInteger(p))
          this.fail(call.tok, 'pow @ with a non-integer exponent is not supported');
        power *= p;
      } else {
        if (rest.length <= mod.n) this.fail(call.tok, `${mod.k} @ needs more qubits`);
        const taken = rest.slice(0, mod.n);
        rest = rest.slice(mod.n);
        c =
          mod.k === 'ctrl'
            ? { ...c, controls: [...c.controls, ...taken] }
            : { ...c, negControls: [...c.negControls, ...taken] };
      }
    }
    if (power < 0) c = { ...c, inverse: !c.inverse };
    for (let k = 0; k < Math.abs(power); k++) this.applyGate(call, args, rest, c, ops);
  }

  private applyGate(call: GateCall, args: Expr[], qubits: number[], c: Context, ops: Op[]): void {
    const name = call.name;
    if (name === 'gphase') {
      if (args.length !== 1 || qubits.length)
        this.fail(call.tok, 'gphase takes one angle and no qubits');
      // A global phase only matters under control: it is then a phase gate on a control.
      const last = c.controls[c.controls.length - 1];
      if (last === undefined) return;
      ops.push({
        kind: 'u',
        gate: 'p',
        args,
        target: last,
        controls: c.controls.slice(0, -1),
        negControls: c.negControls,
        inverse: c.inverse,
      });
      return;
    }
    const std = STANDARD[name];
    if (std) {
      if (args.length !== std.params)
        this.fail(call.tok, `gate ${name} takes ${std.params} parameter(s), got ${args.length}`);
      const need = std.controls + (std.base === 'swap' ? 2 : 1);
      if (qubits.length !== need)
        this.fail(call.tok, `gate ${name} acts on ${need} qubit(s), got ${qubits.length}`);
      const controls = [...c.controls, ...qubits.slice(0, std.controls)];
      if (std.base === 'swap') {
        ops.push({
          kind: 'swap',
          a: qubits[need - 2] ?? 0,
          b: qubits[need - 1] ?? 0,
          controls,
          negControls: c.negControls,
        });
      } else {
        ops.push({
          kind: 'u',
          gate: std.base,
          args,
          target: qubits[need - 1] ?? 0,
          controls,
          negControls: c.negControls,
          inverse: c.inverse,
        });
      }
      return;
    }
    const def = this.gates.get(name);
    if (!def) return this.fail(call.tok, `unknown gate ${name}`);
    if (args.length !== def.params.length)
      this.fail(
        call.tok,
        `gate ${name} takes ${def.params.length} parameter(s), got ${args.length}`,
      );
    if (qubits.length !== def.qubits.length)
      this.fail(
        call.tok,
        `gate ${name} acts on ${def.qubits.length} qubit(s), got ${qubits.length}`,
      );
    const env = new Map<string, Expr>(def.params.map((p, k) => [p, args[k] ?? { k: 'num', v: 0 }]));
    const body = c.inverse ? [...def.body].reverse() : def.body;
    for (const inner of body) {
      const q = inner.qargs.map((a) => qubits[def.qubits.indexOf(a)] ?? 0);
      this.apply(inner, q, c, env, ops);
    }
  }

  private resolveQubits(arg: string, tok: Token): number[] {
    return this.resolve(arg, this.qregs, tok, 'qubit');
  }

  private qubitArg(): number[] {
    const tok = this.peek();
    return this.resolve(this.qargText(), this.qregs, tok, 'qubit');
  }

  private clbitArg(): number[] {
    const tok = this.peek();
    return this.resolve(this.qargText(), this.cregs, tok, 'bit');
  }

  private resolve(arg: string, regs: Map<string, Register>, tok: Token, what: string): number[] {
    const m = /^(.+)\[(\d+)\]$/.exec(arg);
    const name = m?.[1] ?? arg;
    const reg = regs.get(name);
    if (!reg) return this.fail(tok, `unknown ${what} register ${name}`);
    if (!m) return Array.from({ length: reg.size }, (_, k) => reg.offset + k);
    const idx = Number(m[2]);
    if (idx >= reg.size) this.fail(tok, `${name}[${idx}] is out of range (size ${reg.size})`);
    return [reg.offset + idx];
  }
}
