/**
 * Today's fleet as references (ibm_brisbane 127 qubits, ibm_fez 156, ibmq_kolkata 27), and ISA
 * circuits as IBM treats them: as wide as the device, simulated on the qubits they touch, and
 * held to the device's basis gates and directed coupling map.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CRN, testRuntime } from '../helpers/test-runtime.js';

const FLEET = {
  instances: [{ id: DEFAULT_CRN, name: 'default' }],
  backends: [
    { name: 'eagle', reference: 'brisbane' },
    { name: 'heron', reference: 'fez' },
    { name: 'falcon', reference: 'kolkata' },
  ],
};

async function fleet() {
  const t = await testRuntime({ file: FLEET, executor: 'simulator' });
  const run = async (backend: string, program: 'sampler' | 'estimator', pubs: unknown[]) => {
    const { submitted, result } = await t.runJob({
      program_id: program,
      backend,
      params: { version: 2, pubs },
    });
    if (submitted.status !== 200)
      return { status: submitted.status, error: submitted.body.errors[0].message, meta: null };
    return { status: 200, error: null, meta: result.__value__.pub_results[0].__value__.metadata };
  };
  return { ...t, run };
}

describe("today's fleet", () => {
  it('serves the reference documents: 127, 156 and 27 qubits, with string revisions', async () => {
    const { api } = await fleet();
    for (const [name, qubits, basis] of [
      ['eagle', 127, ['ecr', 'id', 'rz', 'sx', 'x']],
      ['heron', 156, ['cz', 'id', 'rz', 'sx', 'x']],
      ['falcon', 27, ['id', 'rz', 'sx', 'x', 'cx', 'reset']],
    ] as const) {
      const conf = (await api('GET', `/api/v1/backends/${name}/configuration`)).body;
      expect(conf).toMatchObject({ backend_name: name, n_qubits: qubits, basis_gates: basis });
      expect(typeof conf.processor_type.revision).toBe('string');
      const props = (await api('GET', `/api/v1/backends/${name}/properties`)).body;
      expect(props.qubits).toHaveLength(qubits);
    }
    const devices = (await api('GET', '/api/v1/backends')).body.devices;
    expect(devices.map((d: { processor_type: unknown }) => d.processor_type)).toEqual([
      { family: 'Eagle', revision: '3' },
      { family: 'Heron', revision: '2' },
      { family: 'Falcon', revision: '5.11' },
    ]);
  });

  it('runs a 7-active-qubit ISA circuit on the 127-qubit Eagle: ECR|00⟩ leaves 1 on its first qubit and 50/50 on its second', async () => {
    const { run } = await fleet();
    // ibm_brisbane's map has 1 → 0 and 4 → 5.
    const qasm = `OPENQASM 3.0; include "stdgates.inc"; bit[7] c;
      ecr $1, $0; x $126; x $64; x $30; ecr $4, $5;
      c[0] = measure $1; c[1] = measure $0; c[2] = measure $126; c[3] = measure $64;
      c[4] = measure $30; c[5] = measure $4; c[6] = measure $5;`;
    const { status, error, meta } = await run('eagle', 'sampler', [[qasm, null, 400]]);
    expect(status, error ?? '').toBe(200);
    const counts = meta.counts.c as Record<string, number>;
    for (const key of Object.keys(counts)) {
      // Bits right to left: c[0]=1 ($1), c[1] random ($0), c[2..4]=1, c[5]=1 ($4), c[6] random.
      expect(key[6]).toBe('1');
      expect(key.slice(2, 5)).toBe('111');
      expect(key[1]).toBe('1');
    }
    const ones = Object.entries(counts)
      .filter(([k]) => k[5] === '1')
      .reduce((a, [, n]) => a + n, 0);
    expect(Math.abs(ones - 200)).toBeLessThan(60); // 6σ of a fair coin over 400 shots is 60
  });

  it('reads observables of a 27-qubit device as 27-character strings for a circuit on qubits 13 and 14', async () => {
    const { run } = await fleet();
    const z = (q: number): string => 'I'.repeat(26 - q) + 'Z' + 'I'.repeat(q);
    const qasm = 'OPENQASM 3.0; include "stdgates.inc"; x $13; cx $13, $14;';
    const { status, error, meta } = await run('falcon', 'estimator', [
      [qasm, [z(13), z(14), z(0), z(13).replace('Z', 'X')]],
    ]);
    expect(status, error ?? '').toBe(200);
    expect(meta.evs).toEqual([-1, -1, 1, 0]);
    const short = await run('falcon', 'estimator', [[qasm, ['ZZ']]]);
    expect(short.status).toBe(400);
  });

  it('refuses what the device would refuse, naming the gate, the qubits and the reason', async () => {
    const { run } = await fleet();
    const bad = async (backend: string, body: string) =>
      (
        await run(backend, 'sampler', [
          [`OPENQASM 3.0; include "stdgates.inc"; bit[1] c; ${body} c[0] = measure $0;`, null, 10],
        ])
      ).error;
    expect(await bad('eagle', 'h $0;')).toMatch(
      /^pub 0: h on qubit 0 is not in the backend's basis gates \(ecr, id, rz, sx, x\): transpile/,
    );
    expect(await bad('eagle', 'ecr $0, $1;')).toMatch(
      /ecr on qubits 0, 1: the coupling map has no 0 → 1 edge \(it has 1 → 0\)/,
    );
    expect(await bad('heron', 'cz $0, $2;')).toMatch(
      /qubits 0 and 2 are not coupled|no 0 → 2 edge/,
    );
    expect(await bad('heron', 'ctrl @ x $1, $0;')).toMatch(/has modifiers/);
    // Wide is fine; what is simulated is bounded by the qubits the circuit acts on.
    const many = Array.from({ length: 31 }, (_, i) => `x $${i * 4};`).join(' ');
    expect(await bad('eagle', many)).toMatch(/acts on 31 qubits; Berth simulates at most 30/);
  });
});
