/** Qubit masks: a set of qubits as the bits of a number (qubit q is bit q). */

/** The mask of `qubits` (each at most once; up to 52 qubits, beyond 32-bit shifts). */
export const maskOf = (qubits: readonly number[]): number => qubits.reduce((m, q) => m + 2 ** q, 0);

/** The qubits of a mask, ascending. */
export function bitsOf(mask: number): number[] {
  const out: number[] = [];
  for (let q = 0, m = mask; m > 0; q++, m = Math.floor(m / 2)) if (m % 2) out.push(q);
  return out;
}
