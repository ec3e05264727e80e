/**
 * Classical expressions in `if` and `while` conditions (OpenQASM 3, and QPY's `Expr` trees
 * lowered to it): registers and bits as unsigned integers, literals, and the logical, bitwise,
 * comparison and shift operators. Values are BigInts, so a 256-bit register compares exactly;
 * a condition holds when its value is not 0.
 */

export type BinaryOp =
  '&' | '|' | '^' | '&&' | '||' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '<<' | '>>';

export type ClassicalExpr =
  /** A register or one bit: its bits (least significant first) as an unsigned integer. */
  | { readonly k: 'bits'; readonly clbits: readonly number[] }
  | { readonly k: 'int'; readonly v: bigint; readonly width: number }
  /** Logical not: 1 when the operand is 0. */
  | { readonly k: 'not'; readonly a: ClassicalExpr }
  /** Bitwise not within the operand's width. */
  | { readonly k: 'bitnot'; readonly a: ClassicalExpr }
  | {
      readonly k: 'bin';
      readonly op: BinaryOp;
      readonly a: ClassicalExpr;
      readonly b: ClassicalExpr;
    };

const BOOLEAN_OPS = new Set<BinaryOp>(['&&', '||', '==', '!=', '<', '<=', '>', '>=']);

/** The width in bits of an expression's value (1 for conditions and logical results). */
export function widthOf(e: ClassicalExpr): number {
  switch (e.k) {
    case 'bits':
      return e.clbits.length;
    case 'int':
      return e.width;
    case 'not':
      return 1;
    case 'bitnot':
      return widthOf(e.a);
    case 'bin':
      if (BOOLEAN_OPS.has(e.op)) return 1;
      if (e.op === '<<' || e.op === '>>') return widthOf(e.a);
      return Math.max(widthOf(e.a), widthOf(e.b));
  }
}

/** The expression's value for these classical bits. */
export function evaluateClassical(e: ClassicalExpr, bits: Uint8Array): bigint {
  switch (e.k) {
    case 'bits': {
      let v = 0n;
      for (let k = e.clbits.length - 1; k >= 0; k--)
        v = (v << 1n) | BigInt(bits[e.clbits[k] as number] ?? 0);
      return v;
    }
    case 'int':
      return e.v;
    case 'not':
      return evaluateClassical(e.a, bits) === 0n ? 1n : 0n;
    case 'bitnot':
      return ((1n << BigInt(widthOf(e.a))) - 1n) ^ evaluateClassical(e.a, bits);
    case 'bin': {
      const a = evaluateClassical(e.a, bits);
      // && and || short-circuit as in OpenQASM.
      if (e.op === '&&') return a !== 0n && evaluateClassical(e.b, bits) !== 0n ? 1n : 0n;
      if (e.op === '||') return a !== 0n || evaluateClassical(e.b, bits) !== 0n ? 1n : 0n;
      const b = evaluateClassical(e.b, bits);
      const mask = (1n << BigInt(widthOf(e))) - 1n;
      switch (e.op) {
        case '&':
          return a & b;
        case '|':
          return a | b;
        case '^':
          return a ^ b;
        case '==':
          return a === b ? 1n : 0n;
        case '!=':
          return a !== b ? 1n : 0n;
        case '<':
          return a < b ? 1n : 0n;
        case '<=':
          return a <= b ? 1n : 0n;
        case '>':
          return a > b ? 1n : 0n;
        case '>=':
          return a >= b ? 1n : 0n;
        case '<<':
          return (a << b) & mask;
        case '>>':
          return a >> b;
      }
    }
  }
}
