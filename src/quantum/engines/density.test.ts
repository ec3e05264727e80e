/**
 * The density-matrix engine against closed form (each channel on a state whose answer is known)
 * and against the two other engines: the statevector for gates alone, and noisy trajectories
 * (averaged over many shots, within five standard errors) for gates with every channel.
 */
import { describe, expect, it } from 'vitest';
import { type Bound } from '../ir/operation.js';
import { bind } from '../compile/bind.js';
import { DensityMatrix, densityPauliExpectation, evolveDensity } from './density.js';
import { evolve } from './execute.js';
import { BASE } from '../ir/gates.js';
import { pauliExpectation } from './observables.js';
import { parseQasm } from '../frontend/qasm/parser.js';
import { createRng } from '../rng.js';
import { StateVector } from './statevector.js';
import { runTree } from './trajectories.js';

const g = (name: string, target: number, args: number[] = [], cmask = 0): Bound => {
  const def = BASE[name];
  if (!def) throw new Error(name);
  return { kind: 'u', m: def.f(args), target, cmask, nmask: 0 };
};

function expectation(ops: Bound[], n: number, label: string): number {
  const rho = new DensityMatrix(n);
  evolveDensity(rho, ops);
  expect(rho.trace()).toBeCloseTo(1, 12);
  return densityPauliExpectation(rho, label);
}

describe('density matrix', () => {
  it('matches the statevector on gates alone, for every Pauli string of a random circuit', () => {
    const qasm = `OPENQASM 3.0; include "stdgates.inc"; qubit[3] q;
      h q[0]; cx q[0], q[1]; rx(0.7) q[2]; cy q[2], q[0]; u(0.3, 1.1, -0.4) q[1];
      ctrl @ ry(0.9) q[1], q[2]; swap q[0], q[2]; sx q[1]; ccx q[0], q[1], q[2]; t q[0];`;
    const ops = bind(parseQasm(qasm).ops, new Map());
    const psi = new StateVector(3);
    evolve(psi, ops);
    const rho = new DensityMatrix(3);
    evolveDensity(rho, ops);
    for (let code = 0; code < 64; code++) {
      const label = [2, 1, 0].map((q) => 'IXYZ'[Math.floor(code / 4 ** q) % 4]).join('');
      expect(densityPauliExpectation(rho, label)).toBeCloseTo(pauliExpectation(psi, label), 12);
    }
  });

  it('relaxes |1⟩ to P(1) = 1 − γ and shrinks |+⟩ coherence by √(1 − γ)·(1 − 2pZ)', () => {
    expect(
      expectation([g('x', 0), { kind: 'relax', qubit: 0, gamma: 0.3, pZ: 0.1 }], 1, 'Z'),
    ).toBeCloseTo(-(1 - 0.3) + 0.3, 12);
    expect(
      expectation([g('h', 0), { kind: 'relax', qubit: 0, gamma: 0.3, pZ: 0.1 }], 1, 'X'),
    ).toBeCloseTo(Math.sqrt(0.7) * 0.8, 12);
  });

  it('depolarizes a Bell pair: ⟨ZZ⟩ and ⟨XX⟩ fall to 1 − p, and the register stays a valid state', () => {
    const bell = [g('h', 0), g('x', 1, [], 1)];
    const depol: Bound = { kind: 'depol', qubits: [0, 1], p: 0.2 };
    expect(expectation([...bell, depol], 2, 'ZZ')).toBeCloseTo(0.8, 12);
    expect(expectation([...bell, depol], 2, 'XX')).toBeCloseTo(0.8, 12);
    expect(expectation([...bell, depol], 2, 'YY')).toBeCloseTo(-0.8, 12);
  });

  it('applies a Pauli channel: each axis keeps 1 − 2·(the other two chances)', () => {
    const ch: Bound = { kind: 'pauli', qubit: 0, px: 0.05, py: 0.1, pz: 0.2 };
    expect(expectation([ch], 1, 'Z')).toBeCloseTo(1 - 2 * 0.15, 12);
    expect(expectation([g('h', 0), ch], 1, 'X')).toBeCloseTo(1 - 2 * 0.3, 12);
    expect(expectation([g('h', 0), g('s', 0), ch], 1, 'Y')).toBeCloseTo(1 - 2 * 0.25, 12);
  });

  it('resets a qubit of an entangled pair to |0⟩ and leaves the other mixed', () => {
    const ops = [g('h', 0), g('x', 1, [], 1), { kind: 'reset', qubit: 0 } as Bound];
    expect(expectation(ops, 2, 'IZ')).toBeCloseTo(1, 12);
    expect(expectation(ops, 2, 'ZI')).toBeCloseTo(0, 12);
  });

  it.each([
    ['groups that split as errors happen', undefined],
    // No copy allowed: every shot runs alone from the start, drawing its noise as it comes.
    ['every shot alone', 1],
  ])('agrees with noisy trajectories on a circuit with every channel (%s)', (_, copyBudget) => {
    const ops: Bound[] = [
      g('h', 0),
      g('x', 1, [], 1),
      { kind: 'depol', qubits: [0, 1], p: 0.15 },
      g('ry', 2, [1.1]),
      { kind: 'relax', qubit: 2, gamma: 0.25, pZ: 0.05 },
      g('x', 2, [], 2),
      { kind: 'pauli', qubit: 1, px: 0.1, py: 0.05, pz: 0.02 },
      { kind: 'relax', qubit: 0, gamma: 0.2, pZ: 0.1 },
      g('h', 1),
    ];
    const labels = ['IZZ', 'ZIZ', 'IXI', 'XXI', 'ZZZ', 'YIY'];
    const rho = new DensityMatrix(3);
    evolveDensity(rho, ops);
    const shots = 20_000;
    const sums = labels.map(() => 0);
    runTree(new StateVector(3), ops, shots, 0, {
      rng: createRng(5),
      shouldStop: undefined,
      ...(copyBudget !== undefined ? { copyBudget } : {}),
      sample: () => new Uint32Array(0),
      leaf: (state, k) =>
        labels.forEach((l, i) => (sums[i] = (sums[i] ?? 0) + k * pauliExpectation(state, l))),
    });
    labels.forEach((label, i) => {
      const exact = densityPauliExpectation(rho, label);
      // Each trajectory's value lies in [−1, 1]: the mean's standard error is at most 1/√shots.
      expect(Math.abs((sums[i] ?? 0) / shots - exact), label).toBeLessThan(5 / Math.sqrt(shots));
    });
  });
});
