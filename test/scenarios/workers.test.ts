/**
 * Remote workers over HTTP (docs/workers.md), on both stores: worker keys, lease (long poll),
 * heartbeat, logs, settle; cancel reaching the worker; a lost lease refusing the late worker and
 * running the job again elsewhere; session rules holding across workers.
 */
import { describe, expect, it } from 'vitest';
import {
  bitArray,
  dataBin,
  primitiveResult,
  pubResult,
} from '../../src/quantum/encoding/encoding.js';
import { type Api, testRuntime } from '../helpers/test-runtime.js';

const FILE = {
  backends: [
    { name: 'lab', lanes: 1, qubits: 5, executor: 'external' },
    { name: 'berth_sim', lanes: 2, qubits: 10 },
  ],
};
const QASM = 'OPENQASM 3.0; qubit q; bit c; c = measure q;';
const job = (extra: Record<string, unknown> = {}) => ({
  backend: 'lab',
  program_id: 'sampler',
  params: { pubs: [[QASM, null, 10]] },
  ...extra,
});

async function setup() {
  const t = await testRuntime({ file: FILE });
  const made = await t.api('POST', '/admin/keys', { name: 'lab-worker', worker_backends: ['lab'] });
  expect(made.status).toBe(201);
  expect(made.body.worker_backends).toEqual(['lab']);
  const key = made.body.key as string;
  const as =
    (k: string): Api =>
    (method, url, body, headers = {}) =>
      t.api(method, url, body, { authorization: `Bearer ${k}`, ...headers });
  return { ...t, worker: as(key), keyId: made.body.id as string };
}

const text = async (api: Api, url: string) => (await api('GET', url)).text;

const withBits = (b: ReturnType<typeof bitArray>, numBits: number) => ({
  ...b,
  __value__: { ...(b.__value__ as object), num_bits: numBits },
});

/** What a device's driver returns for QASM's pub: `ones` of `shots` shots read 1. */
const samplerResult = (
  shots: number,
  ones: number,
  top: Record<string, unknown> = { device: 'lab' },
) =>
  primitiveResult(
    [
      pubResult(
        'SamplerPubResult',
        dataBin(
          {
            c: bitArray(
              Uint8Array.from({ length: shots }, (_, i) => (i < ones ? 1 : 0)),
              [],
              shots,
              1,
            ),
          },
          [],
        ),
        { shots },
      ),
    ],
    top,
  );

describe('remote workers', () => {
  it('keeps worker keys to the worker routes and worker routes to worker keys', async () => {
    const { api, worker } = await setup();
    const wrong = await api('POST', '/admin/keys', { name: 'x', worker_backends: ['berth_sim'] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].message).toMatch(
      /berth_sim is not an external backend; the external backends are: lab/,
    );
    expect((await worker('GET', '/api/v1/jobs')).status).toBe(403);
    expect((await worker('POST', '/api/v1/jobs', job())).status).toBe(403);
    expect(
      (
        await api('POST', '/api/v1/workers/lease', {
          backend: 'lab',
          worker: 'w1',
          wait_seconds: 0,
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await worker('POST', '/api/v1/workers/lease', {
          backend: 'berth_sim',
          worker: 'w1',
          wait_seconds: 0,
        })
      ).status,
    ).toBe(403);
  });

  it('leases, heartbeats, logs and settles a job, with its usage and result as for any job', async () => {
    const { api, worker, keyId } = await setup();
    expect(
      (
        await worker('POST', '/api/v1/workers/lease', {
          backend: 'lab',
          worker: 'w1',
          wait_seconds: 0,
        })
      ).status,
    ).toBe(204);
    const id = (await api('POST', '/api/v1/jobs', job())).body.id as string;
    const lease = await worker('POST', '/api/v1/workers/lease', {
      backend: 'lab',
      worker: 'w1',
      wait_seconds: 0,
    });
    expect(lease.status).toBe(200);
    expect(lease.body).toMatchObject({
      id,
      program_id: 'sampler',
      backend: 'lab',
      attempt: 1,
      params: { pubs: [[QASM, null, 10]] },
    });
    expect((await api('GET', `/api/v1/jobs/${id}`)).body.status).toBe('Running');
    const hb = await worker('POST', `/api/v1/workers/jobs/${id}/heartbeat`, {
      worker: 'w1',
      attempt: 1,
    });
    expect(hb.body).toMatchObject({ cancel_requested: false });
    expect(
      (
        await worker('POST', `/api/v1/workers/jobs/${id}/logs`, {
          worker: 'w1',
          attempt: 1,
          lines: ['calibrating', 'running'],
        })
      ).status,
    ).toBe(204);
    const done = await worker('POST', `/api/v1/workers/jobs/${id}/result`, {
      worker: 'w1',
      attempt: 1,
      status: 'completed',
      result: samplerResult(10, 3),
      logs: ['done'],
    });
    expect(done.body).toEqual({ id, status: 'Completed' });
    // Stored as sent, with the counts Berth's own results carry for readers without NumPy.
    const stored = JSON.parse((await api('GET', `/api/v1/jobs/${id}/results`)).text);
    expect(stored.__value__.pub_results[0].__value__.data).toEqual(
      samplerResult(10, 3).__value__ &&
        (samplerResult(10, 3).__value__ as any).pub_results[0].__value__.data,
    );
    expect(stored.__value__.pub_results[0].__value__.metadata).toEqual({
      shots: 10,
      counts: { c: { '0': 7, '1': 3 } },
    });
    expect(stored.__value__.metadata).toEqual({ device: 'lab' });
    expect(await text(api, `/api/v1/jobs/${id}/logs`)).toMatch(
      /calibrating[\s\S]*running[\s\S]*done/,
    );
    expect((await api('GET', `/api/v1/jobs/${id}`)).body.status).toBe('Completed');
    // A second settle of the same run changes nothing.
    const again = await worker('POST', `/api/v1/workers/jobs/${id}/result`, {
      worker: 'w1',
      attempt: 1,
      status: 'failed',
      reason: 'late',
    });
    expect(again.body.status).toBe('Completed');
    expect(keyId).toBeTruthy();
  });

  it('fails a job whose result its readers cannot read, saying why, and stores no result', async () => {
    const { api, worker } = await setup();
    const cases: { result: unknown; params?: unknown; why: RegExp }[] = [
      // What examples/worker.py once returned: not a PrimitiveResult at all.
      { result: { device: 'demo', results: [] }, why: /expected an encoded PrimitiveResult/ },
      { result: primitiveResult([], {}), why: /0 pub result\(s\), the job has 1 pub/ },
      {
        result: primitiveResult(
          [
            pubResult(
              'SamplerPubResult',
              // 9 bits claimed, 1 byte per shot sent: 2 are needed.
              dataBin({ c: withBits(bitArray(new Uint8Array(5), [], 5, 1), 9) }, []),
              {},
            ),
          ],
          {},
        ),
        why: /register c: its array has shape \(5, 1\), expected \(…, shots, 2\) for 9 bits/,
      },
      // The pure-JSON form when the job asked for it, and only then.
      {
        params: { pubs: [[QASM, null, 2]], support_qiskit: false },
        result: samplerResult(2, 1),
        why: /asked for pure JSON/,
      },
    ];
    for (const c of cases) {
      const id = (await api('POST', '/api/v1/jobs', job(c.params ? { params: c.params } : {}))).body
        .id as string;
      const lease = await worker('POST', '/api/v1/workers/lease', {
        backend: 'lab',
        worker: 'w1',
        wait_seconds: 0,
      });
      expect(lease.body.id).toBe(id);
      const settled = await worker('POST', `/api/v1/workers/jobs/${id}/result`, {
        worker: 'w1',
        attempt: 1,
        status: 'completed',
        result: c.result,
      });
      expect(settled.status).toBe(200);
      expect(settled.body).toEqual({ id, status: 'Failed' });
      const after = (await api('GET', `/api/v1/jobs/${id}`)).body;
      expect(after.state.reason).toMatch(
        /^The worker's result cannot be read as a sampler result: /,
      );
      expect(after.state.reason).toMatch(c.why);
      expect(after.state.reason).toContain('docs/workers.md');
      // Its results say why (as for any failed job), never the refused document.
      expect((await api('GET', `/api/v1/jobs/${id}/results`)).text).toContain('cannot be read');
    }
    // The pure-JSON result a job asked for is taken.
    const pure = (
      await api(
        'POST',
        '/api/v1/jobs',
        job({ params: { pubs: [[QASM, null, 2]], support_qiskit: false } }),
      )
    ).body.id as string;
    await worker('POST', '/api/v1/workers/lease', {
      backend: 'lab',
      worker: 'w1',
      wait_seconds: 0,
    });
    const ok = await worker('POST', `/api/v1/workers/jobs/${pure}/result`, {
      worker: 'w1',
      attempt: 1,
      status: 'completed',
      result: { results: [{ data: { c: { samples: ['0x0', '0x1'], num_bits: 1 } } }] },
    });
    expect(ok.body).toEqual({ id: pure, status: 'Completed' });
  });

  it("keeps the device's calibrations its worker publishes: the newest is served, older ones by date or id", async () => {
    const { api, worker } = await setup();
    const nduv = (name: string, value: number, unit: string, date: string) => ({
      name,
      value,
      unit,
      date,
    });
    const properties = (date: string, t1: number) => ({
      backend_name: 'lab',
      backend_version: '1.0.0',
      last_update_date: date,
      qubits: Array.from({ length: 5 }, () => [
        nduv('T1', t1, 'us', date),
        nduv('readout_error', 0.02, '', date),
      ]),
      gates: [{ gate: 'cx', qubits: [0, 1], parameters: [nduv('gate_error', 0.01, '', date)] }],
      general: [],
    });
    const publish = (body: unknown) =>
      worker('POST', '/api/v1/workers/backends/lab/calibration', body);
    // The device's first word wins over the documents the backend was configured with, however
    // they are dated (a synthesized one carries the server's start time).
    const first = await publish({ properties: properties('2000-01-01T00:00:00Z', 50) });
    expect(first.body.newest).toBe(true);
    expect((await api('GET', '/api/v1/backends/lab/properties')).body.qubits[0][0].value).toBe(50);
    const monday = await publish({ properties: properties('2026-12-07T08:00:00Z', 110) });
    expect(monday.status).toBe(201);
    expect(monday.body).toMatchObject({
      last_update_date: '2026-12-07T08:00:00.000Z',
      newest: true,
    });
    const served = (await api('GET', '/api/v1/backends/lab/properties')).body;
    expect(served.qubits[0][0]).toMatchObject({ name: 'T1', value: 110 });
    expect(served.calibration_id).toBe(monday.body.calibration_id);
    // An older calibration joins the history without replacing the newest.
    const sunday = await publish({ properties: properties('2026-12-06T08:00:00Z', 95) });
    expect(sunday.body.newest).toBe(false);
    expect((await api('GET', '/api/v1/backends/lab/properties')).body.qubits[0][0].value).toBe(110);
    const before = await api(
      'GET',
      '/api/v1/backends/lab/properties?updated_before=2026-12-07T00:00:00Z',
    );
    expect(before.body.qubits[0][0].value).toBe(95);
    const byId = await api(
      'GET',
      `/api/v1/backends/lab/properties?calibration_id=${sunday.body.calibration_id}`,
    );
    expect(byId.body.qubits[0][0].value).toBe(95);
    const listed = (await api('GET', '/api/v1/backends/lab/calibrations')).body.calibrations;
    expect(listed.filter((c: { source: string }) => c.source === 'worker')).toHaveLength(3);
    // The same documents again change nothing.
    const again = await publish({ properties: properties('2026-12-07T08:00:00Z', 110) });
    expect(again.body.calibration_id).toBe(monday.body.calibration_id);
    expect((await api('GET', '/api/v1/backends/lab/calibrations')).body.calibrations).toHaveLength(
      listed.length,
    );
    // A configuration with it: served too.
    const config = {
      backend_name: 'lab',
      n_qubits: 5,
      basis_gates: ['cx', 'sx', 'x', 'rz'],
      coupling_map: [[0, 1]],
    };
    const tuesday = await publish({
      properties: properties('2026-12-08T08:00:00Z', 120),
      configuration: config,
    });
    expect(tuesday.status).toBe(201);
    expect((await api('GET', '/api/v1/backends/lab/configuration')).body).toMatchObject(config);
  });

  it("refuses a device's documents its client could not read, naming each problem, and keeps nothing", async () => {
    const { api, worker } = await setup();
    const before = (await api('GET', '/api/v1/backends/lab/calibrations')).body.calibrations.length;
    const bad = await worker('POST', '/api/v1/workers/backends/lab/calibration', {
      properties: { backend_name: 'other', last_update_date: 'yesterday', qubits: [[]], gates: [] },
      configuration: { backend_name: 'lab', n_qubits: 7, basis_gates: ['cx'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].code).toBe('invalid_device_documents');
    for (const problem of [
      'properties.backend_name must be "lab"',
      'properties.backend_version must be a string',
      'properties.last_update_date must be an ISO 8601 date',
      'properties.qubits must be a list of 5 lists',
      'configuration.n_qubits must be 5',
    ])
      expect(bad.body.errors[0].message).toContain(problem);
    expect((await api('GET', '/api/v1/backends/lab/calibrations')).body.calibrations).toHaveLength(
      before,
    );
    // Only a worker key of that backend may publish.
    expect(
      (await api('POST', '/api/v1/workers/backends/lab/calibration', { properties: {} })).status,
    ).toBe(403);
    expect(
      (await worker('POST', '/api/v1/workers/backends/berth_sim/calibration', { properties: {} }))
        .status,
    ).toBe(403);
  });

  it('wakes a waiting lease request when a job is submitted', async () => {
    const { api, worker } = await setup();
    const t0 = performance.now();
    const waiting = worker('POST', '/api/v1/workers/lease', {
      backend: 'lab',
      worker: 'w1',
      wait_seconds: 10,
    });
    await new Promise((r) => setTimeout(r, 50));
    const id = (await api('POST', '/api/v1/jobs', job())).body.id as string;
    const lease = await waiting;
    expect(lease.body.id).toBe(id);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('tells the worker of a cancel at its heartbeat, and ends the job when it stops', async () => {
    const { api, worker } = await setup();
    const id = (await api('POST', '/api/v1/jobs', job())).body.id as string;
    await worker('POST', '/api/v1/workers/lease', {
      backend: 'lab',
      worker: 'w1',
      wait_seconds: 0,
    });
    expect((await api('POST', `/api/v1/jobs/${id}/cancel`)).status).toBe(204);
    expect((await api('GET', `/api/v1/jobs/${id}`)).body.status).toBe('Running');
    const hb = await worker('POST', `/api/v1/workers/jobs/${id}/heartbeat`, {
      worker: 'w1',
      attempt: 1,
    });
    expect(hb.body.cancel_requested).toBe(true);
    const r = await worker('POST', `/api/v1/workers/jobs/${id}/result`, {
      worker: 'w1',
      attempt: 1,
      status: 'cancelled',
    });
    expect(r.body.status).toBe('Cancelled');
  });

  it('gives a job whose worker went silent to the next worker, refusing the late one', async () => {
    const { api, worker, advance } = await setup();
    const id = (await api('POST', '/api/v1/jobs', job())).body.id as string;
    await worker('POST', '/api/v1/workers/lease', {
      backend: 'lab',
      worker: 'w1',
      wait_seconds: 0,
    });
    await advance(31); // past the 30 s lease with no heartbeat
    const late = await worker('POST', `/api/v1/workers/jobs/${id}/heartbeat`, {
      worker: 'w1',
      attempt: 1,
    });
    expect(late.status).toBe(409);
    expect(late.body.errors[0].code).toBe('lease_lost');
    const next = await worker('POST', '/api/v1/workers/lease', {
      backend: 'lab',
      worker: 'w2',
      wait_seconds: 0,
    });
    expect(next.body).toMatchObject({ id, attempt: 2 });
    const refused = await worker('POST', `/api/v1/workers/jobs/${id}/result`, {
      worker: 'w1',
      attempt: 1,
      status: 'completed',
      result: samplerResult(10, 0, { from: 'w1' }),
    });
    expect(refused.status).toBe(409);
    const ok = await worker('POST', `/api/v1/workers/jobs/${id}/result`, {
      worker: 'w2',
      attempt: 2,
      status: 'completed',
      result: samplerResult(10, 0, { from: 'w2' }),
    });
    expect(ok.body.status).toBe('Completed');
    expect(
      JSON.parse((await api('GET', `/api/v1/jobs/${id}/results`)).text).__value__.metadata,
    ).toEqual({
      from: 'w2',
    });
  });

  it('fails a job whose worker was lost after it began real work', async () => {
    const { api, worker, advance } = await setup();
    const id = (await api('POST', '/api/v1/jobs', job())).body.id as string;
    await worker('POST', '/api/v1/workers/lease', {
      backend: 'lab',
      worker: 'w1',
      wait_seconds: 0,
    });
    await worker('POST', `/api/v1/workers/jobs/${id}/heartbeat`, {
      worker: 'w1',
      attempt: 1,
      work_started: true,
    });
    await advance(31);
    const j = (await api('GET', `/api/v1/jobs/${id}`)).body;
    expect(j.status).toBe('Failed');
    expect(j.state.reason).toBe('The worker was lost after it had started work on the device');
  });

  it('holds the lanes for a dedicated session across workers', async () => {
    const { api, worker } = await setup();
    const plain = (await api('POST', '/api/v1/jobs', job())).body.id as string;
    const session = (await api('POST', '/api/v1/sessions', { backend: 'lab', mode: 'dedicated' }))
      .body.id as string;
    const first = (
      await worker('POST', '/api/v1/workers/lease', {
        backend: 'lab',
        worker: 'w1',
        wait_seconds: 0,
      })
    ).body;
    expect(first.id).toBe(plain); // the session has no job yet: the normal queue runs
    const s1 = (await api('POST', '/api/v1/jobs', job({ session_id: session }))).body.id as string;
    const s2 = (await api('POST', '/api/v1/jobs', job({ session_id: session }))).body.id as string;
    const plain2 = (await api('POST', '/api/v1/jobs', job())).body.id as string;
    // One lane, taken: the second worker waits.
    expect(
      (
        await worker('POST', '/api/v1/workers/lease', {
          backend: 'lab',
          worker: 'w2',
          wait_seconds: 0,
        })
      ).status,
    ).toBe(204);
    await worker('POST', `/api/v1/workers/jobs/${plain}/result`, {
      worker: 'w1',
      attempt: 1,
      status: 'completed',
      result: samplerResult(10, 0),
    });
    const a = (
      await worker('POST', '/api/v1/workers/lease', {
        backend: 'lab',
        worker: 'w2',
        wait_seconds: 0,
      })
    ).body;
    expect(a.id).toBe(s1);
    await worker('POST', `/api/v1/workers/jobs/${s1}/result`, {
      worker: 'w2',
      attempt: 1,
      status: 'completed',
      result: samplerResult(10, 0),
    });
    // The session is active and owns the backend: its next job goes before the older plain one.
    const b = (
      await worker('POST', '/api/v1/workers/lease', {
        backend: 'lab',
        worker: 'w1',
        wait_seconds: 0,
      })
    ).body;
    expect(b.id).toBe(s2);
    expect((await api('GET', `/api/v1/sessions/${session}`)).body.state).toBe('active');
    expect((await api('GET', `/api/v1/jobs/${plain2}`)).body.status).toBe('Queued');
  });
});
