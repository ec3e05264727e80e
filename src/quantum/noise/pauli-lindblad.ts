/**
 * Sparse Pauli–Lindblad noise (van den Berg, Minev, Kandala, Temme, Nature Physics 19, 2023): a
 * Pauli channel written as ∏_k (w_k·ρ + (1 − w_k)·P_k ρ P_k) with w_k = (1 + e^{−2λ_k})/2, whose
 * Pauli fidelities are f(Q) = exp(−2 Σ_{k: P_k anticommutes with Q} λ_k). Berth's noise model is
 * known exactly, so a twirled layer's rates are computed, not fitted: a depolarizing channel on
 * n qubits and a single-qubit Pauli channel (a twirled relaxation) each have an exact set of
 * rates, and composing Pauli channels adds rates. Pure functions.
 */

/** A Pauli on some qubits: `pauli[i]` (X, Y or Z) acts on `qubits[i]`, ascending. */
export interface SparsePauli {
  readonly pauli: string;
  readonly qubits: readonly number[];
}

/** A stable key: `X3Z5`. */
export const pauliKey = (p: SparsePauli): string =>
  p.qubits.map((q, i) => `${p.pauli[i] ?? 'I'}${q}`).join('');

/** Whether two Paulis anticommute: an odd number of shared qubits where both differ. */
export function anticommutes(a: SparsePauli, b: SparsePauli): boolean {
  let odd = false;
  let j = 0;
  for (let i = 0; i < a.qubits.length; i++) {
    const q = a.qubits[i] as number;
    while (j < b.qubits.length && (b.qubits[j] as number) < q) j++;
    if (j < b.qubits.length && b.qubits[j] === q && a.pauli[i] !== b.pauli[j]) odd = !odd;
  }
  return odd;
}

const AXES = ['X', 'Y', 'Z'] as const;

/**
 * The generators of a layer's sparse model (IBM's): X, Y and Z on each qubit, and the nine
 * two-qubit Paulis on each coupled pair, ordered as Qiskit sorts their labels over `qubits`
 * (the label's rightmost character is `qubits[0]`).
 */
export function layerGenerators(
  qubits: readonly number[],
  pairs: readonly (readonly [number, number])[],
): SparsePauli[] {
  const out: SparsePauli[] = [];
  for (const q of qubits) for (const a of AXES) out.push({ pauli: a, qubits: [q] });
  for (const [x, y] of pairs) {
    const [lo, hi] = x < y ? [x, y] : [y, x];
    for (const a of AXES) for (const b of AXES) out.push({ pauli: a + b, qubits: [lo, hi] });
  }
  const label = (p: SparsePauli) => denseLabel(p, qubits);
  return out.sort((a, b) => (label(a) < label(b) ? -1 : label(a) > label(b) ? 1 : 0));
}

/** The Qiskit label of a sparse Pauli over `qubits` (rightmost character: qubits[0]). */
export function denseLabel(p: SparsePauli, qubits: readonly number[]): string {
  const chars = qubits.map((q) => {
    const i = p.qubits.indexOf(q);
    return i < 0 ? 'I' : (p.pauli[i] as string);
  });
  return chars.reverse().join('');
}

/** Rates by pauliKey. */
export type Rates = Map<string, number>;

function add(rates: Rates, p: SparsePauli, lambda: number): void {
  const k = pauliKey(p);
  rates.set(k, (rates.get(k) ?? 0) + lambda);
}

/**
 * A depolarizing channel (every Pauli of `qubits` with chance p/4^n, so that every non-identity
 * Pauli has fidelity 1 − p): every non-identity Pauli of `qubits` at rate −ln(1 − p)/4^n, since
 * each one anticommutes with half of them.
 */
export function addDepolarizing(rates: Rates, qubits: readonly number[], p: number): void {
  if (!(p > 0)) return;
  const sorted = [...qubits].sort((a, b) => a - b);
  const n = sorted.length;
  const lambda = -Math.log1p(-p) / 4 ** n;
  for (let code = 1; code < 4 ** n; code++) {
    let pauli = '';
    const on: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = Math.floor(code / 4 ** i) % 4;
      if (c) {
        pauli += 'XYZ'[c - 1];
        on.push(sorted[i] as number);
      }
    }
    add(rates, { pauli, qubits: on }, lambda);
  }
}

/**
 * A single-qubit Pauli channel (X, Y, Z with chances px, py, pz): with g_P = −ln f(P)/2,
 * f(X) = 1 − 2(py + pz) and so on, λ_X = (g_Y + g_Z − g_X)/2, and cyclically.
 */
export function addPauliChannel(
  rates: Rates,
  qubit: number,
  px: number,
  py: number,
  pz: number,
): void {
  const g = (flip: number) => -Math.log(1 - 2 * flip) / 2;
  const [gx, gy, gz] = [g(py + pz), g(px + pz), g(px + py)];
  add(rates, { pauli: 'X', qubits: [qubit] }, (gy + gz - gx) / 2);
  add(rates, { pauli: 'Y', qubits: [qubit] }, (gx + gz - gy) / 2);
  add(rates, { pauli: 'Z', qubits: [qubit] }, (gx + gy - gz) / 2);
}

/** f(Q) = exp(−2 Σ λ_k over the generators that anticommute with Q). */
export function fidelity(
  q: SparsePauli,
  generators: readonly SparsePauli[],
  rates: readonly number[],
): number {
  let sum = 0;
  generators.forEach((g, k) => {
    if (anticommutes(q, g)) sum += rates[k] as number;
  });
  return Math.exp(-2 * sum);
}

/** The chance each generator's Pauli is applied: (1 − e^{−2λ})/2. */
export const flipChance = (lambda: number): number => -Math.expm1(-2 * lambda) / 2;
