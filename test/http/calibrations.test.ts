/**
 * Calibration history: `calibration_id` on properties, configuration and jobs, and
 * `properties?updated_before=`, as qiskit-ibm-runtime sends them (api/rest/cloud_backend.py,
 * api/rest/runtime.py): honoured against each backend's recorded calibrations, a 404 (GET) or a
 * 400 (POST /jobs, whose 404 the client reports as "program not found") for unknown values, and
 * a job that names an older calibration runs with that calibration's noise.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CRN, testRuntime } from '../helpers/test-runtime.js';

const FILE = {
  instances: [{ id: DEFAULT_CRN, name: 'default' }],
  backends: [{ name: 'dev', reference: 'manila', noise: 'readout', isa: false, lanes: 2 }],
};
const MANILA_DATE = '2024-05-27T18:27:23.000Z'; // the snapshot's last_update_date, in UTC
const ZERO = 'OPENQASM 3.0; include "stdgates.inc"; qubit[1] q; bit[1] c; c[0] = measure q[0];';

describe('calibration history', () => {
  it("records the backend's calibration and serves it by id and by date", async () => {
    const { api } = await testRuntime({ file: FILE });
    const props = await api('GET', '/api/v1/backends/dev/properties');
    const id = props.body.calibration_id as string;
    expect(id).toMatch(/^cal-[0-9a-f]{16}$/);
    expect(props.body.backend_name).toBe('dev');
    const list = (await api('GET', '/api/v1/backends/dev/calibrations')).body.calibrations;
    expect(list).toEqual([
      expect.objectContaining({
        calibration_id: id,
        last_update_date: MANILA_DATE,
        source: 'configuration',
      }),
    ]);
    // By id, and by date: Python's isoformat() of a naive UTC datetime carries no offset.
    expect((await api('GET', `/api/v1/backends/dev/properties?calibration_id=${id}`)).body).toEqual(
      props.body,
    );
    for (const before of [
      '2024-05-28T00:00:00',
      '2024-05-27T18:27:23Z',
      '2025-01-01T00:00:00%2B01:00',
    ])
      expect(
        (await api('GET', `/api/v1/backends/dev/properties?updated_before=${before}`)).body
          .calibration_id,
      ).toBe(id);
    expect(
      (await api('GET', `/api/v1/backends/dev/configuration?calibration_id=${id}`)).status,
    ).toBe(200);
  });

  it('answers unknown values with a 404 in IBM shape, and a date that is not one with a 400', async () => {
    const { api } = await testRuntime({ file: FILE });
    for (const url of [
      '/api/v1/backends/dev/properties?calibration_id=cal-0000000000000000',
      '/api/v1/backends/dev/configuration?calibration_id=nope',
      '/api/v1/backends/dev/properties?updated_before=2024-05-27T18:27:22Z',
    ]) {
      const res = await api('GET', url);
      expect(res.status, url).toBe(404);
      expect(res.body.errors[0]).toMatchObject({
        code: 'calibration_not_found',
        more_info: '/errors/calibration_not_found',
      });
      expect(res.body.errors[0].message).toContain('/api/v1/backends/dev/calibrations');
    }
    const bad = await api('GET', '/api/v1/backends/dev/properties?updated_before=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].message).toContain('updated_before');
  });

  it('refuses a job naming a calibration its backend does not have, and changes nothing', async () => {
    const { api } = await testRuntime({ file: FILE });
    const res = await api('POST', '/api/v1/jobs', {
      program_id: 'sampler',
      backend: 'dev',
      params: { pubs: [[ZERO, null, 10]], version: 2 },
      calibration_id: 'cal-0000000000000000',
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].code).toBe('invalid_calibration');
    expect((await api('GET', '/api/v1/jobs')).body.count).toBe(0);
  });

  it("runs a job with the noise of the calibration it names, and one without it with the newest's", async () => {
    const { api, rt, tick } = await testRuntime({ file: FILE, executor: 'simulator' });
    const current = JSON.parse(await rt.services.backends.properties('dev'));
    // An older calibration in which qubit 0 misreads |0⟩ as 1 every other time.
    const older = structuredClone(current);
    delete older.calibration_id;
    older.last_update_date = '2024-01-01T00:00:00Z';
    for (const p of older.qubits[0])
      if (p.name === 'prob_meas1_prep0' || p.name === 'readout_error') p.value = 0.5;
    await rt.store.recordCalibration({
      backend: 'dev',
      id: 'cal-older',
      lastUpdate: new Date('2024-01-01T00:00:00Z'),
      properties: JSON.stringify(older),
      configuration: null,
      source: 'worker',
      createdAt: new Date(),
    });
    // The newest is still the configured one; the older one is listed after it.
    expect(
      (await api('GET', '/api/v1/backends/dev/calibrations')).body.calibrations.map(
        (c: any) => c.calibration_id,
      ),
    ).toEqual([current.calibration_id, 'cal-older']);
    expect(
      (await api('GET', '/api/v1/backends/dev/properties?updated_before=2024-03-01T00:00:00Z')).body
        .calibration_id,
    ).toBe('cal-older');
    const submit = async (calibration_id?: string) =>
      (
        await api('POST', '/api/v1/jobs', {
          program_id: 'sampler',
          backend: 'dev',
          params: { pubs: [[ZERO, null, 4000]], version: 2, options: { seed: 5 } },
          ...(calibration_id ? { calibration_id } : {}),
        })
      ).body.id as string;
    const [withOlder, withNewest] = [await submit('cal-older'), await submit()];
    expect((await api('GET', `/api/v1/jobs/${withOlder}`)).body.calibration_id).toBe('cal-older');
    await tick();
    await rt.worker.settled(withOlder);
    await rt.worker.settled(withNewest);
    await tick();
    const ones = async (id: string) => {
      const r = JSON.parse((await api('GET', `/api/v1/jobs/${id}/results`)).text);
      return (r.__value__.pub_results[0].__value__.metadata.counts.c['1'] ?? 0) / 4000;
    };
    // p01 0.5 (±5σ of 4000 shots) against the snapshot's 0.0158.
    expect(Math.abs((await ones(withOlder)) - 0.5)).toBeLessThan(0.04);
    expect(Math.abs((await ones(withNewest)) - 0.0158)).toBeLessThan(0.01);
  });

  it('keeps the same calibration id across restarts of the same configuration', async () => {
    const a = await testRuntime({ file: FILE });
    const b = await testRuntime({ file: FILE });
    const id = async (t: typeof a) =>
      (await t.api('GET', '/api/v1/backends/dev/properties')).body.calibration_id;
    expect(await id(a)).toBe(await id(b));
  });
});
