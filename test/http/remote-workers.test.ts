/**
 * Remote workers as real processes against a real server: examples/worker.py (Python, standard
 * library) and `berth worker` (the built-in simulator). Then failures that really happen to
 * workers: kill -9 before and after real work began, and SIGSTOP past the lease.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeNdarray } from '../../src/quantum/encoding/npy.js';
import { call, startServer, tempDir, writeConfig } from '../helpers/spawn-server.js';
import { testDatabase } from '../helpers/test-runtime.js';
import { until } from '../helpers/until.js';

const KEY = 'remote-workers-admin-key';
const QASM = 'OPENQASM 3.0; qubit[3] q; bit[3] c; h q[0]; c = measure q;';
const JOB = { backend: 'lab_device', program_id: 'sampler', params: { pubs: [[QASM, null, 50]] } };

async function server() {
  const dir = tempDir();
  const config = writeConfig(dir, {
    backends: [{ name: 'lab_device', lanes: 1, qubits: 5, executor: 'external' }],
  });
  const env = {
    BERTH_API_KEY: KEY,
    // A file here; on the PostgreSQL projects, a schema of its own (the failure tests run there).
    BERTH_DB: process.env.BERTH_TEST_DB === 'postgres' ? await testDatabase() : join(dir, 'b.db'),
    BERTH_CONFIG: config,
    BERTH_LEASE_MS: '3000',
  };
  const s = await startServer(env);
  const made = await call(s.url, KEY, 'POST', '/admin/keys', {
    name: 'lab',
    worker_backends: ['lab_device'],
  });
  expect(made.status).toBe(201);
  const api = (method: string, path: string, body?: unknown) =>
    call(s.url, KEY, method, path, body);
  const job = async (id: string) => (await api('GET', `/api/v1/jobs/${id}`)).body;
  return { s, env, config, workerKey: made.body.key as string, api, job };
}

function spawnWorker(cmd: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((r) =>
    child.on('exit', (c, sig) => r(c ?? sig ?? -1)),
  );
  return { child, out: () => out, exited };
}
const python = (url: string, key: string, ...extra: string[]) =>
  spawnWorker('python3', [
    'examples/worker.py',
    '--url',
    url,
    '--key',
    key,
    '--backend',
    'lab_device',
    ...extra,
  ]);
const kill = (c: ChildProcess, sig: NodeJS.Signals) => c.kill(sig);

describe('remote workers as processes', () => {
  it('runs jobs in examples/worker.py (Python, standard library only)', async () => {
    const { s, workerKey, api, job } = await server();
    const w = python(s.url, workerKey, '--name', 'py-1', '--jobs', '2');
    const ids = [];
    for (let i = 0; i < 2; i++)
      ids.push((await api('POST', '/api/v1/jobs', JOB)).body.id as string);
    for (const id of ids)
      await until(`job ${id}`, async () => (await job(id)).status === 'Completed');
    expect(await w.exited).toBe(0);
    const result = JSON.parse(
      await (
        await fetch(`${s.url}/api/v1/jobs/${ids[0]}/results`, {
          headers: { authorization: `Bearer ${KEY}` },
        })
      ).text(),
    );
    // A PrimitiveResult written by Python's standard library (its own .npy writer): every shot
    // of the 3-bit register reads 0. Berth read its BitArray to add the counts.
    expect(result.__type__).toBe('PrimitiveResult');
    expect(result.__value__.metadata).toEqual({ device: 'demo', worker: 'py-1' });
    const pub = result.__value__.pub_results[0];
    expect(pub.__type__).toBe('SamplerPubResult');
    expect(pub.__value__.metadata).toEqual({
      shots: 50,
      circuit_metadata: {},
      counts: { c: { '000': 50 } },
    });
    const bits = pub.__value__.data.__value__.fields.c.__value__;
    expect(bits.num_bits).toBe(3);
    expect(decodeNdarray(bits.array.__value__)).toEqual(Array.from({ length: 50 }, () => [0]));
    // And the CLI reads it.
    const shown = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'jobs', 'result', ids[0] ?? ''],
      { env: { ...process.env, BERTH_URL: s.url, BERTH_TOKEN: KEY }, encoding: 'utf8' },
    );
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^c: 50 shots, 1 outcome\n {2}000 /m);
    const logs = await (
      await fetch(`${s.url}/api/v1/jobs/${ids[1]}/logs`, {
        headers: { authorization: `Bearer ${KEY}` },
      })
    ).text();
    expect(logs).toMatch(/calibrating on [\s\S]*measured/);
  });

  it('runs jobs in berth worker, the built-in simulator as a remote worker', async () => {
    const { s, config, workerKey, api, job } = await server();
    const w = spawnWorker(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'worker',
        '--backend',
        'lab_device',
        '--url',
        s.url,
        '--key',
        workerKey,
        '--jobs',
        '1',
      ],
      {
        BERTH_CONFIG: config,
      },
    );
    // A lease request on an empty queue waits (a long poll) before it answers 204.
    const t0 = performance.now();
    const empty = await call(s.url, workerKey, 'POST', '/api/v1/workers/lease', {
      backend: 'lab_device',
      worker: 'probe',
      wait_seconds: 1,
    });
    expect(empty.status).toBe(204);
    expect(performance.now() - t0).toBeGreaterThan(900);
    const id = (await api('POST', '/api/v1/jobs', JOB)).body.id as string;
    await until('the job', async () => (await job(id)).status === 'Completed');
    expect(await w.exited).toBe(0);
    const result = JSON.parse(
      await (
        await fetch(`${s.url}/api/v1/jobs/${id}/results`, {
          headers: { authorization: `Bearer ${KEY}` },
        })
      ).text(),
    );
    // A real SamplerV2 result, simulated by the worker: H on the first of three qubits.
    const counts = result.__value__.pub_results[0].__value__.metadata.counts.c as Record<
      string,
      number
    >;
    expect(Object.keys(counts).sort()).toEqual(['000', '001']);
    expect(Object.values(counts).reduce((x, y) => x + y, 0)).toBe(50);
  });

  it('runs a job again when its worker is killed before real work, and fails it when killed after', async () => {
    const { s, workerKey, api, job } = await server();
    // Killed while calibrating: never said work began, so the job runs again on another worker.
    const slow = python(s.url, workerKey, '--name', 'doomed', '--calibrate-seconds', '30');
    const a = (await api('POST', '/api/v1/jobs', JOB)).body.id as string;
    await until('the job to start', async () => (await job(a)).status === 'Running');
    await until('the calibration log', async () =>
      /calibrating/.test(
        slow.out() +
          (await (
            await fetch(`${s.url}/api/v1/jobs/${a}/logs`, {
              headers: { authorization: `Bearer ${KEY}` },
            })
          ).text()),
      ),
    );
    kill(slow.child, 'SIGKILL');
    await slow.exited;
    const rescuer = python(s.url, workerKey, '--name', 'rescuer', '--jobs', '1');
    await until(
      'the job to complete on the rescuer',
      async () => (await job(a)).status === 'Completed',
      15_000,
    );
    expect(await rescuer.exited).toBe(0);
    const logsOf = async (id: string): Promise<string> =>
      (
        await fetch(`${s.url}/api/v1/jobs/${id}/logs`, {
          headers: { authorization: `Bearer ${KEY}` },
        })
      ).text();
    expect(await logsOf(a)).toMatch(
      /Waiting for a worker to run the job again: its executor stopped renewing its lease[\s\S]*Running the job again on worker \S*\/rescuer/,
    );

    // Killed while measuring (work began): the job ends Failed, not run twice on the device.
    const busy = python(s.url, workerKey, '--name', 'busy', '--work-seconds', '30');
    const b = (await api('POST', '/api/v1/jobs', JOB)).body.id as string;
    await until('work to begin', async () => (await job(b)).status === 'Running');
    await new Promise((r) => setTimeout(r, 1500)); // past the work_started heartbeat
    kill(busy.child, 'SIGKILL');
    const killedAt = Date.now();
    const failed = await until(
      'the job to fail',
      async () => {
        const j = await job(b);
        return j.status === 'Failed' ? j : null;
      },
      15_000,
    );
    expect(failed.state.reason).toBe('The worker was lost after it had started work on the device');
    // Within the 3-s lease and a wake-up of its end, and its log says what happened.
    expect(Date.now() - killedAt).toBeLessThan(5000);
    const log = await logsOf(b);
    expect(log).not.toMatch(/Running the job again/);
    expect(log).toMatch(/Failed: The worker was lost after it had started work on the device/);
  });

  it('refuses a worker paused (SIGSTOP) past its lease once it resumes; another worker runs the job', async () => {
    const { s, workerKey, api, job } = await server();
    const paused = python(
      s.url,
      workerKey,
      '--name',
      'paused',
      '--calibrate-seconds',
      '2',
      '--jobs',
      '1',
    );
    const id = (await api('POST', '/api/v1/jobs', JOB)).body.id as string;
    await until('the job to start', async () => (await job(id)).status === 'Running');
    kill(paused.child, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 4000)); // past the 3 s lease
    const other = python(s.url, workerKey, '--name', 'other', '--jobs', '1');
    await until(
      'the other worker to finish it',
      async () => (await job(id)).status === 'Completed',
      15_000,
    );
    expect(await other.exited).toBe(0);
    kill(paused.child, 'SIGCONT');
    expect(await paused.exited).toBe(0);
    expect(paused.out()).toMatch(/lease lost; dropped/);
    // What the paused worker would have sent is refused, and the job keeps the other's result.
    const late = await call(s.url, workerKey, 'POST', `/api/v1/workers/jobs/${id}/result`, {
      worker: 'paused',
      attempt: 1,
      status: 'completed',
      result: { worker: 'paused' },
    });
    expect(late.status).toBe(409);
    expect(late.body.errors[0].code).toBe('lease_lost');
    const result = JSON.parse(
      await (
        await fetch(`${s.url}/api/v1/jobs/${id}/results`, {
          headers: { authorization: `Bearer ${KEY}` },
        })
      ).text(),
    );
    expect(result.__value__.metadata.worker).toBe('other');
  });
});
