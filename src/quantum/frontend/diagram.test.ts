/**
 * Circuit diagrams (diagram.ts): gate calls as written, on the active qubits, from OpenQASM and
 * from the QPY bytes real Qiskit wrote, checked against the instructions Qiskit's own code says
 * it put there (test/fixtures/qpy/fixtures.json).
 */
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DIAGRAM_LIMITS, type DiagramEntry, diagramOf, jobDiagrams } from './diagram.js';
import { parseQasm } from './qasm/parser.js';
import { readQpyFile } from './qpy/index.js';

const DIR = new URL('../../../test/fixtures/qpy/', import.meta.url);
const draw = (qasm: string) => diagramOf(parseQasm(qasm, { forDrawing: true, keepDelays: true }));
const brief = (d: ReturnType<typeof draw>) =>
  d.operations.map((o) =>
    [o.name, o.params.join(','), o.qubits.join(',')].filter((x) => x !== '').join(' '),
  );

describe('circuit diagrams', () => {
  it('draws a Bell circuit as written: h, cx, two measurements', () => {
    const d = draw(
      'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit[2] c; h q[0]; cx q[0], q[1]; c = measure q;',
    );
    expect(d.qubits.map((w) => w.label)).toEqual(['q[0]', 'q[1]']);
    expect(d.clbits.map((w) => w.label)).toEqual(['c[0]', 'c[1]']);
    expect(brief(d)).toEqual(['h 0', 'cx 0,1', 'measure 0', 'measure 1']);
    expect(d.operations[2]?.clbits).toEqual([0]);
    expect(d.truncated).toBe(false);
  });

  it('draws an ISA circuit on its active device qubits only, ecr as one gate', () => {
    const d = draw(
      'OPENQASM 3.0; include "stdgates.inc"; bit[2] c; rz(pi/2) $12; sx $12; ecr $12, $13; delay[160ns] $13; c[0] = measure $12; c[1] = measure $13;',
    );
    expect(d.qubits.map((w) => w.label)).toEqual(['$12', '$13']);
    expect(brief(d)).toEqual([
      'rz π/2 12',
      'sx 12',
      'ecr 12,13',
      'delay 160ns 13',
      'measure 12',
      'measure 13',
    ]);
  });

  it('keeps modifiers, free parameters and classical blocks', () => {
    const d = draw(`OPENQASM 3.0; include "stdgates.inc"; input float[64] theta;
      qubit[3] q; bit[1] c;
      ctrl @ x q[0], q[1]; inv @ s q[2]; pow(0.5) @ x q[1]; rx(theta / 2) q[0]; reset q[2];
      c[0] = measure q[0]; if (c[0]) { x q[2]; }`);
    expect(brief(d)).toEqual([
      'ctrl @ x 0,1',
      'inv @ s 2',
      'pow(0.5) @ x 1',
      'rx theta / 2 0',
      'reset 2',
      'measure 0',
      'if c0 == 1 2',
    ]);
  });

  it('cuts a long circuit at the limit and says so', () => {
    const n = DIAGRAM_LIMITS.operations + 50;
    const d = draw(`OPENQASM 3.0; include "stdgates.inc"; qubit[1] q; ${'h q[0]; '.repeat(n)}`);
    expect(d.operations).toHaveLength(DIAGRAM_LIMITS.operations);
    expect(d.totalOperations).toBe(n);
    expect(d.truncated).toBe(true);
  });

  /**
   * Qiskit's class name as OpenQASM spells the gate (what the diagram shows): lower case without
   * "Gate", and the few that OpenQASM's standard library names otherwise.
   */
  const SPELLING: Record<string, string> = {
    IGate: 'id',
    UGate: 'u3',
    C3SXGate: 'ctrl(3) @ sx',
  };
  const openqasmName = (op: string) => SPELLING[op] ?? op.replace(/Gate$/, '').toLowerCase();

  interface Fixture {
    file: string;
    decoded?: { instructions?: { op: string; qubits?: number[] }[] }[];
  }
  const fixtures = (
    JSON.parse(readFileSync(new URL('fixtures.json', DIR), 'utf8')) as { fixtures: Fixture[] }
  ).fixtures.filter((f) => f.decoded?.some((c) => c.instructions?.length));

  it.each(fixtures.map((f) => [f.file, f] as const))(
    'draws the instructions Qiskit wrote into %s, in order, on their qubits',
    (file, fixture) => {
      const { circuits } = readQpyFile(readFileSync(new URL(file, DIR)), { forDrawing: true });
      circuits.forEach((c, i) => {
        const want = (fixture.decoded?.[i]?.instructions ?? [])
          // QPY's barriers are dropped as they are read: they change nothing that runs.
          .filter((ins) => ins.op !== 'Barrier')
          .map((ins) => [openqasmName(ins.op), (ins.qubits ?? []).join(',')]);
        const got = diagramOf(c).operations.map((o) => [o.name, o.qubits.join(',')]);
        expect(got).toEqual(want);
      });
    },
  );

  it('reads every circuit of a job by program, and says which one does not read', () => {
    const bell = 'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; h q[0]; cx q[0], q[1];';
    const sampler = jobDiagrams('sampler', { pubs: [[bell, null, 10], 'not a circuit'] });
    expect(sampler).toHaveLength(2);
    const size = (e: DiagramEntry | undefined) =>
      e && 'diagram' in e ? [e.diagram.qubits.length, e.diagram.operations.length] : e?.error;
    expect(size(sampler[0])).toEqual([2, 2]);
    expect(sampler[1]).toMatchObject({ index: 1, error: expect.stringMatching(/./) });
    const learner = jobDiagrams('noise-learner', { circuits: [bell] });
    expect(size(learner[0])).toEqual([2, 2]);
    const qpy = readFileSync(new URL('aria__two_circuits_qiskit_2_4_1.qpy', DIR));
    const executor = jobDiagrams('executor', {
      quantum_program: {
        circuits: {
          b64_data: deflateSync(qpy).toString('base64'),
          qpy_version: 17,
          num_programs: 2,
        },
      },
    });
    expect(executor.map((e) => ('diagram' in e ? e.diagram.qubits.length : e.error))).toEqual([
      2, 3,
    ]);
    expect(jobDiagrams('sampler', { nothing: true })).toEqual([]);
  });
});
