/**
 * The symbolic readers on their own: sympy's srepr grammar (constructors, keyword arguments,
 * singletons, functions) evaluated against the same arithmetic done directly, and hostile or
 * unknown input refused by name. Real symengine bytes are read in qpy.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../ir/expr.js';
import { readSrepr, readSymengine } from './symbolic.js';

const symbol = (name: string) => ({ k: 'var' as const, name });
const at = (text: string, env: Record<string, number>): number =>
  evaluate(readSrepr(text, symbol), new Map(Object.entries(env)));

describe('sympy srepr', () => {
  it('reads constructors, keyword arguments, singletons and functions', () => {
    expect(
      at(
        "Mul(Float('3.14159', precision=53), Pow(Symbol('theta', real=True), Integer(-1)), sin(Add(pi, Rational(1, 2))))",
        { theta: 0.8 },
      ),
    ).toBeCloseTo((3.14159 / 0.8) * Math.sin(Math.PI + 0.5), 12);
    expect(
      at("Add(Mul(NegativeOne, Symbol('a')), exp(Half), log(E), cos(Zero))", { a: 2 }),
    ).toBeCloseTo(-2 + Math.exp(0.5) + 1 + 1, 12);
  });

  it('refuses what an angle cannot use, and broken text, saying where', () => {
    expect(() => readSrepr("gamma(Symbol('x'))", symbol)).toThrow(
      /uses gamma, which an angle cannot use/,
    );
    expect(() => readSrepr("Add(Symbol('x'), ", symbol)).toThrow(/sympy expression/);
    expect(() => readSrepr("Symbol('x') trailing", symbol)).toThrow(/text after its end/);
  });
});

describe('symengine archives', () => {
  it('refuse a big-endian archive, a reference to an object not yet read, and a truncated one', () => {
    expect(() => readSymengine(Uint8Array.from([0, 0, 0, 11, 0]), symbol)).toThrow(/little-endian/);
    // Header, then object id 5 without its top bit: a reference to nothing read so far.
    expect(() => readSymengine(Uint8Array.from([1, 0, 0, 11, 0, 5, 0, 0, 0]), symbol)).toThrow(
      /refers to object 5 before it/,
    );
    expect(() => readSymengine(Uint8Array.from([1, 0, 0, 11, 0, 1, 0, 0, 0x80]), symbol)).toThrow(
      /ends inside its type code/,
    );
  });
});
