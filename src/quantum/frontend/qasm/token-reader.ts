/**
 * Reading tokens and angle expressions: the part of the OpenQASM parser that knows nothing of
 * circuits. Every error names the line and column of the token at fault.
 */
import { QuantumInputError } from '../../errors.js';
import { CONSTANTS, type Expr, FUNCTIONS } from '../../ir/expr.js';
import { type Token, tokenize } from './lexer.js';

/** Token access and angle expressions, for the parser to build on. */
export class TokenReader {
  protected readonly t: Token[];
  protected i = 0;

  constructor(source: string) {
    this.t = tokenize(source);
  }

  // ---- expressions ------------------------------------------------------------------------

  protected expr(): Expr {
    let a = this.term();
    while (this.peek().text === '+' || this.peek().text === '-') {
      const op = this.next().text as '+' | '-';
      a = { k: 'bin', op, a, b: this.term() };
    }
    return a;
  }

  protected term(): Expr {
    let a = this.unary();
    while (this.peek().text === '*' || this.peek().text === '/') {
      const op = this.next().text as '*' | '/';
      a = { k: 'bin', op, a, b: this.unary() };
    }
    return a;
  }

  protected unary(): Expr {
    if (this.accept('-')) return { k: 'neg', a: this.unary() };
    if (this.accept('+')) return this.unary();
    return this.power();
  }

  protected power(): Expr {
    const base = this.atom();
    if (this.peek().text === '^' || this.peek().text === '**') {
      this.next();
      return { k: 'bin', op: '^', a: base, b: this.unary() };
    }
    return base;
  }

  protected atom(): Expr {
    const tok = this.next();
    if (tok.kind === 'num') return { k: 'num', v: Number(tok.text) };
    if (tok.text === '(') {
      const e = this.expr();
      this.expect(')');
      return e;
    }
    if (tok.kind === 'id') {
      if (FUNCTIONS[tok.text] && this.peek().text === '(') {
        this.next();
        const a = this.expr();
        this.expect(')');
        return { k: 'call', fn: tok.text, a };
      }
      const c = CONSTANTS[tok.text];
      if (c !== undefined) return { k: 'num', v: c };
      return { k: 'var', name: tok.text };
    }
    return this.fail(tok, `expected an expression, found '${tok.text || 'end of input'}'`);
  }

  // ---- tokens -----------------------------------------------------------------------------

  protected peek(): Token {
    return this.t[this.i] ?? (this.t[this.t.length - 1] as Token);
  }

  protected next(): Token {
    const tok = this.peek();
    if (tok.kind !== 'eof') this.i++;
    return tok;
  }

  protected accept(text: string): boolean {
    const tok = this.peek();
    if (tok.kind !== 'op' || tok.text !== text) return false;
    this.i++;
    return true;
  }

  protected expect(text: string): void {
    if (!this.accept(text))
      this.fail(this.peek(), `expected '${text}', found '${this.peek().text || 'end of input'}'`);
  }

  protected expectWord(word: string): void {
    const tok = this.next();
    if (tok.kind !== 'id' || tok.text !== word)
      this.fail(tok, `expected '${word}', found '${tok.text || 'end of input'}'`);
  }

  protected ident(): Token {
    const tok = this.next();
    if (tok.kind !== 'id') this.fail(tok, `expected a name, found '${tok.text || 'end of input'}'`);
    return tok;
  }

  protected intLiteral(): number {
    const tok = this.next();
    if (tok.kind !== 'num' || !/^\d+$/.test(tok.text))
      this.fail(tok, `expected an integer, found '${tok.text || 'end of input'}'`);
    return Number(tok.text);
  }

  protected isAssignment(): boolean {
    let j = this.i + 1;
    if (this.t[j]?.text === '[') j += 3;
    return this.t[j]?.text === '=';
  }

  protected skipStatement(): void {
    while (!this.accept(';')) {
      if (this.peek().kind === 'eof') this.fail(this.peek(), "expected ';'");
      this.next();
    }
  }

  protected fail(tok: Token, message: string): never {
    throw new QuantumInputError(`line ${tok.line}, column ${tok.col}: ${message}`);
  }
}
