/**
 * Angle expressions: numbers, constants (pi, tau, euler), parameters, + − × ÷ and powers, and
 * sin/cos/tan/exp/ln/sqrt (and their inverses). Kept as a tree so that free parameters can be
 * bound per parameter set.
 */
import { QuantumInputError } from '../errors.js';

/** An angle expression tree. */
export type Expr =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'var'; readonly name: string }
  | { readonly k: 'neg'; readonly a: Expr }
  | {
      readonly k: 'bin';
      readonly op: '+' | '-' | '*' | '/' | '^';
      readonly a: Expr;
      readonly b: Expr;
    }
  | { readonly k: 'call'; readonly fn: string; readonly a: Expr };

/** Named constants of OpenQASM 3. */
export const CONSTANTS: Readonly<Record<string, number>> = {
  pi: Math.PI,
  π: Math.PI,
  tau: 2 * Math.PI,
  τ: 2 * Math.PI,
  euler: Math.E,
  ℇ: Math.E,
};

/** The functions angle expressions may call. */
export const FUNCTIONS: Readonly<Record<string, (x: number) => number>> = {
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  exp: Math.exp,
  ln: Math.log,
  log: Math.log,
  sqrt: Math.sqrt,
  arcsin: Math.asin,
  arccos: Math.acos,
  arctan: Math.atan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
};

/** Evaluate with `env` giving parameter values. */
export function evaluate(e: Expr, env: ReadonlyMap<string, number>): number {
  switch (e.k) {
    case 'num':
      return e.v;
    case 'var': {
      const v = env.get(e.name);
      if (v === undefined) throw new QuantumInputError(`parameter ${e.name} has no value`);
      return v;
    }
    case 'neg':
      return -evaluate(e.a, env);
    case 'call':
      return (FUNCTIONS[e.fn] ?? Math.abs)(evaluate(e.a, env));
    case 'bin': {
      const a = evaluate(e.a, env);
      const b = evaluate(e.b, env);
      switch (e.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return a / b;
        case '^':
          return a ** b;
      }
    }
  }
}

/** Replace variables (gate parameters) by expressions (the call's arguments). */
export function substitute(e: Expr, with_: ReadonlyMap<string, Expr>): Expr {
  switch (e.k) {
    case 'num':
      return e;
    case 'var':
      return with_.get(e.name) ?? e;
    case 'neg':
      return { k: 'neg', a: substitute(e.a, with_) };
    case 'call':
      return { k: 'call', fn: e.fn, a: substitute(e.a, with_) };
    case 'bin':
      return { k: 'bin', op: e.op, a: substitute(e.a, with_), b: substitute(e.b, with_) };
  }
}

/** The free variables of an expression. */
export function variables(e: Expr, into: Set<string> = new Set()): Set<string> {
  switch (e.k) {
    case 'var':
      into.add(e.name);
      break;
    case 'neg':
    case 'call':
      variables(e.a, into);
      break;
    case 'bin':
      variables(e.a, into);
      variables(e.b, into);
      break;
    case 'num':
      break;
  }
  return into;
}

/** An expression as a person reads it: numbers to 4 significant digits, π for pi. */
export function exprText(e: Expr): string {
  // Constants only (`pi/2`): its value, which reads as `π/2` again below.
  if (e.k !== 'num' && [...variables(e)].every((v) => v in CONSTANTS)) {
    const v = evaluate(e, new Map(Object.entries(CONSTANTS)));
    if (Number.isFinite(v)) return exprText({ k: 'num', v });
  }
  switch (e.k) {
    case 'num': {
      const ratio = e.v / Math.PI;
      // A simple fraction of π reads as one (Qiskit's drawer does the same).
      for (const d of [1, 2, 3, 4, 6, 8]) {
        const n = Math.round(ratio * d);
        if (n !== 0 && Math.abs(ratio * d - n) < 1e-9 && Math.abs(n) <= 16) {
          const num = n === 1 ? 'π' : n === -1 ? '-π' : `${n}π`;
          return d === 1 ? num : `${num}/${d}`;
        }
      }
      return String(Number(e.v.toPrecision(4)));
    }
    case 'var':
      return e.name === 'pi' ? 'π' : e.name;
    case 'neg':
      return `-${wrapped(e.a)}`;
    case 'bin':
      return `${wrapped(e.a)}${e.op === '^' ? '^' : ` ${e.op} `}${wrapped(e.b)}`;
    case 'call':
      return `${e.fn}(${exprText(e.a)})`;
  }
}

const wrapped = (e: Expr): string => (e.k === 'bin' ? `(${exprText(e)})` : exprText(e));
