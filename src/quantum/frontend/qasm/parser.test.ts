/** The parser: what it reads, and errors that name the line, the column and the construct. */
import { describe, expect, it } from 'vitest';
import { QuantumInputError } from '../../errors.js';
import { evaluate } from '../../ir/expr.js';
import { tokenize } from './lexer.js';
import { parseQasm } from './parser.js';

const error = (source: string): string => {
  try {
    parseQasm(source);
  } catch (e) {
    if (e instanceof QuantumInputError) return e.message;
    throw e;
  }
  throw new Error('parsed without error');
};

describe('OpenQASM errors', () => {
  it.each([
    [
      'OPENQASM 3.0;\nqubit q;\nfor int i in [0:2] { x q; }',
      "line 3, column 1: 'for' is not supported",
    ],
    ['OPENQASM 3.0;\nqubit q;\n  def f() {}', "line 3, column 3: 'def' is not supported"],
    // A recursive gate once overflowed the stack (a crash, not a 400).
    [
      'OPENQASM 3.0;\ngate g a { g a; }\nqubit q;\ng q;',
      'line 2, column 12: gate g calls itself; gates cannot be recursive',
    ],
    [
      'OPENQASM 3.0;\ngate g a { h a; later a; }\ngate later a { x a; }',
      'line 2, column 17: gate later is used in gate g before it is defined',
    ],
    ['OPENQASM 3.0;\nqubit[2] q;\ncx q[0];', 'line 3, column 1: gate cx acts on 2 qubit(s), got 1'],
    [
      'OPENQASM 3.0;\nqubit[2] q;\nrx q[0];',
      'line 3, column 1: gate rx takes 1 parameter(s), got 0',
    ],
    ['OPENQASM 3.0;\nqubit[2] q;\nx q[2];', 'line 3, column 3: q[2] is out of range (size 2)'],
    ['OPENQASM 3.0;\ninclude "mygates.inc";', 'line 2, column 9: cannot include "mygates.inc"'],
    ['OPENQASM 3.0;\nqubit q;\nx q\n', "line 4, column 1: expected ';', found 'end of input'"],
    ['OPENQASM 2.0;\nqreg q[1];\n/* open', 'line 3, column 1: unterminated comment'],
    ['OPENQASM 3.0;\nqubit q;\nrz(1 +) q;', "line 3, column 7: expected an expression, found ')'"],
    ['OPENQASM 3.0;\nqubit[2] q;\ncx q[0], q[0];', 'line 3, column 1: gate cx uses a qubit twice'],
    ['OPENQASM 4.0;', 'line 1, column 10: unsupported OpenQASM version 4.0'],
    [
      'OPENQASM 3.0;\nqubit[4] q;\npow(0.5) @ c3x q[0], q[1], q[2], q[3];',
      'line 3, column 12: pow @ with a non-integer exponent works on gates of at most 3 qubits',
    ],
    [
      'OPENQASM 3.0;\nqubit q;\npow(1/0) @ x q;',
      'line 3, column 12: pow @ needs a finite exponent',
    ],
    [
      'OPENQASM 3.0;\ninput float[64] k;\nqubit q;\npow(k) @ x q;',
      'line 4, column 10: pow @ needs a constant exponent',
    ],
    ['OPENQASM 3.0;\nqubit q;\nbit c;\nc = measure;', 'line 4, column 12: expected a name'],
    [
      'OPENQASM 3.0;\nqubit q;\npow(1000000000) @ x q;',
      'line 3, column 19: the program expands to more than 1,000,000 operations',
    ],
    [
      // Each level doubles: 2^21 operations from a few lines, refused before it is built.
      'OPENQASM 3.0;\nqubit q;\ngate g0 a { x a; }\n' +
        Array.from({ length: 21 }, (_, k) => `gate g${k + 1} a { g${k} a; g${k} a; }`).join('\n') +
        '\ng21 q;',
      'the program expands to more than 1,000,000 operations',
    ],
  ])('%j → %s', (source, message) => {
    expect(error(source)).toContain(message);
  });
});

describe('OpenQASM programs', () => {
  it('reads both register styles and measurement forms into the same circuit', () => {
    const v2 = parseQasm(
      'OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; creg c[2]; h q[0]; CX q[0],q[1]; measure q -> c;',
    );
    const v3 = parseQasm(
      'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit[2] c; h q[0]; cx q[0], q[1]; c = measure q;',
    );
    expect(v3.ops).toEqual(v2.ops);
    expect(v3.cregs).toEqual([{ name: 'c', size: 2, offset: 0 }]);
  });

  it('broadcasts a gate over registers, and lists free parameters by name', () => {
    const c = parseQasm(
      'OPENQASM 3.0; input float[64] beta; qubit[3] a; qubit[3] b; cx a, b; rz(beta + alpha * 2) a[0];',
    );
    expect(c.ops.filter((o) => o.kind === 'u')).toHaveLength(4);
    expect(c.parameters).toEqual(['alpha', 'beta']);
  });

  it('evaluates angle arithmetic with constants and functions', () => {
    const c = parseQasm(
      'OPENQASM 3.0; qubit q; rz(2 * pi - tau + euler ^ 2 - ln(exp(3)) + sqrt(4) / 2) q;',
    );
    const op = c.ops[0];
    if (op?.kind !== 'u' || !op.args[0]) throw new Error('expected a gate');
    expect(evaluate(op.args[0], new Map())).toBeCloseTo(Math.E ** 2 - 2, 12);
  });

  it('skips barriers and delays, as transpiled circuits have them', () => {
    const c = parseQasm(
      'OPENQASM 3.0; include "stdgates.inc"; bit[1] c; barrier $0, $3; delay[100dt] $3; x $3; c[0] = measure $3;',
    );
    expect(c.numQubits).toBe(4);
    expect(c.ops.map((o) => o.kind)).toEqual(['u', 'measure']);
  });
});

describe('the tokenizer', () => {
  it('takes the longest operator, and places every token by line and column', () => {
    const toks = tokenize('a->b**c==-d\n  <=e>>f!=g>h;');
    expect(toks.map((t) => t.text)).toEqual([
      'a',
      '->',
      'b',
      '**',
      'c',
      '==',
      '-',
      'd',
      '<=',
      'e',
      '>>',
      'f',
      '!=',
      'g',
      '>',
      'h',
      ';',
      '',
    ]);
    expect(toks.map((t) => t.kind).slice(0, 3)).toEqual(['id', 'op', 'id']);
    expect(toks[8]).toMatchObject({ text: '<=', line: 2, col: 3 });
    expect(() => tokenize('x q;\n  #')).toThrow("line 2, column 3: unexpected character '#'");
  });
});
