/**
 * IBM's QRMI (the IBMQuantumComputeService resource) replayed call by call: token, backend
 * status, acquire (session), task_start, task_status, task_result, task_logs, release. Its
 * generated client decodes results and logs as a `String` by content type (test/helpers/qrmi.ts):
 * task_result must give exactly the text the Python client parses.
 */
import { describe, expect, it } from 'vitest';
import { BELL, TEST_CONFIG } from '../helpers/fixtures.js';
import { pythonClient } from '../helpers/python-client.js';
import { decodeString, qrmiClient, qrmiToken } from '../helpers/qrmi.js';
import { ADMIN_KEY, DEFAULT_CRN, testRuntime } from '../helpers/test-runtime.js';

const BELL_STATE = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n';

/** The job_response model's `status` enum. */
const STATUSES = [
  'Queued',
  'Running',
  'Completed',
  'Cancelled',
  'Cancelled - Ran too long',
  'Failed',
];

describe('QRMI, call by call', () => {
  it('runs sampler and estimator tasks in a session and reads the same result text as the Python client', async () => {
    const { rt, tick } = await testRuntime({ file: TEST_CONFIG, executor: 'simulator' });
    const token = await qrmiToken(rt.app, ADMIN_KEY);
    const qrmi = qrmiClient(rt.app, token, DEFAULT_CRN);

    // is_accessible: "active" or "online".
    const status = await qrmi('GET', '/api/v1/backends/solo/status');
    expect(status.body.status.toLowerCase()).toBe('active');

    // acquire: POST /sessions with both backend and backend_name.
    const session = await qrmi('POST', '/api/v1/sessions', {
      max_ttl: 28800,
      mode: 'dedicated',
      backend: 'solo',
      backend_name: 'solo',
    });
    expect(session.status).toBe(200);
    const sessionId = session.body.id as string;

    const start = async (programId: string, params: unknown) => {
      const res = await qrmi('POST', '/api/v1/jobs', {
        program_id: programId,
        backend: 'solo',
        log_level: 'debug',
        session_id: sessionId,
        params,
        private: false,
      });
      expect(res.status, res.text).toBe(200);
      return res.body.id as string;
    };
    const sampler = await start('sampler', { pubs: [[BELL, null, 64]], version: 2 });
    const estimator = await start('estimator', {
      pubs: [[BELL_STATE, ['ZZ', 'XX', 'ZI']]],
      version: 2,
    });

    for (const id of [sampler, estimator]) {
      // task_status: the top-level status, one of the model's enum.
      expect(STATUSES).toContain((await qrmi('GET', `/api/v1/jobs/${id}`)).body.status);
      await tick();
      await rt.worker.settled(id);
      await tick();
      const job = await qrmi('GET', `/api/v1/jobs/${id}`);
      expect(job.body.status).toBe('Completed');

      // task_result: Accept application/json, decoded as a String.
      const answer = await qrmi('GET', `/api/v1/jobs/${id}/results`);
      expect(answer.status).toBe(200);
      const text = decodeString(answer);
      const python = await pythonClient(rt.app, token, DEFAULT_CRN).jobResults(id);
      expect(text).toBe(python.body);
      expect(JSON.parse(text).__type__).toBe('PrimitiveResult');

      // task_logs: the same decoding.
      expect(decodeString(await qrmi('GET', `/api/v1/jobs/${id}/logs`))).toMatch(/Ran 1 pub/);
    }
    const evs = JSON.parse(decodeString(await qrmi('GET', `/api/v1/jobs/${estimator}/results`)))
      .__value__.pub_results[0].__value__.data.__value__.fields.evs;
    expect(evs.__type__).toBe('ndarray');

    // task_stop of a queued task: its status says so, and its results still decode to a String
    // (the reason), never a decoding error.
    const stopped = await start('sampler', { pubs: [[BELL, null, 8]], version: 2 });
    expect((await qrmi('POST', `/api/v1/jobs/${stopped}/cancel`)).status).toBe(204);
    expect((await qrmi('GET', `/api/v1/jobs/${stopped}`)).body.status).toBe('Cancelled');
    expect(decodeString(await qrmi('GET', `/api/v1/jobs/${stopped}/results`))).toBe(
      'Cancelled by user',
    );

    // release: pending jobs of the session? none → PATCH accepting_jobs=false.
    const pending = await qrmi('GET', `/api/v1/jobs?pending=true&session_id=${sessionId}`);
    expect(pending.body.jobs).toEqual([]);
    expect(
      (await qrmi('PATCH', `/api/v1/sessions/${sessionId}`, { accepting_jobs: false })).status,
    ).toBe(204);
    expect((await qrmi('GET', `/api/v1/sessions/${sessionId}`)).body.state).toBe('closed');
  });
});
