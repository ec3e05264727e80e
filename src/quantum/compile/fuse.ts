/** Fusing single-qubit gates into their neighbours: fewer sweeps of the state. */
import type { Matrix2 } from '../ir/gates.js';
import { type Bound, qubitsOf } from '../ir/operation.js';
import { multiply } from '../linalg/matrix2.js';

/**
 * Merge runs of uncontrolled single-qubit gates on the same qubit into one matrix, and fold the
 * pending ones of both qubits into the next singly-controlled gate on them (one sweep of the
 * state instead of three). Gates on other qubits commute with a pending one, so a run only ends
 * when something else touches its qubit.
 */
export function fuse(ops: readonly Bound[]): Bound[] {
  const out: Bound[] = [];
  const pending = new Map<number, Matrix2>();
  const flush = (q: number): void => {
    const m = pending.get(q);
    if (m) out.push({ kind: 'u', m, target: q, cmask: 0, nmask: 0 });
    pending.delete(q);
  };
  // A branch may touch any qubit: everything pending is flushed before it.
  const touches = (op: Bound): number[] =>
    op.kind === 'if' || op.kind === 'while' ? [...pending.keys()] : qubitsOf(op);
  for (const op of ops) {
    if (op.kind === 'u' && op.cmask === 0 && op.nmask === 0) {
      const prev = pending.get(op.target);
      pending.set(op.target, prev ? multiply(op.m, prev) : op.m);
      continue;
    }
    if (op.kind === 'u' && op.nmask === 0 && (op.cmask & (op.cmask - 1)) === 0) {
      const a = Math.log2(op.cmask);
      out.push({
        kind: 'pair',
        a,
        b: op.target,
        ma: pending.get(a) ?? null,
        mb: pending.get(op.target) ?? null,
        cu: op.m,
      });
      pending.delete(a);
      pending.delete(op.target);
      continue;
    }
    for (const q of touches(op)) flush(q);
    out.push(op);
  }
  for (const q of [...pending.keys()]) flush(q);
  return out;
}
