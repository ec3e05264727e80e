/**
 * Estimator observables: what ObservablesArray.tolist() sends (`{label: coeff}` per element, or a
 * bare label), as Pauli sums. Labels are Qiskit's little-endian strings (the last character is
 * qubit 0); besides I, X, Y, Z they may hold SparseObservable's projectors 0, 1, +, -, r, l,
 * which are expanded into Pauli terms here.
 */
import { QuantumInputError } from '../errors.js';
import type { StateVector } from './statevector.js';

/** A Pauli sum: terms of (label, coefficient); labels are little-endian (last char = qubit 0). */
export type Observable = readonly (readonly [string, number])[];

/** An element of an observables array: a label or a `{label: coeff}` sum. */
export const isObservableLeaf = (v: unknown): v is string | Record<string, number> =>
  typeof v === 'string' ||
  (typeof v === 'object' && v !== null && !Array.isArray(v) && !('__type__' in v));

/** Projector → (Pauli, sign): |0⟩⟨0| = (I + Z)/2, |1⟩⟨1| = (I − Z)/2, and so on. */
const PROJECTORS: Readonly<Record<string, readonly [string, number]>> = {
  '0': ['Z', 1],
  '1': ['Z', -1],
  '+': ['X', 1],
  '-': ['X', -1],
  r: ['Y', 1],
  l: ['Y', -1],
};

/** Expansion doubles the terms per projector: beyond this a label is refused. */
const MAX_PROJECTORS = 12;

/** A label with projectors as a Pauli sum (coefficients scaled by `coeff`). */
function expand(label: string, coeff: number): [string, number][] {
  let terms: [string, number][] = [['', coeff]];
  for (const ch of label) {
    const proj = PROJECTORS[ch];
    if (!proj) {
      terms = terms.map(([l, c]) => [l + ch, c]);
      continue;
    }
    const [pauli, sign] = proj;
    terms = terms.flatMap(([l, c]): [string, number][] => [
      [l + 'I', c / 2],
      [l + pauli, (sign * c) / 2],
    ]);
  }
  return terms;
}

/** Read one observable for a circuit of `n` qubits. */
export function toObservable(
  v: string | Record<string, unknown>,
  n: number,
  where: string,
): Observable {
  const given: [string, unknown][] = typeof v === 'string' ? [[v, 1]] : Object.entries(v);
  const sum = new Map<string, number>();
  for (const [label, c] of given) {
    if (typeof c !== 'number' || !Number.isFinite(c))
      throw new QuantumInputError(`${where}: the coefficient of ${label} must be a real number`);
    if (!/^[IXYZ01+\-rl]+$/.test(label))
      throw new QuantumInputError(
        `${where}: ${JSON.stringify(label)} is not a Pauli string (I, X, Y, Z; projectors 0, 1, +, -, r, l)`,
      );
    if (label.length !== n)
      throw new QuantumInputError(
        `${where}: ${label} acts on ${label.length} qubits; the circuit has ${n}`,
      );
    if ([...label].filter((ch) => ch in PROJECTORS).length > MAX_PROJECTORS)
      throw new QuantumInputError(`${where}: ${label} has more than ${MAX_PROJECTORS} projectors`);
    for (const [pauli, x] of expand(label, c)) sum.set(pauli, (sum.get(pauli) ?? 0) + x);
  }
  return [...sum].filter(([, c]) => c !== 0);
}

/**
 * A Pauli label restricted to the qubits a compacted circuit keeps (`used[k]` is the original
 * number of qubit k). The others stay in |0⟩, where ⟨I⟩ = ⟨Z⟩ = 1 and ⟨X⟩ = ⟨Y⟩ = 0: null then.
 */
export function restrictLabel(label: string, used: readonly number[]): string | null {
  const n = label.length;
  if (used.length === n) return label;
  const kept = new Set(used);
  for (let q = 0; q < n; q++) {
    const ch = label[n - 1 - q];
    if (!kept.has(q) && (ch === 'X' || ch === 'Y')) return null;
  }
  return used
    .map((q) => label[n - 1 - q] ?? 'I')
    .reverse()
    .join('');
}

/**
 * A Pauli string as masks: P|j⟩ = i^ys·(−1)^popcount(j∧z)·|j⊕x⟩, with x the qubits holding X or
 * Y, z those holding Z or Y, and ys the count of Y.
 */
export function pauliMasks(label: string): { x: number; z: number; ys: number } {
  const n = label.length;
  let x = 0;
  let z = 0;
  let ys = 0;
  for (let q = 0; q < n; q++) {
    const ch = label[n - 1 - q];
    if (ch === 'X' || ch === 'Y') x += 2 ** q;
    if (ch === 'Z' || ch === 'Y') z += 2 ** q;
    if (ch === 'Y') ys++;
  }
  return { x, z, ys };
}

/** The real part of i^ys·(sr + i·si): a Pauli expectation from its unphased sum. */
export function withPhase(ys: number, sr: number, si: number): number {
  const phase = ys % 4;
  return phase === 0 ? sr : phase === 1 ? -si : phase === 2 ? -sr : si;
}

/** ⟨ψ|P|ψ⟩ for one Pauli string. */
export function pauliExpectation(state: StateVector, label: string): number {
  const { x, z, ys } = pauliMasks(label);
  const { re, im, dim } = state;
  // P|j⟩ = i^ys (−1)^popcount(j∧z) |j⊕x⟩, so ⟨ψ|P|ψ⟩ = Σ_j conj(ψ_{j⊕x}) i^ys (−1)^… ψ_j.
  let sr = 0;
  let si = 0;
  for (let j = 0; j < dim; j++) {
    const k = j ^ x;
    let sign = 1;
    for (let b = j & z; b; b &= b - 1) sign = -sign;
    const ar = re[k] ?? 0;
    const ai = -(im[k] ?? 0);
    const br = (re[j] ?? 0) * sign;
    const bi = (im[j] ?? 0) * sign;
    sr += ar * br - ai * bi;
    si += ar * bi + ai * br;
  }
  return withPhase(ys, sr, si);
}
