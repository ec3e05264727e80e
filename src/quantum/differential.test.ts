/**
 * Differential property test: random OpenQASM 3 programs over the gate library and every
 * modifier (inv, ctrl, negctrl, ctrl(2), negctrl(2), integer pow), simulated by Berth and by an
 * independent reference built here from the definitions: the specification's `U(θ, φ, λ)` and
 * `gphase`, stdgates.inc's gates written in terms of them, Pauli exponentials for the two-qubit
 * rotations, and the modifiers' own rules (inv: adjoint; ctrl: act where the control is 1;
 * negctrl: where it is 0; pow(k): k applications). Phases are compared exactly: every program
 * starts by putting all qubits in superposition, so a phase that a control makes relative is
 * visible, and the two states must agree up to one global phase only.
 *
 * Where Berth follows Qiskit rather than stdgates.inc (u2, u3 without stdgates' extra
 * gphase), the reference follows Qiskit too; docs/quantum.md says so.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { statevector } from './engines/exact.js';

type C = readonly [number, number];
const N = 4;
const DIM = 2 ** N;

interface State {
  re: Float64Array;
  im: Float64Array;
}
const cmul = (a: C, b: C): C => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
const cexp = (t: number): C => [Math.cos(t), Math.sin(t)];
const conj = (a: C): C => [a[0], -a[1]];

/** A linear operator on the state, acting on `qs`, where the control predicate holds. */
interface RefGate {
  readonly qubits: number;
  apply(s: State, qs: readonly number[], holds: (k: number) => boolean): State;
  adjoint(): RefGate;
}

/** A 2×2 matrix [a, b; c, d] on one qubit. */
function matrix(m: readonly [C, C, C, C]): RefGate {
  return {
    qubits: 1,
    apply(s, [q = 0], holds) {
      const out = { re: s.re.slice(), im: s.im.slice() };
      const bit = 1 << q;
      for (let k = 0; k < DIM; k++) {
        if (k & bit || !holds(k)) continue;
        const a0: C = [s.re[k] ?? 0, s.im[k] ?? 0];
        const a1: C = [s.re[k | bit] ?? 0, s.im[k | bit] ?? 0];
        const n0 = cmul(m[0], a0);
        const n0b = cmul(m[1], a1);
        const n1 = cmul(m[2], a0);
        const n1b = cmul(m[3], a1);
        out.re[k] = n0[0] + n0b[0];
        out.im[k] = n0[1] + n0b[1];
        out.re[k | bit] = n1[0] + n1b[0];
        out.im[k | bit] = n1[1] + n1b[1];
      }
      return out;
    },
    adjoint: () => matrix([conj(m[0]), conj(m[2]), conj(m[1]), conj(m[3])]),
  };
}

/** The specification's U(θ, φ, λ). */
const U = (t: number, p: number, l: number): RefGate => {
  const c = Math.cos(t / 2);
  const s = Math.sin(t / 2);
  return matrix([[c, 0], cmul([-s, 0], cexp(l)), cmul([s, 0], cexp(p)), cmul([c, 0], cexp(p + l))]);
};

/** gphase(γ): e^{iγ} wherever the controls hold. */
const gphase = (g: number): RefGate => ({
  qubits: 0,
  apply(s, _qs, holds) {
    const out = { re: s.re.slice(), im: s.im.slice() };
    const f = cexp(g);
    for (let k = 0; k < DIM; k++) {
      if (!holds(k)) continue;
      const v = cmul(f, [s.re[k] ?? 0, s.im[k] ?? 0]);
      out.re[k] = v[0];
      out.im[k] = v[1];
    }
    return out;
  },
  adjoint: () => gphase(-g),
});

/** Gates applied one after the other on (sub)sets of the gate's qubits. */
function seq(qubits: number, parts: readonly [RefGate, readonly number[]][]): RefGate {
  return {
    qubits,
    apply(s, qs, holds) {
      let out = s;
      for (const [g, local] of parts)
        out = g.apply(
          out,
          local.map((i) => qs[i] ?? 0),
          holds,
        );
      return out;
    },
    adjoint: () =>
      seq(
        qubits,
        [...parts].reverse().map(([g, local]) => [g.adjoint(), local] as [RefGate, number[]]),
      ),
  };
}

/** Under a control: act only where qubit `ctrlIndex` of the gate is `value`. */
function control(g: RefGate, value: 0 | 1): RefGate {
  return {
    qubits: g.qubits + 1,
    apply(s, [c = 0, ...rest], holds) {
      return g.apply(s, rest, (k) => holds(k) && ((k >> c) & 1) === value);
    },
    adjoint: () => control(g.adjoint(), value),
  };
}

/** exp(-iθ/2 · P) for a Pauli string P ('X', 'Y', 'Z' per gate qubit). */
function pauliExp(paulis: string, theta: number): RefGate {
  const applyP = (s: State, qs: readonly number[]): State => {
    const out = { re: new Float64Array(DIM), im: new Float64Array(DIM) };
    for (let k = 0; k < DIM; k++) {
      let j = k;
      let ph: C = [1, 0];
      [...paulis].forEach((p, i) => {
        const q = qs[i] ?? 0;
        const b = (k >> q) & 1;
        if (p === 'X' || p === 'Y') j ^= 1 << q;
        if (p === 'Y') ph = cmul(ph, b ? [0, -1] : [0, 1]);
        if (p === 'Z' && b) ph = cmul(ph, [-1, 0]);
      });
      const v = cmul(ph, [s.re[k] ?? 0, s.im[k] ?? 0]);
      out.re[j] = v[0];
      out.im[j] = v[1];
    }
    return out;
  };
  return {
    qubits: paulis.length,
    apply(s, qs, holds) {
      const p = applyP(s, qs);
      const out = { re: s.re.slice(), im: s.im.slice() };
      const c = Math.cos(theta / 2);
      const sn = Math.sin(theta / 2);
      for (let k = 0; k < DIM; k++) {
        if (!holds(k)) continue;
        // c·ψ − i·s·Pψ
        out.re[k] = c * (s.re[k] ?? 0) + sn * (p.im[k] ?? 0);
        out.im[k] = c * (s.im[k] ?? 0) - sn * (p.re[k] ?? 0);
      }
      return out;
    },
    adjoint: () => pauliExp(paulis, -theta),
  };
}

const PI = Math.PI;
const x = U(PI, 0, PI);
const y = U(PI, PI / 2, PI / 2);
const p = (l: number): RefGate => control(gphase(l), 1); // stdgates: ctrl @ gphase(λ)
const z = p(PI);
const s = p(PI / 2); // pow(1/2) @ z, principal branch
const t = p(PI / 4);
const h = U(PI / 2, 0, PI);
// pow(1/2) @ x, principal branch: ½[[1+i, 1−i], [1−i, 1+i]].
const sx = matrix([
  [0.5, 0.5],
  [0.5, -0.5],
  [0.5, -0.5],
  [0.5, 0.5],
]);
const rz = (l: number): RefGate =>
  seq(1, [
    [gphase(-l / 2), []],
    [U(0, 0, l), [0]],
  ]);
const cx = control(x, 1);

/** Each gate: its parameter count and its reference, given the angles. */
const GATES: Readonly<Record<string, { params: number; ref: (a: number[]) => RefGate }>> = {
  id: { params: 0, ref: () => U(0, 0, 0) },
  x: { params: 0, ref: () => x },
  y: { params: 0, ref: () => y },
  z: { params: 0, ref: () => z },
  h: { params: 0, ref: () => h },
  s: { params: 0, ref: () => s },
  sdg: { params: 0, ref: () => s.adjoint() },
  t: { params: 0, ref: () => t },
  tdg: { params: 0, ref: () => t.adjoint() },
  sx: { params: 0, ref: () => sx },
  rx: { params: 1, ref: ([a = 0]) => U(a, -PI / 2, PI / 2) },
  ry: { params: 1, ref: ([a = 0]) => U(a, 0, 0) },
  rz: { params: 1, ref: ([a = 0]) => rz(a) },
  p: { params: 1, ref: ([a = 0]) => p(a) },
  // Qiskit's u1/u2/u3: U without stdgates.inc's gphase(−(φ+λ)/2).
  u1: { params: 1, ref: ([a = 0]) => U(0, 0, a) },
  u2: { params: 2, ref: ([a = 0, b = 0]) => U(PI / 2, a, b) },
  u3: { params: 3, ref: ([a = 0, b = 0, c = 0]) => U(a, b, c) },
  U: { params: 3, ref: ([a = 0, b = 0, c = 0]) => U(a, b, c) },
  cx: { params: 0, ref: () => cx },
  cy: { params: 0, ref: () => control(y, 1) },
  cz: { params: 0, ref: () => control(z, 1) },
  ch: { params: 0, ref: () => control(h, 1) },
  cp: { params: 1, ref: ([a = 0]) => control(p(a), 1) },
  crx: { params: 1, ref: ([a = 0]) => control(U(a, -PI / 2, PI / 2), 1) },
  cry: { params: 1, ref: ([a = 0]) => control(U(a, 0, 0), 1) },
  crz: { params: 1, ref: ([a = 0]) => control(rz(a), 1) },
  cu: {
    params: 4,
    ref: ([a = 0, b = 0, c = 0, d = 0]) =>
      seq(2, [
        [p(d), [0]],
        [control(U(a, b, c), 1), [0, 1]],
      ]),
  },
  swap: {
    params: 0,
    ref: () =>
      seq(2, [
        [cx, [0, 1]],
        [cx, [1, 0]],
        [cx, [0, 1]],
      ]),
  },
  ccx: { params: 0, ref: () => control(control(x, 1), 1) },
  cswap: {
    params: 0,
    ref: () =>
      control(
        seq(2, [
          [cx, [0, 1]],
          [cx, [1, 0]],
          [cx, [0, 1]],
        ]),
        1,
      ),
  },
  rxx: { params: 1, ref: ([a = 0]) => pauliExp('XX', a) },
  ryy: { params: 1, ref: ([a = 0]) => pauliExp('YY', a) },
  rzz: { params: 1, ref: ([a = 0]) => pauliExp('ZZ', a) },
  rzx: { params: 1, ref: ([a = 0]) => pauliExp('ZX', a) },
  gphase: { params: 1, ref: ([a = 0]) => gphase(a) },
};

type Mod = { k: 'inv' } | { k: 'ctrl' | 'negctrl'; n: number } | { k: 'pow'; e: number };

function withModifiers(g: RefGate, mods: readonly Mod[]): RefGate {
  // The rightmost modifier applies first.
  let out = g;
  for (const m of [...mods].reverse()) {
    if (m.k === 'inv') out = out.adjoint();
    else if (m.k === 'pow') {
      const base = m.e < 0 ? out.adjoint() : out;
      const times = Math.abs(m.e);
      out = seq(
        base.qubits,
        Array.from(
          { length: times },
          () => [base, [...Array(base.qubits).keys()]] as [RefGate, number[]],
        ),
      );
    } else for (let i = 0; i < m.n; i++) out = control(out, m.k === 'ctrl' ? 1 : 0);
  }
  return out;
}

const modText = (m: Mod): string =>
  m.k === 'inv'
    ? 'inv @ '
    : m.k === 'pow'
      ? `pow(${m.e}) @ `
      : m.n === 1
        ? `${m.k} @ `
        : `${m.k}(${m.n}) @ `;

interface Statement {
  readonly name: string;
  readonly mods: readonly Mod[];
  readonly args: readonly number[];
  readonly qubits: readonly number[];
}

const ownQubits = (name: string): number =>
  ['ccx', 'cswap'].includes(name)
    ? 3
    : name === 'gphase'
      ? 0
      : [
            'cx',
            'cy',
            'cz',
            'ch',
            'cp',
            'crx',
            'cry',
            'crz',
            'cu',
            'swap',
            'rxx',
            'ryy',
            'rzz',
            'rzx',
          ].includes(name)
        ? 2
        : 1;

const modArb: fc.Arbitrary<Mod> = fc.oneof(
  fc.constant<Mod>({ k: 'inv' }),
  fc.record({
    k: fc.constantFrom<'ctrl' | 'negctrl'>('ctrl', 'negctrl'),
    n: fc.constantFrom(1, 2),
  }),
  fc.record({ k: fc.constant<'pow'>('pow'), e: fc.constantFrom(-2, -1, 2) }),
);

const statementArb: fc.Arbitrary<Statement> = fc
  .record({
    name: fc.constantFrom(...Object.keys(GATES)),
    mods: fc.array(modArb, { maxLength: 2 }),
    // Angles spread over (−π, π] (fc.double favours tiny magnitudes, which hide phases).
    args: fc.array(
      fc.integer({ min: -999, max: 1000 }).map((i) => (i * PI) / 1000),
      { minLength: 4, maxLength: 4 },
    ),
    perm: fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 }),
  })
  .map(({ name, mods, args, perm }) => {
    const controls = mods.reduce((n, m) => n + (m.k === 'ctrl' || m.k === 'negctrl' ? m.n : 0), 0);
    const need = ownQubits(name) + controls;
    // Too wide for 4 qubits (or a bare gphase): drop the modifiers.
    const fits = need <= N && need > 0;
    const use = fits ? mods : [];
    const width = fits ? need : ownQubits(name);
    return {
      name,
      mods: use,
      args: args.slice(0, GATES[name]?.params ?? 0),
      qubits: perm.slice(0, width),
    };
  });

function render(prog: readonly Statement[]): string {
  const lines = ['OPENQASM 3.0;', 'include "stdgates.inc";', `qubit[${N}] q;`];
  for (let i = 0; i < N; i++) lines.push(`h q[${i}];`, `rz(${0.3 + i * 0.7}) q[${i}];`);
  for (const st of prog) {
    const args = st.args.length ? `(${st.args.map((a) => a.toPrecision(17)).join(', ')})` : '';
    const qs = st.qubits.map((q) => `q[${q}]`).join(', ');
    lines.push(`${st.mods.map(modText).join('')}${st.name}${args}${qs ? ` ${qs}` : ''};`);
  }
  return lines.join('\n');
}

function reference(prog: readonly Statement[]): State {
  let st: State = { re: new Float64Array(DIM), im: new Float64Array(DIM) };
  st.re[0] = 1;
  const all = (): boolean => true;
  for (let i = 0; i < N; i++) {
    st = h.apply(st, [i], all);
    st = rz(0.3 + i * 0.7).apply(st, [i], all);
  }
  for (const s of prog) {
    const g = withModifiers(GATES[s.name]?.ref([...s.args]) ?? U(0, 0, 0), s.mods);
    st = g.apply(st, s.qubits, all);
  }
  return st;
}

/** |⟨a|b⟩|: 1 when the states are equal up to one global phase. */
function overlap(a: State, b: { re: Float64Array; im: Float64Array }): number {
  let re = 0;
  let im = 0;
  for (let k = 0; k < DIM; k++) {
    re += (a.re[k] ?? 0) * (b.re[k] ?? 0) + (a.im[k] ?? 0) * (b.im[k] ?? 0);
    im += (a.re[k] ?? 0) * (b.im[k] ?? 0) - (a.im[k] ?? 0) * (b.re[k] ?? 0);
  }
  return Math.hypot(re, im);
}

describe('differential: Berth against a reference built from the definitions', () => {
  it('agrees on random programs over every gate and modifier, phases included', () => {
    fc.assert(
      fc.property(fc.array(statementArb, { minLength: 1, maxLength: 8 }), (prog) => {
        const source = render(prog);
        const got = statevector(source);
        expect(overlap(reference(prog), got), source).toBeCloseTo(1, 9);
      }),
      { numRuns: 400, seed: 20261201 },
    );
  });

  it('keeps the phase of negctrl @ gphase and of negctrl on gates whose body has one', () => {
    const ev = (body: string): number[] => {
      const sv = statevector(
        `OPENQASM 3.0; include "stdgates.inc"; gate g a { gphase(pi/2); } qubit[3] q; h q[0]; ${body}`,
      );
      // ⟨X⟩ and ⟨Y⟩ of qubit 0 (qubits 1, 2 stay |0⟩).
      const a0: C = [sv.re[0] ?? 0, sv.im[0] ?? 0];
      const a1: C = [sv.re[1] ?? 0, sv.im[1] ?? 0];
      const z01 = cmul(conj(a0), a1);
      return [2 * z01[0], 2 * z01[1]].map((v) => Math.round(v * 1e9) / 1e9 + 0);
    };
    expect(ev('negctrl @ gphase(pi/2) q[0];')).toEqual([0, -1]);
    expect(ev('x q[0]; ctrl @ gphase(pi/2) q[0]; x q[0];')).toEqual([0, -1]);
    expect(ev('negctrl @ g q[0], q[1];')).toEqual([0, -1]);
    expect(ev('negctrl(2) @ g q[0], q[2], q[1];')).toEqual([0, -1]);
    expect(ev('negctrl @ inv @ g q[0], q[1];')).toEqual([0, 1]);
    expect(ev('negctrl @ pow(2) @ g q[0], q[1];')).toEqual([-1, 0]);
  });
});
