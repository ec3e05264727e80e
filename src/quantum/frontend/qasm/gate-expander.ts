/**
 * Gate calls: modifiers (ctrl, negctrl, inv, pow), register broadcasting, and the expansion of
 * standard, library and user gates into primitive operations. The statement-level parser
 * (parser.ts) builds on this; the registers and gate definitions it declares live here.
 */
import type { GateCallRecord, Op, Register } from '../../ir/circuit.js';
import { STANDARD, type StandardGate } from '../../ir/gates.js';
import { type Expr, evaluate, exprText, substitute, variables } from '../../ir/expr.js';
import type { Token } from './lexer.js';
import { TokenReader } from './token-reader.js';

/** A gate call as written: modifiers, name, angle arguments, qubit arguments. */
export interface GateCall {
  readonly mods: readonly Modifier[];
  readonly name: string;
  readonly args: readonly Expr[];
  readonly qargs: readonly string[];
  /** Where each qubit argument starts, for errors. */
  readonly qtoks: readonly Token[];
  readonly tok: Token;
}
/** A gate modifier (`inv @`, `ctrl(n) @`, `negctrl(n) @`, `pow(k) @`). */
export type Modifier =
  | { readonly k: 'inv' }
  | { readonly k: 'ctrl' | 'negctrl'; readonly n: number }
  | { readonly k: 'pow'; readonly e: Expr };
/** A modifier as OpenQASM writes it, with its `@`. */
const modifierText = (m: Modifier): string =>
  m.k === 'inv'
    ? 'inv @ '
    : m.k === 'pow'
      ? `pow(${exprText(m.e)}) @ `
      : `${m.k}${m.n === 1 ? '' : `(${m.n})`} @ `;

/** A gate definition: formal parameters, formal qubits and body. */
export interface GateDef {
  readonly params: readonly string[];
  readonly qubits: readonly string[];
  readonly body: readonly GateCall[];
}
/** A gate given by its matrix: 2^n × 2^n, row-major, interleaved re/im, local bit j = qubit j. */
export interface Unitary {
  readonly numQubits: number;
  readonly m: Float64Array;
}
/** The modifiers in force while a call expands: controls and inversion. */
export interface Context {
  readonly controls: readonly number[];
  readonly negControls: readonly number[];
  readonly inverse: boolean;
}

/**
 * The widest gate a non-integer `pow @` takes: its 2^m × 2^m matrix is formed and diagonalised
 * (8×8 at 3 qubits), and applied as a dense unitary, which is only reasonable while small.
 */
export const MAX_POWER_QUBITS = 3;

/**
 * The most operations one program may expand to. `pow(k) @` and nested user gates multiply
 * quickly, and expansion happens at submission, on the server's main thread.
 */
export const MAX_EXPANDED_OPS = 1_000_000;

/** No modifiers. */
export const NO_CONTEXT: Context = { controls: [], negControls: [], inverse: false };

/** The part of the parser that expands gate calls; parser.ts adds the statements. */
export class GateExpander extends TokenReader {
  protected readonly qregs = new Map<string, Register>();
  protected readonly cregs = new Map<string, Register>();
  protected readonly gates = new Map<string, GateDef>();
  protected readonly inputs = new Set<string>();
  /** Gates given by their matrices (parseQasm's options). */
  protected readonly unitaries = new Map<string, Unitary>();
  protected readonly free = new Set<string>();
  protected nq = 0;
  protected nc = 0;
  /** Whether the program names physical qubits ($0, $1, …) instead of declaring registers. */
  protected physical = false;
  /** Gate calls as written at the top level and in `if` bodies, when asked for (ISA checks). */
  protected calls: GateCallRecord[] | null = null;

  recordCalls(): void {
    this.calls = [];
  }
  /** Follow every unmodified gate call with a `mark` op, for per-gate noise (ParseOptions). */
  markGates = false;
  /** Follow every gate call with a `mark` op holding its angles and modifiers (ParseOptions). */
  forDrawing = false;
  /** Operations expanded so far (all bodies included), against MAX_EXPANDED_OPS. */
  private expanded = 0;

  /** Count `n` more operations from the call at `tok`; fails past the limit. */
  protected spend(tok: Token, n: number): void {
    this.expanded += n;
    if (this.expanded > MAX_EXPANDED_OPS)
      this.fail(
        tok,
        `the program expands to more than ${MAX_EXPANDED_OPS.toLocaleString('en')} operations (gate calls, powers and gate bodies included)`,
      );
  }

  protected gateCall(): GateCall {
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
    const qtoks: Token[] = [];
    if (this.peek().text !== ';') {
      do {
        qtoks.push(this.peek());
        qargs.push(this.qargText());
      } while (this.accept(','));
    }
    this.expect(';');
    return { mods, name: tok.text, args, qargs, qtoks, tok };
  }

  /** A qubit argument as text (`q`, `q[1]`, or a gate's formal name). */
  protected qargText(): string {
    const name = this.ident().text;
    if (!this.accept('[')) return name;
    const idx = this.intLiteral();
    this.expect(']');
    return `${name}[${idx}]`;
  }

  /** Expand a top-level call: resolve registers (with broadcasting) and apply. */
  protected expandTop(call: GateCall, ops: Op[]): void {
    for (const a of call.args) {
      for (const v of variables(a)) if (!this.inputs.has(v)) this.free.add(v);
    }
    const lists = call.qargs.map((q, k) => this.resolveQubits(q, call.qtoks[k] ?? call.tok));
    const n = Math.max(1, ...lists.map((l) => l.length));
    for (const l of lists)
      if (l.length !== 1 && l.length !== n)
        this.fail(call.tok, 'registers of different sizes in one gate call');
    for (let k = 0; k < n; k++) {
      const qubits = lists.map((l) => (l.length === 1 ? (l[0] ?? 0) : (l[k] ?? 0)));
      if (new Set(qubits).size !== qubits.length)
        this.fail(call.tok, `gate ${call.name} uses a qubit twice`);
      this.calls?.push({ name: call.name, modified: call.mods.length > 0, qubits });
      this.apply(call, qubits, NO_CONTEXT, new Map(), ops);
      if (this.forDrawing)
        ops.push({
          kind: 'mark',
          gate: call.name,
          qubits,
          args: call.args,
          modifiers: call.mods.map(modifierText).join(''),
        });
      else if (this.markGates && call.mods.length === 0)
        ops.push({ kind: 'mark', gate: call.name, qubits });
    }
  }

  /** Apply a call to concrete qubits, under the modifiers of enclosing calls. */
  protected apply(
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
    for (const [i, mod] of call.mods.entries()) {
      if (mod.k === 'inv') c = { ...c, inverse: !c.inverse };
      else if (mod.k === 'pow') {
        let p: number;
        try {
          p = evaluate(mod.e, new Map());
        } catch {
          return this.fail(call.tok, 'pow @ needs a constant exponent');
        }
        if (!Number.isInteger(p)) {
          // Integer powers and inversions commute; the modifiers after this one and the gate
          // make the gate that is raised to p.
          const outer = power < 0 ? { ...c, inverse: !c.inverse } : c;
          const inner = { ...call, mods: call.mods.slice(i + 1) };
          return this.applyPower(inner, p, rest, outer, Math.abs(power), env, ops);
        }
        power *= p;
      } else {
        if (rest.length < mod.n) this.fail(call.tok, `${mod.k} @ needs more qubits`);
        const taken = rest.slice(0, mod.n);
        rest = rest.slice(mod.n);
        c =
          mod.k === 'ctrl'
            ? { ...c, controls: [...c.controls, ...taken] }
            : { ...c, negControls: [...c.negControls, ...taken] };
      }
    }
    if (power < 0) c = { ...c, inverse: !c.inverse };
    if (Math.abs(power) > MAX_EXPANDED_OPS) this.spend(call.tok, Math.abs(power));
    for (let k = 0; k < Math.abs(power); k++) this.applyGate(call, args, rest, c, ops);
  }

  /**
   * `pow(p) @ inner` for a non-integer p, `times` times under context `c`: a PowerOp whose body
   * is `inner` expanded on local qubits and controlled by one extra local qubit (circuit.ts), so
   * that the gate's global phase is part of the matrix that is raised to p.
   */
  private applyPower(
    inner: GateCall,
    p: number,
    qubits: number[],
    c: Context,
    times: number,
    env: ReadonlyMap<string, Expr>,
    ops: Op[],
  ): void {
    if (!Number.isFinite(p)) this.fail(inner.tok, `pow @ needs a finite exponent, got ${p}`);
    const m = qubits.length;
    if (m > MAX_POWER_QUBITS)
      this.fail(
        inner.tok,
        `pow @ with a non-integer exponent works on gates of at most ${MAX_POWER_QUBITS} qubits; ${inner.name} here acts on ${m}`,
      );
    const body: Op[] = [];
    const local = qubits.map((_, k) => k);
    this.apply(inner, local, { controls: [m], negControls: [], inverse: false }, env, body);
    // A power of a bare global phase changes nothing unless something controls it.
    if (m === 0 && c.controls.length === 0 && c.negControls.length === 0) return;
    const op: Op = {
      kind: 'pow',
      qubits,
      body,
      exponent: p,
      controls: c.controls,
      negControls: c.negControls,
      inverse: c.inverse,
    };
    this.spend(inner.tok, times);
    for (let k = 0; k < times; k++) ops.push(op);
  }

  /** One application of a gate (no modifiers left) under context `c`. */
  protected applyGate(call: GateCall, args: Expr[], qubits: number[], c: Context, ops: Op[]): void {
    if (call.name === 'gphase') return this.applyGphase(call, args, qubits, c, ops);
    const unitary = this.unitaries.get(call.name);
    if (unitary) {
      if (args.length || qubits.length !== unitary.numQubits)
        this.fail(
          call.tok,
          `gate ${call.name} takes no parameters and ${unitary.numQubits} qubit(s)`,
        );
      this.spend(call.tok, 1);
      ops.push({
        kind: 'matrix',
        qubits,
        m: unitary.m,
        controls: c.controls,
        negControls: c.negControls,
        inverse: c.inverse,
      });
      return;
    }
    const std = STANDARD[call.name];
    if (std) return this.applyStandard(call, std, args, qubits, c, ops);
    this.applyDefined(call, args, qubits, c, ops);
  }

  /**
   * `gphase(θ)`: nothing alone. Under controls it is a phase on the subspace where they hold: a
   * phase on |1⟩ of the last positive control, or, with only negative controls, a phase on |0⟩
   * of the last negative one (dropping it there was a bug: `negctrl @ gphase` lost its phase).
   */
  private applyGphase(call: GateCall, args: Expr[], qubits: number[], c: Context, ops: Op[]): void {
    if (args.length !== 1 || qubits.length)
      this.fail(call.tok, 'gphase takes one angle and no qubits');
    const last = c.controls[c.controls.length - 1];
    const lastNeg = c.negControls[c.negControls.length - 1];
    if (last === undefined && lastNeg === undefined) return;
    this.spend(call.tok, 1);
    ops.push(
      last !== undefined
        ? {
            kind: 'u',
            gate: 'p',
            args,
            target: last,
            controls: c.controls.slice(0, -1),
            negControls: c.negControls,
            inverse: c.inverse,
          }
        : {
            kind: 'u',
            gate: 'p0',
            args,
            target: lastNeg ?? 0,
            controls: [],
            negControls: c.negControls.slice(0, -1),
            inverse: c.inverse,
          },
    );
  }

  /** A standard gate: its base gate (or swap) with its own controls added to the context's. */
  private applyStandard(
    call: GateCall,
    std: StandardGate,
    args: Expr[],
    qubits: number[],
    c: Context,
    ops: Op[],
  ): void {
    const name = call.name;
    if (args.length !== std.params)
      this.fail(call.tok, `gate ${name} takes ${std.params} parameter(s), got ${args.length}`);
    const need = std.controls + (std.base === 'swap' ? 2 : 1);
    if (qubits.length !== need)
      this.fail(call.tok, `gate ${name} acts on ${need} qubit(s), got ${qubits.length}`);
    const controls = [...c.controls, ...qubits.slice(0, std.controls)];
    const negControls = c.negControls;
    this.spend(call.tok, 1);
    if (std.base === 'swap') {
      const [a = 0, b = 0] = qubits.slice(need - 2);
      ops.push({ kind: 'swap', a, b, controls, negControls });
      return;
    }
    const target = qubits[need - 1] ?? 0;
    ops.push({
      kind: 'u',
      gate: std.base,
      args,
      target,
      controls,
      negControls,
      inverse: c.inverse,
    });
  }

  /** A library or user gate: its body, expanded with the arguments substituted. */
  private applyDefined(
    call: GateCall,
    args: Expr[],
    qubits: number[],
    c: Context,
    ops: Op[],
  ): void {
    const name = call.name;
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

  protected resolveQubits(arg: string, tok: Token): number[] {
    return this.resolve(arg, this.qregs, tok, 'qubit');
  }

  protected qubitArg(): number[] {
    const tok = this.peek();
    return this.resolve(this.qargText(), this.qregs, tok, 'qubit');
  }

  protected clbitArg(): number[] {
    const tok = this.peek();
    return this.resolve(this.qargText(), this.cregs, tok, 'bit');
  }

  protected resolve(arg: string, regs: Map<string, Register>, tok: Token, what: string): number[] {
    const physical = what === 'qubit' ? /^\$(\d+)$/.exec(arg) : null;
    if (physical) {
      // OpenQASM 3 physical qubits, as qiskit.qasm3.dumps writes transpiled circuits.
      if (this.qregs.size > 0)
        this.fail(tok, 'physical qubits ($n) cannot be mixed with qubit registers');
      const q = Number(physical[1]);
      this.physical = true;
      this.nq = Math.max(this.nq, q + 1);
      return [q];
    }
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
