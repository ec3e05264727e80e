/**
 * The symbolic forms QPY versions 10–12 used for parameter expressions, before version 13's
 * replay records: symengine's own serialization (`symbolic_encoding` "e", what Qiskit 1.x
 * writes) and sympy's `srepr` text ("p", and what Qiskit 1.0 wrote for a global phase). QPY's
 * specification names them and leaves their formats to those libraries, so these readers follow
 * the libraries: symengine's `Basic::dumps` is a cereal portable-binary archive, and `srepr` is
 * a Python expression of constructor calls. Both are read into Berth's angle expressions; a
 * node outside the arithmetic, constants and functions an angle can use is refused by name.
 */
import type { Expr } from '../../ir/expr.js';
import { QpyError } from './errors.js';

/** Nodes one expression may hold (a payload is hostile until read). */
const MAX_NODES = 100_000;

const num = (v: number): Expr => ({ k: 'num', v });
const bin = (op: '+' | '*' | '^', a: Expr, b: Expr): Expr => ({ k: 'bin', op, a, b });
const sum = (xs: Expr[]): Expr => xs.reduce((a, b) => bin('+', a, b));
const product = (xs: Expr[]): Expr => xs.reduce((a, b) => bin('*', a, b));

/** symengine's functions of one argument, by class name, as angle-expression calls. */
const CALLS: Readonly<Record<string, string>> = {
  Sin: 'sin',
  Cos: 'cos',
  Tan: 'tan',
  ASin: 'arcsin',
  ACos: 'arccos',
  ATan: 'arctan',
  Log: 'ln',
  Abs: 'abs',
  Sign: 'sign',
};

/**
 * symengine's TypeID numbering, which its serialization writes: the order of
 * `symengine/type_codes.inc` with every optional type present (the Python wheels' build),
 * which puts Symbol at 13 and Mul at 15 as the real payloads show. Only the types an angle
 * expression can hold are named; any other code is refused.
 */
const TYPE_CODES: Readonly<Record<number, string>> = {
  0: 'Integer',
  1: 'Rational',
  2: 'Complex',
  3: 'ComplexDouble',
  6: 'RealDouble',
  13: 'Symbol',
  15: 'Mul',
  16: 'Add',
  17: 'Pow',
  29: 'Log',
  31: 'Constant',
  32: 'Sign',
  35: 'Sin',
  36: 'Cos',
  37: 'Tan',
  41: 'ASin',
  42: 'ACos',
  45: 'ATan',
  77: 'Abs',
};

/** symengine's named constants. */
const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, E: Math.E };

/**
 * A symengine-serialized expression: a byte for the endianness (1, little), the library's
 * major and minor version (u16 each), then the expression as shared pointers, each an id (u32,
 * the top bit set on an object's first appearance, followed by its type code and fields) or a
 * reference to one already read. `symbol(name)` gives the parameter a Symbol names.
 */
export function readSymengine(bytes: Uint8Array, symbol: (name: string) => Expr): Expr {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const need = (n: number, what: string): void => {
    if (n < 0 || pos + n > bytes.length)
      throw new QpyError(`a symengine expression ends inside its ${what}`);
  };
  const u32 = (what: string): number => {
    need(4, what);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (what: string): number => {
    need(8, what);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.length)) throw new QpyError(`a symengine ${what} of ${v} is too long`);
    return Number(v);
  };
  const text = (what: string): string => {
    const n = u64(`${what} length`);
    need(n, what);
    let s: string;
    try {
      s = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(pos, pos + n));
    } catch {
      throw new QpyError(`a symengine ${what} is not UTF-8`);
    }
    pos += n;
    return s;
  };
  need(5, 'header');
  if (bytes[0] !== 1) throw new QpyError('a symengine expression is not little-endian');
  pos = 5; // endianness, then the major and minor version of symengine
  const seen = new Map<number, Expr>();
  let nodes = 0;
  const integer = (): number => {
    const s = text('integer');
    if (!/^-?[0-9]+$/.test(s)) throw new QpyError(`a symengine integer reads "${s.slice(0, 20)}"`);
    return Number(s);
  };
  const basic = (depth: number): Expr => {
    if (++nodes > MAX_NODES || depth > 1000)
      throw new QpyError(`a symengine expression has more than ${MAX_NODES} nodes`);
    const id = u32('object id');
    if ((id & 0x80000000) === 0) {
      const known = seen.get(id);
      if (!known) throw new QpyError(`a symengine expression refers to object ${id} before it`);
      return known;
    }
    const code = u32('type code');
    const type = TYPE_CODES[code];
    let e: Expr;
    switch (type) {
      case 'Integer':
        e = num(integer());
        break;
      case 'Rational': {
        const [p, q] = [basic(depth + 1), basic(depth + 1)];
        e = { k: 'bin', op: '/', a: p, b: q };
        break;
      }
      case 'RealDouble':
        need(8, 'double');
        e = num(view.getFloat64(pos, true));
        pos += 8;
        break;
      case 'Symbol':
        // The wheels Qiskit uses write a flag byte first (a Dummy's), then the name.
        need(1, 'symbol flag');
        if (bytes[pos++] !== 0) throw new QpyError('a symengine expression holds a Dummy symbol');
        e = symbol(text('symbol name'));
        break;
      case 'Constant': {
        const name = text('constant name');
        const v = CONSTANTS[name];
        if (v === undefined) throw new QpyError(`a symengine expression uses the constant ${name}`);
        e = num(v);
        break;
      }
      case 'Mul':
      case 'Add': {
        // Mul: coef · Π key^value; Add: coef + Σ value · key (symengine's dictionaries).
        const coef = basic(depth + 1);
        const n = u64('dictionary size');
        const terms: Expr[] = [coef];
        for (let k = 0; k < n; k++) {
          const key = basic(depth + 1);
          const value = basic(depth + 1);
          terms.push(type === 'Mul' ? bin('^', key, value) : bin('*', value, key));
        }
        e = type === 'Mul' ? product(terms) : sum(terms);
        break;
      }
      case 'Pow': {
        const base = basic(depth + 1);
        e = bin('^', base, basic(depth + 1));
        break;
      }
      case 'Complex':
      case 'ComplexDouble':
        throw new QpyError('complex parameter expressions are not supported');
      default: {
        const fn = type && CALLS[type];
        if (!fn)
          throw new QpyError(
            `a symengine expression holds type code ${code}, which an angle cannot use (arithmetic, pi, E, sin, cos, tan, their inverses, log, abs, sign)`,
          );
        e = { k: 'call', fn, a: basic(depth + 1) };
      }
    }
    seen.set(id & 0x7fffffff, e);
    return e;
  };
  const e = basic(0);
  if (pos !== bytes.length) throw new QpyError('a symengine expression has bytes after its end');
  return e;
}

/** sympy's functions of one argument, as angle-expression calls. */
const SREPR_CALLS: Readonly<Record<string, string>> = {
  sin: 'sin',
  cos: 'cos',
  tan: 'tan',
  asin: 'arcsin',
  acos: 'arccos',
  atan: 'arctan',
  exp: 'exp',
  log: 'ln',
  Abs: 'abs',
  sign: 'sign',
};

/** sympy's singletons, as srepr prints them. */
const SREPR_ATOMS: Readonly<Record<string, number>> = {
  pi: Math.PI,
  E: Math.E,
  Zero: 0,
  One: 1,
  NegativeOne: -1,
  Half: 0.5,
};

/**
 * sympy's `srepr` text, such as `Add(Mul(Float('3.14159', precision=53), Symbol('theta')),
 * Integer(1))`: constructor calls with positional arguments, quoted strings and keyword
 * arguments (precision, assumptions), which carry no value here.
 */
export function readSrepr(source: string, symbol: (name: string) => Expr): Expr {
  let pos = 0;
  let nodes = 0;
  const fail = (what: string): never => {
    throw new QpyError(`a sympy expression ${what} at character ${pos}`);
  };
  const space = (): void => {
    while (source[pos] === ' ') pos++;
  };
  const word = (): string => {
    space();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(pos, pos + 64));
    if (!m) fail('expects a name');
    pos += (m as RegExpExecArray)[0].length;
    return (m as RegExpExecArray)[0];
  };
  const quoted = (): string => {
    space();
    const q = source[pos];
    if (q !== "'" && q !== '"') fail('expects a quoted string');
    const end = source.indexOf(q as string, pos + 1);
    if (end < 0) fail('has an unterminated string');
    const s = source.slice(pos + 1, end);
    pos = end + 1;
    return s;
  };
  const expect = (ch: string): void => {
    space();
    if (source[pos] !== ch) fail(`expects '${ch}'`);
    pos++;
  };
  const number = (): number => {
    space();
    const m = /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?/.exec(source.slice(pos, pos + 64));
    if (!m) fail('expects a number');
    pos += (m as RegExpExecArray)[0].length;
    return Number((m as RegExpExecArray)[0]);
  };
  /** Arguments up to ')': expressions, with keyword arguments skipped. */
  const args = (depth: number): Expr[] => {
    const out: Expr[] = [];
    space();
    if (source[pos] === ')') {
      pos++;
      return out;
    }
    for (;;) {
      space();
      const keyword = /^[A-Za-z_][A-Za-z0-9_]*\s*=/.exec(source.slice(pos, pos + 64));
      if (keyword) {
        pos += keyword[0].length;
        space();
        if (/^(True|False)/.test(source.slice(pos))) word();
        else number();
      } else out.push(node(depth + 1));
      space();
      if (source[pos] === ')') {
        pos++;
        return out;
      }
      expect(',');
    }
  };
  /** After a first, quoted argument: `)` or `, keyword=…)`. */
  const rest = (depth: number): void => {
    space();
    if (source[pos] === ',') {
      pos++;
      args(depth);
    } else expect(')');
  };
  const node = (depth: number): Expr => {
    if (++nodes > MAX_NODES || depth > 1000)
      throw new QpyError(`a sympy expression has more than ${MAX_NODES} nodes`);
    const name = word();
    const atom = SREPR_ATOMS[name];
    if (atom !== undefined) return num(atom);
    expect('(');
    switch (name) {
      case 'Symbol': {
        const s = quoted();
        rest(depth);
        return symbol(s);
      }
      case 'Integer': {
        const v = number();
        expect(')');
        return num(v);
      }
      case 'Float': {
        const v = Number(quoted());
        if (!Number.isFinite(v)) fail('has a Float that is not a number');
        rest(depth);
        return num(v);
      }
      case 'Rational': {
        const p = number();
        expect(',');
        const q = number();
        expect(')');
        return num(p / q);
      }
      case 'Add':
      case 'Mul': {
        const xs = args(depth);
        if (xs.length === 0) fail(`has an empty ${name}`);
        return name === 'Add' ? sum(xs) : product(xs);
      }
      case 'Pow': {
        const [b, x] = args(depth);
        if (!b || !x) fail('has a Pow without two arguments');
        return bin('^', b as Expr, x as Expr);
      }
      default: {
        const fn = SREPR_CALLS[name];
        if (!fn)
          throw new QpyError(
            `a sympy expression uses ${name}, which an angle cannot use (arithmetic, pi, E, sin, cos, tan, their inverses, exp, log, Abs, sign)`,
          );
        const [a] = args(depth);
        if (!a) fail(`has ${name} without an argument`);
        return { k: 'call', fn, a: a as Expr };
      }
    }
  };
  const e = node(0);
  space();
  if (pos !== source.length) fail('has text after its end');
  return e;
}
