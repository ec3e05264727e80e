/**
 * The gate library: base 2×2 matrices, the standard gates of qelib1.inc and stdgates.inc as
 * controlled base gates, and the two-qubit gates that are easier to define by decomposition
 * (written in OpenQASM and parsed like user gates). Matrices follow Qiskit's conventions.
 */

import type { Matrix2 } from '../linalg/matrix2.js';

export type { Matrix2 };

const m = (...v: number[]): Matrix2 => Float64Array.from(v);
const S2 = Math.SQRT1_2;

/** Qiskit's U(θ, φ, λ). */
function u(t: number, p: number, l: number): Matrix2 {
  const c = Math.cos(t / 2);
  const s = Math.sin(t / 2);
  return m(
    c,
    0,
    -Math.cos(l) * s,
    -Math.sin(l) * s,
    Math.cos(p) * s,
    Math.sin(p) * s,
    Math.cos(p + l) * c,
    Math.sin(p + l) * c,
  );
}

/** Base gates: name → (parameter count, matrix). */
export const BASE: Readonly<Record<string, { n: number; f: (a: number[]) => Matrix2 }>> = {
  id: { n: 0, f: () => m(1, 0, 0, 0, 0, 0, 1, 0) },
  x: { n: 0, f: () => m(0, 0, 1, 0, 1, 0, 0, 0) },
  y: { n: 0, f: () => m(0, 0, 0, -1, 0, 1, 0, 0) },
  z: { n: 0, f: () => m(1, 0, 0, 0, 0, 0, -1, 0) },
  h: { n: 0, f: () => m(S2, 0, S2, 0, S2, 0, -S2, 0) },
  s: { n: 0, f: () => m(1, 0, 0, 0, 0, 0, 0, 1) },
  sdg: { n: 0, f: () => m(1, 0, 0, 0, 0, 0, 0, -1) },
  t: { n: 0, f: () => m(1, 0, 0, 0, 0, 0, S2, S2) },
  tdg: { n: 0, f: () => m(1, 0, 0, 0, 0, 0, S2, -S2) },
  sx: { n: 0, f: () => m(0.5, 0.5, 0.5, -0.5, 0.5, -0.5, 0.5, 0.5) },
  sxdg: { n: 0, f: () => m(0.5, -0.5, 0.5, 0.5, 0.5, 0.5, 0.5, -0.5) },
  rx: {
    n: 1,
    f: ([t = 0]) =>
      m(Math.cos(t / 2), 0, 0, -Math.sin(t / 2), 0, -Math.sin(t / 2), Math.cos(t / 2), 0),
  },
  ry: {
    n: 1,
    f: ([t = 0]) =>
      m(Math.cos(t / 2), 0, -Math.sin(t / 2), 0, Math.sin(t / 2), 0, Math.cos(t / 2), 0),
  },
  rz: {
    n: 1,
    f: ([t = 0]) =>
      m(Math.cos(t / 2), -Math.sin(t / 2), 0, 0, 0, 0, Math.cos(t / 2), Math.sin(t / 2)),
  },
  p: { n: 1, f: ([l = 0]) => m(1, 0, 0, 0, 0, 0, Math.cos(l), Math.sin(l)) },
  /** A phase on |0⟩: where `gphase` lands when only negative controls hold it. */
  p0: { n: 1, f: ([l = 0]) => m(Math.cos(l), Math.sin(l), 0, 0, 0, 0, 1, 0) },
  u2: { n: 2, f: ([p = 0, l = 0]) => u(Math.PI / 2, p, l) },
  u: { n: 3, f: ([t = 0, p = 0, l = 0]) => u(t, p, l) },
  r: { n: 2, f: ([t = 0, p = 0]) => u(t, p - Math.PI / 2, -p + Math.PI / 2) },
  /** e^{iγ}·U(θ, φ, λ): the target part of Qiskit's 4-parameter cu. */
  ug: {
    n: 4,
    f: ([t = 0, p = 0, l = 0, g = 0]) => {
      const a = u(t, p, l);
      const c = Math.cos(g);
      const s = Math.sin(g);
      const out = new Float64Array(8);
      for (let i = 0; i < 8; i += 2) {
        out[i] = (a[i] ?? 0) * c - (a[i + 1] ?? 0) * s;
        out[i + 1] = (a[i] ?? 0) * s + (a[i + 1] ?? 0) * c;
      }
      return out;
    },
  },
};

/** A standard gate that is a base gate with controls, or a (controlled) swap. */
export interface StandardGate {
  readonly base: string | 'swap';
  /** Parameters the gate takes. */
  readonly params: number;
  /** Leading qubits that are controls. */
  readonly controls: number;
}

const g = (base: string, params: number, controls = 0): StandardGate => ({
  base,
  params,
  controls,
});

/** The standard gates of qelib1.inc and stdgates.inc, by name. */
export const STANDARD: Readonly<Record<string, StandardGate>> = {
  id: g('id', 0),
  i: g('id', 0),
  x: g('x', 0),
  y: g('y', 0),
  z: g('z', 0),
  h: g('h', 0),
  s: g('s', 0),
  sdg: g('sdg', 0),
  t: g('t', 0),
  tdg: g('tdg', 0),
  sx: g('sx', 0),
  sxdg: g('sxdg', 0),
  rx: g('rx', 1),
  ry: g('ry', 1),
  rz: g('rz', 1),
  p: g('p', 1),
  phase: g('p', 1),
  u1: g('p', 1),
  u2: g('u2', 2),
  u3: g('u', 3),
  u: g('u', 3),
  U: g('u', 3),
  r: g('r', 2),
  cx: g('x', 0, 1),
  CX: g('x', 0, 1),
  cnot: g('x', 0, 1),
  cy: g('y', 0, 1),
  cz: g('z', 0, 1),
  ch: g('h', 0, 1),
  cs: g('s', 0, 1),
  csdg: g('sdg', 0, 1),
  csx: g('sx', 0, 1),
  crx: g('rx', 1, 1),
  cry: g('ry', 1, 1),
  crz: g('rz', 1, 1),
  cp: g('p', 1, 1),
  cphase: g('p', 1, 1),
  cu1: g('p', 1, 1),
  cu3: g('u', 3, 1),
  cu: g('ug', 4, 1),
  ccx: g('x', 0, 2),
  toffoli: g('x', 0, 2),
  ccz: g('z', 0, 2),
  c3x: g('x', 0, 3),
  c4x: g('x', 0, 4),
  swap: g('swap', 0),
  cswap: g('swap', 0, 1),
  fredkin: g('swap', 0, 1),
};

/** Gates defined by decomposition, in OpenQASM (Qiskit's definitions). */
export const DECOMPOSED = `
gate rxx(theta) a, b { h a; h b; cx a, b; rz(theta) b; cx a, b; h b; h a; }
gate ryy(theta) a, b { rx(pi/2) a; rx(pi/2) b; cx a, b; rz(theta) b; cx a, b; rx(-pi/2) a; rx(-pi/2) b; }
gate rzz(theta) a, b { cx a, b; rz(theta) b; cx a, b; }
gate rzx(theta) a, b { h b; cx a, b; rz(theta) b; cx a, b; h b; }
gate ecr a, b { rzx(pi/4) a, b; x a; rzx(-pi/4) a, b; }
gate iswap a, b { s a; s b; h a; cx a, b; cx b, a; h b; }
gate dcx a, b { cx a, b; cx b, a; }
`;
