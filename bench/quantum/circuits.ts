/** The benchmark circuits, engine-neutral: GHZ-n and a seeded random depth-20 circuit. */

export type Op =
  | { readonly g: 'h'; readonly q: number }
  | { readonly g: 'rx' | 'ry' | 'rz'; readonly q: number; readonly a: number }
  | { readonly g: 'cx'; readonly c: number; readonly t: number };

export interface BenchCircuit {
  readonly name: string;
  readonly n: number;
  readonly ops: readonly Op[];
}

export function ghz(n: number): BenchCircuit {
  const ops: Op[] = [{ g: 'h', q: 0 }];
  for (let i = 1; i < n; i++) ops.push({ g: 'cx', c: i - 1, t: i });
  return { name: `ghz-${n}`, n, ops };
}

/** Each layer: a random rotation or Hadamard on every qubit, then CX on random disjoint pairs. */
export function random(n: number, depth = 20, seed = 2026): BenchCircuit {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const ops: Op[] = [];
  for (let d = 0; d < depth; d++) {
    for (let q = 0; q < n; q++) {
      const k = Math.floor(rnd() * 4);
      if (k === 0) ops.push({ g: 'h', q });
      else ops.push({ g: (['rx', 'ry', 'rz'] as const)[k - 1] ?? 'rx', q, a: rnd() * 2 * Math.PI });
    }
    const perm = [...Array(n).keys()].sort(() => rnd() - 0.5);
    for (let i = 0; i + 1 < n; i += 2) ops.push({ g: 'cx', c: perm[i] ?? 0, t: perm[i + 1] ?? 0 });
  }
  return { name: `random-d${depth}-${n}`, n, ops };
}

export function toQasm(c: BenchCircuit): string {
  const lines = ['OPENQASM 3.0;', 'include "stdgates.inc";', `qubit[${c.n}] q;`, `bit[${c.n}] c;`];
  for (const op of c.ops) {
    if (op.g === 'cx') lines.push(`cx q[${op.c}], q[${op.t}];`);
    else if (op.g === 'h') lines.push(`h q[${op.q}];`);
    else lines.push(`${op.g}(${op.a}) q[${op.q}];`);
  }
  lines.push('c = measure q;');
  return lines.join('\n');
}
