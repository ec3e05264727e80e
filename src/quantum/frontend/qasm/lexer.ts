/**
 * OpenQASM 2/3 tokenizer. Every token carries its line and column so that errors can name them.
 */
import { QuantumInputError } from '../../errors.js';

/** The kinds of token. */
export type TokenKind = 'id' | 'num' | 'str' | 'op' | 'eof';

/** A token with its position (1-based line and column). */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
  readonly col: number;
}

// Two-character operators are tried before one-character ones, so that `->` wins over `-` and
// `**` over `*`. Sets, not a list scanned per token: a circuit is mostly operators.
const OPERATORS_2 = new Set(['->', '==', '!=', '<=', '>=', '**', '&&', '||', '<<', '>>']);
const OPERATORS_1 = new Set('{}()[];,+-*/^=@:<>!~%&|.');

// ASCII first: the Unicode test (for names such as θ) is slow and rarely needed.
const isIdStart = (c: string): boolean =>
  (c >= 'a' && c <= 'z') ||
  (c >= 'A' && c <= 'Z') ||
  c === '_' ||
  c === '$' ||
  (c > '\x7f' && /[\p{L}]/u.test(c));
const isIdPart = (c: string): boolean =>
  isIdStart(c) || (c >= '0' && c <= '9') || (c > '\x7f' && /\p{N}/u.test(c));
const NUMBER = /\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?/y;

/** Split OpenQASM source into tokens. Throws QuantumInputError naming the line and column. */
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
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < src.length && isIdPart(src[j] ?? '')) j++;
      out.push({ kind: 'id', text: src.slice(i, j), line, col });
      advance(j - i);
      continue;
    }
    NUMBER.lastIndex = i;
    const num = (c >= '0' && c <= '9') || c === '.' ? NUMBER.exec(src) : null;
    if (num) {
      out.push({ kind: 'num', text: num[0], line, col });
      advance(num[0].length);
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new QuantumInputError(`line ${line}, column ${col}: unterminated string`);
      out.push({ kind: 'str', text: src.slice(i + 1, end), line, col });
      advance(end + 1 - i);
      continue;
    }
    const two = src.slice(i, i + 2);
    const op = OPERATORS_2.has(two) ? two : OPERATORS_1.has(c) ? c : null;
    if (op === null)
      throw new QuantumInputError(`line ${line}, column ${col}: unexpected character '${c}'`);
    out.push({ kind: 'op', text: op, line, col });
    advance(op.length);
  }
  out.push({ kind: 'eof', text: '', line, col });
  return out;
}
