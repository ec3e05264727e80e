/**
 * OpenQASM 2/3 tokenizer. Every token carries its line and column so that errors can name them.
 */
import { QuantumInputError } from '../errors.js';

export type TokenKind = 'id' | 'num' | 'str' | 'op' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
  readonly col: number;
}

// Longest first, so that `->` wins over `-` and `**` over `*`.
const OPERATORS = [
  '->',
  '==',
  '!=',
  '<=',
  '>=',
  '**',
  '&&',
  '||',
  '<<',
  '>>',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ';',
  ',',
  '+',
  '-',
  '*',
  '/',
  '^',
  '=',
  '@',
  ':',
  '<',
  '>',
  '!',
  '~',
  '%',
  '&',
  '|',
  '.',
];

const isIdStart = (c: string): boolean => /[\p{L}_$]/u.test(c);
const isIdPart = (c: string): boolean => /[\p{L}\p{N}_$]/u.test(c);

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let col = 1;
  const advance = (n: number): void => {
    for (let k = 0; k < n; k++) {
      if (src[i] === '\n') {
        line++;
        col = 1;
      } else col++;
      i++;
    }
  };
  while (i < src.length) {
    const c = src[i] ?? '';
    if (c === '\n' || c === ' ' || c === '\t' || c === '\r') {
      advance(1);
      continue;
    }
    if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') advance(1);
      continue;
    }
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new QuantumInputError(`line ${line}, column ${col}: unterminated comment`);
      advance(end + 2 - i);
      continue;
    }
    const start = { line, col };
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < src.length && isIdPart(src[j] ?? '')) j++;
      out.push({ kind: 'id', text: src.slice(i, j), ...start });
      advance(j - i);
      continue;
    }
    const num = /^(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)/.exec(src.slice(i, i + 64));
    if (num) {
      out.push({ kind: 'num', text: num[0], ...start });
      advance(num[0].length);
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new QuantumInputError(`line ${line}, column ${col}: unterminated string`);
      out.push({ kind: 'str', text: src.slice(i + 1, end), ...start });
      advance(end + 1 - i);
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op)
      throw new QuantumInputError(`line ${line}, column ${col}: unexpected character '${c}'`);
    out.push({ kind: 'op', text: op, ...start });
    advance(op.length);
  }
  out.push({ kind: 'eof', text: '', line, col });
  return out;
}
