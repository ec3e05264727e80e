import { describe, expect, it } from 'vitest';
import { samplerJob } from '../helpers/fixtures.js';
import { testRuntime } from '../helpers/test-runtime.js';

describe('backends and instance endpoints', () => {
  it('lists the built-in backends in the {devices} shape with live queue lengths', async () => {
    const { api } = await testRuntime();
    await api('POST', '/api/v1/jobs', samplerJob({ backend: 'berth_manila' }));
    const res = await api('GET', '/api/v1/backends', undefined, {
      'ibm-api-version': '2024-01-01',
    });
    expect(res.status).toBe(200);
    expect(res.body.devices).toEqual([
      expect.objectContaining({
        name: 'berth_manila',
        qubits: 5,
        lanes: 1,
        is_simulator: false,
        queue_length: 1,
        status: { name: 'online', reason: null },
      }),
      expect.objectContaining({
        name: 'berth_manila_ideal',
        qubits: 5,
        lanes: 1,
        queue_length: 0,
      }),
      expect.objectContaining({
        name: 'berth_sim',
        qubits: 20,
        lanes: 4,
        is_simulator: false,
        queue_length: 0,
      }),
    ]);
    expect((await api('GET', '/api/v1/backends/berth_manila/status')).body).toEqual({
      state: true,
      status: 'active',
      message: '',
      length_queue: 1,
      backend_version: '1.0.0',
    });
  });

  it('serves the reference processor documents under the backend’s own name', async () => {
    const { api } = await testRuntime();
    const conf = (await api('GET', '/api/v1/backends/berth_manila/configuration')).body;
    expect(conf).toMatchObject({
      backend_name: 'berth_manila',
      n_qubits: 5,
      simulator: false,
      basis_gates: ['cx', 'id', 'rz', 'sx', 'x'],
      max_shots: 100000,
    });
    expect(conf.coupling_map).toContainEqual([3, 4]);
    const props = (await api('GET', '/api/v1/backends/berth_manila/properties')).body;
    expect(props.backend_name).toBe('berth_manila');
    expect(props.qubits).toHaveLength(5);
    expect(props.qubits[0]).toContainEqual(expect.objectContaining({ name: 'T1', unit: 'us' }));
  });

  it('builds documents for a backend without a reference, in the same shape', async () => {
    const { api } = await testRuntime();
    const conf = (await api('GET', '/api/v1/backends/berth_sim/configuration')).body;
    for (const key of [
      'backend_name',
      'backend_version',
      'n_qubits',
      'basis_gates',
      'gates',
      'local',
      'simulator',
      'conditional',
      'open_pulse',
      'memory',
      'coupling_map',
      'max_shots',
      'max_experiments',
      'supported_instructions',
      'online_date',
    ]) {
      expect(conf, key).toHaveProperty(key);
    }
    expect(conf.simulator).toBe(false);
    expect(conf.coupling_map).toHaveLength(20 * 19);
    expect(conf.gates.find((g: { name: string }) => g.name === 'rz').parameters).toEqual(['theta']);
    const props = (await api('GET', '/api/v1/backends/berth_sim/properties')).body;
    expect(props.qubits).toHaveLength(20);
    expect(props.gates.length).toBeGreaterThan(0);
    expect(typeof props.last_update_date).toBe('string');
  });

  it('rejects a circuit that uses uncoupled qubits on a backend with a coupling map', async () => {
    const { api } = await testRuntime();
    const circuit =
      'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[5];\ncreg c[5];\ncx q[0],q[4];\nmeasure q -> c;\n';
    const res = await api('POST', '/api/v1/jobs', {
      program_id: 'sampler',
      backend: 'berth_manila',
      params: { pubs: [[circuit]] },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({
      code: 'invalid_params',
      message: expect.stringContaining('qubits 0 and 4 are not coupled'),
    });
    expect(
      (
        await api('POST', '/api/v1/jobs', {
          program_id: 'sampler',
          backend: 'berth_sim',
          params: { pubs: [[circuit]] },
        })
      ).status,
    ).toBe(200);
  });

  it('answers /versions without credentials, and takes the version the Python client pins', async () => {
    const { api } = await testRuntime();
    const versions = (await api('GET', '/api/v1/versions', undefined, { authorization: '' })).body
      .versions;
    // qiskit-ibm-runtime 0.49+ (api/rest/base.py) and QRMI's documented default.
    expect(versions).toEqual(expect.arrayContaining(['2026-04-15', '2025-01-01']));
    for (const v of ['2026-04-15', '2025-01-01', '2031-12-31']) {
      const res = await api('GET', '/api/v1/backends', undefined, { 'ibm-api-version': v });
      expect(res.status, v).toBe(200);
      expect(res.body.devices.length).toBeGreaterThan(0);
    }
    for (const bad of ['latest', '2026-02-30', '20260415']) {
      const res = await api(
        'POST',
        '/api/v1/sessions',
        { backend: 'berth_sim' },
        {
          'ibm-api-version': bad,
        },
      );
      expect(res.status, bad).toBe(400);
      expect(res.body.errors[0].code).toBe('invalid_api_version');
      expect(res.body.errors[0].message).toContain('2026-04-15');
    }
    // Refused before anything happened.
    expect((await api('GET', '/api/v1/sessions')).body.sessions).toEqual([]);
  });
});
