/**
 * Non-integer `pow(k) @`: the power on the principal branch, checked against closed forms; the
 * way it composes with ctrl and inv; and the engine paths that run the result (dense, sparse
 * start, tiles, measurement tree, estimator).
 */
import { describe, expect, it } from 'vitest';
import { QuantumInputError, checkProgram, parseQasm, runProgram, statevector } from '../index.js';
import { MIXERS, adjoint, unitaryPower } from '../linalg/matrix-power.js';
import { TILE_MIN_QUBITS } from '../engines/tiles.js';

type J = any;
const H = 'OPENQASM 3.0; include "stdgates.inc";';
const LIMITS = { maxQubits: 24, maxShots: 10_000, maxExperiments: 10 };

/** The matrix of `body` on n qubits (interleaved re/im, row-major): column j from |j⟩. */
function unitary(body: string, n: number, values = { theta: 0 }): Float64Array {
  const dim = 2 ** n;
  const out = new Float64Array(2 * dim * dim);
  for (let j = 0; j < dim; j++) {
    const prep = Array.from({ length: n }, (_, q) => ((j >> q) & 1 ? `x q[${q}];` : '')).join(' ');
    const s = statevector(`${H} input float[64] theta; qubit[${n}] q; ${prep} ${body}`, values);
    for (let r = 0; r < dim; r++) {
      out[2 * (r * dim + j)] = s.re[r] ?? 0;
      out[2 * (r * dim + j) + 1] = s.im[r] ?? 0;
    }
  }
  return out;
}

/** Largest entry-wise difference. */
const distance = (a: Float64Array, b: Float64Array): number =>
  a.reduce((worst, x, i) => Math.max(worst, Math.abs(x - (b[i] ?? NaN))), 0);

const same = (a: string, b: string, n: number, values?: { theta: number }): number =>
  distance(unitary(a, n, values), unitary(b, n, values));

describe('pow(k) @ with a non-integer k, against closed forms', () => {
  it('takes X^0.5 to be SX, as Qiskit does: [[1+i, 1−i], [1−i, 1+i]] / 2', () => {
    const m = unitary('pow(0.5) @ x q[0];', 1);
    expect(distance(m, Float64Array.of(0.5, 0.5, 0.5, -0.5, 0.5, -0.5, 0.5, 0.5))).toBeLessThan(
      1e-10,
    );
    expect(same('pow(0.5) @ x q[0];', 'sx q[0];', 1)).toBeLessThan(1e-10);
  });

  it('takes −1 at phase +π even when rounding puts it at −π: RZ(2π) = −I, (−I)^0.5 = i·I', () => {
    // cos(π) − i·sin(π) has a tiny negative imaginary part; its phase would be −π, giving −i.
    const m = unitary('pow(0.5) @ rz(2 * pi) q[0];', 1);
    expect(distance(m, Float64Array.of(0, 1, 0, 0, 0, 0, 0, 1))).toBeLessThan(1e-10);
  });

  it('gives S^0.5 = T, (Z^(1/3))³ = Z and X^−0.5 · X^0.5 = I', () => {
    expect(same('pow(0.5) @ s q[0];', 't q[0];', 1)).toBeLessThan(1e-10);
    expect(
      same('pow(1/3) @ z q[0]; pow(1/3) @ z q[0]; pow(1/3) @ z q[0];', 'z q[0];', 1),
    ).toBeLessThan(1e-10);
    expect(same('pow(-0.5) @ x q[0]; pow(0.5) @ x q[0];', '', 1)).toBeLessThan(1e-10);
    expect(same('pow(-0.5) @ x q[0];', 'sxdg q[0];', 1)).toBeLessThan(1e-10);
  });

  it('raises two- and three-qubit gates: CX^0.5 = CSX, squared CX; CCX^0.5 squared CCX', () => {
    expect(same('pow(0.5) @ cx q[0], q[1];', 'csx q[0], q[1];', 2)).toBeLessThan(1e-10);
    const half = 'pow(0.5) @ cx q[1], q[0];';
    expect(same(half + half, 'cx q[1], q[0];', 2)).toBeLessThan(1e-10);
    const third = 'pow(0.5) @ ccx q[2], q[0], q[1];';
    expect(same(third, 'ctrl(2) @ sx q[2], q[0], q[1];', 3)).toBeLessThan(1e-10);
    expect(same(third + third, 'ccx q[2], q[0], q[1];', 3)).toBeLessThan(1e-10);
    expect(
      same('pow(0.5) @ swap q[0], q[1]; pow(0.5) @ swap q[0], q[1];', 'swap q[0], q[1];', 2),
    ).toBeLessThan(1e-10);
  });

  it('gives RZZ(θ)^0.25 = RZZ(θ/4) exactly while |θ| < 2π, and the principal branch beyond', () => {
    for (const theta of [1.3, -2.9, 5]) {
      const v = { theta };
      expect(
        same('pow(0.25) @ rzz(theta) q[0], q[1];', 'rzz(theta / 4) q[0], q[1];', 2, v),
      ).toBeLessThan(1e-10);
    }
    // At θ = 7 the eigenvalue e^{−3.5i} is taken at phase 2π − 3.5: RZZ(θ/4 − π), a different gate.
    const v = { theta: 7 };
    expect(
      same('pow(0.25) @ rzz(theta) q[0], q[1];', 'rzz(theta / 4 - pi) q[0], q[1];', 2, v),
    ).toBeLessThan(1e-10);
    expect(
      same('pow(0.25) @ rzz(theta) q[0], q[1];', 'rzz(theta / 4) q[0], q[1];', 2, v),
    ).toBeGreaterThan(0.5);
  });

  it('binds parameters per run: RX(θ)^0.5 = RX(θ/2)', () => {
    for (const theta of [0.4, 2.5])
      expect(same('pow(0.5) @ rx(theta) q[0];', 'rx(theta / 2) q[0];', 1, { theta })).toBeLessThan(
        1e-10,
      );
  });
});

describe('pow(k) @ composed with other modifiers', () => {
  it('composes with ctrl and negctrl on either side', () => {
    expect(same('ctrl @ pow(0.5) @ x q[0], q[1];', 'csx q[0], q[1];', 2)).toBeLessThan(1e-10);
    expect(same('pow(0.5) @ ctrl @ x q[0], q[1];', 'csx q[0], q[1];', 2)).toBeLessThan(1e-10);
    expect(
      same(
        'negctrl @ pow(0.5) @ cx q[2], q[0], q[1];',
        'x q[2]; ctrl(2) @ sx q[2], q[0], q[1]; x q[2];',
        3,
      ),
    ).toBeLessThan(1e-10);
  });

  it('applies inv outside the power and inside it as the order of modifiers says', () => {
    expect(same('inv @ pow(0.5) @ x q[0];', 'sxdg q[0];', 1)).toBeLessThan(1e-10);
    // Z† = Z, so pow(0.5) @ inv @ z is Z^0.5 = S; inv @ pow(0.5) @ z is S† = Sdg.
    expect(same('pow(0.5) @ inv @ z q[0];', 's q[0];', 1)).toBeLessThan(1e-10);
    expect(same('inv @ pow(0.5) @ z q[0];', 'sdg q[0];', 1)).toBeLessThan(1e-10);
    expect(same('inv @ pow(0.5) @ cx q[0], q[1];', 'ctrl @ sxdg q[0], q[1];', 2)).toBeLessThan(
      1e-10,
    );
    expect(same('pow(-1) @ pow(0.5) @ x q[0];', 'sxdg q[0];', 1)).toBeLessThan(1e-10);
  });

  it('takes the modifiers of an enclosing gate call', () => {
    const g = 'gate g a { pow(0.5) @ x a; }';
    expect(same(`${g} inv @ g q[0];`, 'sxdg q[0];', 1)).toBeLessThan(1e-10);
    expect(same(`${g} ctrl @ g q[1], q[0];`, 'csx q[1], q[0];', 2)).toBeLessThan(1e-10);
    expect(same(`${g} pow(3) @ g q[0];`, 'sx q[0]; x q[0];', 1)).toBeLessThan(1e-10);
  });

  it('raises the inner gate, not the product of exponents: (Z²)^0.5 = I, (X^0.5)² = X', () => {
    expect(same('pow(0.5) @ pow(2) @ z q[0];', '', 1)).toBeLessThan(1e-10);
    expect(same('pow(2) @ pow(0.5) @ x q[0];', 'x q[0];', 1)).toBeLessThan(1e-10);
    expect(same('pow(0.5) @ pow(0.5) @ x q[0];', 'pow(0.25) @ x q[0];', 1)).toBeLessThan(1e-10);
  });

  it('keeps the global phase of the raised gate, which control makes visible', () => {
    // g = i·X; (iX)^0.5 = e^{iπ/4}|+⟩⟨+| + e^{−iπ/4}|−⟩⟨−| = RX(−π/2), not SX.
    const g = 'gate g a { gphase(pi/2); x a; }';
    expect(same(`${g} ctrl @ pow(0.5) @ g q[0], q[1];`, 'crx(-pi/2) q[0], q[1];', 2)).toBeLessThan(
      1e-10,
    );
    expect(same('ctrl @ pow(0.5) @ gphase(pi) q[0];', 's q[0];', 1)).toBeLessThan(1e-10);
    expect(same('pow(0.5) @ gphase(pi);', '', 1)).toBeLessThan(1e-10);
  });

  it('refuses gates wider than 3 qubits, naming the line, column and reason', () => {
    const source = `${H}\nqubit[5] q;\npow(0.5) @ c3x q[0], q[1], q[2], q[3];`;
    expect(() => parseQasm(source)).toThrow(QuantumInputError);
    expect(() => parseQasm(source)).toThrow(
      'line 3, column 12: pow @ with a non-integer exponent works on gates of at most 3 qubits; c3x here acts on 4',
    );
    // Controls outside the power do not count: the raised gate is the 3-qubit ccx.
    expect(() =>
      parseQasm(`${H} qubit[4] q; ctrl @ pow(0.5) @ ccx q[0], q[1], q[2], q[3];`),
    ).not.toThrow();
  });
});

describe('the engine runs powers on every path', () => {
  it('fuses single-qubit gates around a dense two-qubit power', () => {
    expect(
      same(
        'h q[0]; t q[1]; pow(0.5) @ cx q[0], q[1]; h q[0]; s q[1];',
        'h q[0]; t q[1]; csx q[0], q[1]; h q[0]; s q[1];',
        2,
      ),
    ).toBeLessThan(1e-10);
  });

  const amplitudes = (source: string): Float64Array => {
    const s = statevector(source);
    const out = new Float64Array(2 * s.dim);
    s.re.forEach((r, i) => {
      out[2 * i] = r;
      out[2 * i + 1] = s.im[i] ?? 0;
    });
    return out;
  };

  it('on the sparse start (14 qubits)', () => {
    const ghz = Array.from({ length: 13 }, (_, q) => `cx q[${q}], q[${q + 1}];`).join(' ');
    const prefix = `${H} qubit[14] q; h q[0]; ${ghz}`;
    const a = amplitudes(`${prefix} pow(0.5) @ cx q[13], q[2]; pow(0.5) @ ccx q[0], q[5], q[9];`);
    const b = amplitudes(`${prefix} csx q[13], q[2]; ctrl(2) @ sx q[0], q[5], q[9];`);
    expect(distance(a, b)).toBeLessThan(1e-10);
  });

  it('in cache tiles, on high and low qubits, with controls', () => {
    const n = TILE_MIN_QUBITS;
    const layer = Array.from({ length: n }, (_, q) => `ry(${0.3 + q / 7}) q[${q}];`).join(' ');
    // The ladder makes the state dense before the powers run, so that they run in tiles.
    const ladder = Array.from({ length: n - 1 }, (_, q) => `cx q[${q}], q[${q + 1}];`).join(' ');
    const prefix = `${H} qubit[${n}] q; ${layer} ${ladder}`;
    const a = amplitudes(
      `${prefix} pow(0.5) @ cx q[${n - 1}], q[2]; ctrl @ pow(0.5) @ ccx q[${n - 3}], q[${n - 2}], q[1], q[12]; ${layer}`,
    );
    const b = amplitudes(
      `${prefix} csx q[${n - 1}], q[2]; ctrl(3) @ sx q[${n - 3}], q[${n - 2}], q[1], q[12]; ${layer}`,
    );
    expect(distance(a, b)).toBeLessThan(1e-10);
  });

  it('after a mid-circuit measurement (measurement tree)', () => {
    const qasm = `${H} qubit[2] q; bit[2] c; h q[0]; c[0] = measure q[0];
      pow(0.5) @ cx q[0], q[1]; pow(0.5) @ cx q[0], q[1]; c[1] = measure q[1];`;
    const counts = (
      runProgram('sampler', { pubs: [[qasm, null, 400]], options: { seed: 3 } }, LIMITS).result as J
    ).__value__.pub_results[0].__value__.metadata.counts.c;
    expect(Object.keys(counts).sort()).toEqual(['00', '11']);
  });

  it('in the estimator: SX|0⟩ = |−i⟩', () => {
    const evs = (
      runProgram(
        'estimator',
        { pubs: [[`${H} qubit q; pow(0.5) @ x q;`, ['Z', 'Y', 'X']]] },
        LIMITS,
      ).result as J
    ).__value__.pub_results[0].__value__.metadata.evs;
    expect(evs).toEqual([0, -1, 0].map((x) => expect.closeTo(x, 12)));
  });

  it('checks the qubits of a raised gate against the coupling map', () => {
    const qasm = `${H} qubit[3] q; bit c; pow(0.5) @ cx q[0], q[2]; c[0] = measure q[0];`;
    const map = {
      ...LIMITS,
      couplingMap: [
        [0, 1],
        [1, 2],
      ] as [number, number][],
    };
    expect(() => checkProgram('sampler', { pubs: [[qasm]] }, map)).toThrow(
      /qubits 0 and 2 are not coupled/,
    );
  });
});

describe('unitaryPower', () => {
  /** A seeded random n×n unitary: Gram–Schmidt on random complex columns. */
  const randomUnitary = (n: number, seed: number): Float64Array => {
    let s = seed;
    const rnd = (): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
    const cols: number[][] = [];
    for (let j = 0; j < n; j++) {
      const v = Array.from({ length: 2 * n }, rnd);
      for (const u of cols) {
        // v −= ⟨u, v⟩ u
        let dr = 0;
        let di = 0;
        for (let r = 0; r < n; r++) {
          const [ur = 0, ui = 0, vr = 0, vi = 0] = [u[2 * r], u[2 * r + 1], v[2 * r], v[2 * r + 1]];
          dr += ur * vr + ui * vi;
          di += ur * vi - ui * vr;
        }
        for (let r = 0; r < n; r++) {
          const [ur = 0, ui = 0] = [u[2 * r], u[2 * r + 1]];
          v[2 * r] = (v[2 * r] ?? 0) - (dr * ur - di * ui);
          v[2 * r + 1] = (v[2 * r + 1] ?? 0) - (dr * ui + di * ur);
        }
      }
      const norm = Math.hypot(...v);
      cols.push(v.map((x) => x / norm));
    }
    const out = new Float64Array(2 * n * n);
    cols.forEach((v, j) => {
      for (let r = 0; r < n; r++) {
        out[2 * (r * n + j)] = v[2 * r] ?? 0;
        out[2 * (r * n + j) + 1] = v[2 * r + 1] ?? 0;
      }
    });
    return out;
  };
  const multiply = (a: Float64Array, b: Float64Array, n: number): Float64Array => {
    const out = new Float64Array(2 * n * n);
    for (let r = 0; r < n; r++)
      for (let c = 0; c < n; c++)
        for (let k = 0; k < n; k++) {
          const [ar = 0, ai = 0] = [a[2 * (r * n + k)], a[2 * (r * n + k) + 1]];
          const [br = 0, bi = 0] = [b[2 * (k * n + c)], b[2 * (k * n + c) + 1]];
          out[2 * (r * n + c)] = (out[2 * (r * n + c)] ?? 0) + ar * br - ai * bi;
          out[2 * (r * n + c) + 1] = (out[2 * (r * n + c) + 1] ?? 0) + ar * bi + ai * br;
        }
    return out;
  };

  it('gives W with W² = U and W³ = U for k = 1/2 and 1/3, on random unitaries', () => {
    for (const n of [2, 4, 8]) {
      for (let seed = 1; seed <= 5; seed++) {
        const u = randomUnitary(n, seed * 97 + n);
        const half = unitaryPower(u, n, 0.5);
        expect(distance(multiply(half, half, n), u)).toBeLessThan(1e-10);
        const third = unitaryPower(u, n, 1 / 3);
        expect(distance(multiply(third, multiply(third, third, n), n), u)).toBeLessThan(1e-10);
        expect(distance(unitaryPower(u, n, -1), adjoint(u, n))).toBeLessThan(1e-10);
      }
    }
  });

  it('falls back to another mixer when two eigenvalues collide in the first one', () => {
    // Eigenvalues e^{i(β ± 1)} with tan β = c have the same Re λ + c·Im λ for the first mixer c.
    const beta = Math.atan(MIXERS[0] ?? 0);
    const v = randomUnitary(2, 11);
    const d = Float64Array.of(
      Math.cos(beta + 1),
      Math.sin(beta + 1),
      0,
      0,
      0,
      0,
      Math.cos(beta - 1),
      Math.sin(beta - 1),
    );
    const u = multiply(multiply(v, d, 2), adjoint(v, 2), 2);
    const half = unitaryPower(u, 2, 0.5);
    expect(distance(multiply(half, half, 2), u)).toBeLessThan(1e-10);
  });
});
