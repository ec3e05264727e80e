/**
 * Fair use of a shared node, per API key: requests per second beyond the burst get a 429 in
 * IBM's error shape with Retry-After (another key is not affected), open event streams beyond
 * the limit get a 429 until one closes, and /metrics shows the limits and the refusals.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BELL, OTHER_CRN, TEST_CONFIG } from '../helpers/fixtures.js';
import { call, startServer, tempDir, writeConfig } from '../helpers/spawn-server.js';
import { ADMIN_KEY, testRuntime } from '../helpers/test-runtime.js';

describe('fair use per key', () => {
  it('lets 20 concurrent clients of one key work at the default limits: not one 429', async () => {
    const dir = tempDir();
    const key = 'fair-use-default-admin-key';
    const server = await startServer({
      BERTH_DB: join(dir, 'db.sqlite'),
      BERTH_API_KEY: key,
      BERTH_CONFIG: writeConfig(dir, {
        backends: [{ name: 'lab', lanes: 8, qubits: 5, model: { jobOverheadMs: 500 } }],
      }),
    });
    const statuses: number[] = [];
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await call(server.url, key, method, path, body);
      statuses.push(res.status);
      return res.body;
    };
    // What a test suite's worker or a student's notebook does: watch its events, open a
    // session, submit jobs, poll each every 50 ms until it ends, close the session.
    const client = async (): Promise<void> => {
      const events = new AbortController();
      const stream = await fetch(`${server.url}/api/v1/events`, {
        headers: { authorization: `Bearer ${key}` },
        signal: events.signal,
      });
      statuses.push(stream.status);
      const session = (await api('POST', '/api/v1/sessions', { mode: 'batch', backend: 'lab' })).id;
      const jobs: string[] = [];
      for (let i = 0; i < 2; i++) {
        const job = { program_id: 'sampler', backend: 'lab', session_id: session };
        jobs.push(
          (await api('POST', '/api/v1/jobs', { ...job, params: { pubs: [[BELL, null, 64]] } })).id,
        );
      }
      for (const id of jobs)
        while ((await api('GET', `/api/v1/jobs/${id}`)).status !== 'Completed') await sleep(50);
      await api('DELETE', `/api/v1/sessions/${session}/close`);
      events.abort();
    };
    await Promise.all(Array.from({ length: 20 }, client));
    expect(statuses.length).toBeGreaterThan(20 * 10);
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    expect(statuses.every((s) => s < 300)).toBe(true);
  }, 120_000);

  it('answers 429 with Retry-After past the burst, per key, and lets the key through again later', async () => {
    const t = await testRuntime({
      file: TEST_CONFIG,
      env: { BERTH_RATE_LIMIT: '5', BERTH_RATE_BURST: '5' },
    });
    const bob = (await t.api('POST', '/admin/keys', { name: 'bob', instances: [OTHER_CRN] })).body;
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof t.api>> | undefined;
    for (let i = 0; i < 8; i++) {
      const res = await t.api('GET', '/api/v1/sessions');
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
    }
    // The admin key spent one token creating bob: four more fit, then 429s.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    expect(refused?.headers['retry-after']).toBe('1');
    expect(refused?.body.errors[0]).toMatchObject({
      code: 'rate_limited',
      more_info: expect.stringContaining('/errors/rate_limited'),
    });
    expect(refused?.body.errors[0].message).toMatch(
      /more than 5 requests per second.*retry after 1 s/,
    );
    // Bob's key has its own bucket.
    const asBob = { authorization: `Bearer ${bob.key}` };
    expect((await t.api('GET', '/api/v1/sessions', undefined, asBob)).status).toBe(200);
    // At 5 per second a token is back within 200 ms.
    await new Promise((r) => setTimeout(r, 250));
    expect((await t.api('GET', '/api/v1/sessions')).status).toBe(200);
    const metrics = (await t.rt.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/^berth_limit\{name="requests_per_second"\} 5$/m);
    expect(metrics).toMatch(/^berth_requests_refused\{limit="requests"\} [3-9]$/m);
  });

  it('refuses an event stream past the per-key limit until one closes', async () => {
    const t = await testRuntime({ file: TEST_CONFIG, env: { BERTH_STREAMS_PER_KEY: '2' } });
    const base = await t.rt.app.listen({ host: '127.0.0.1', port: 0 });
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    const open = async () => {
      const controller = new AbortController();
      const res = await fetch(`${base}/api/v1/events`, {
        headers: auth,
        signal: controller.signal,
      });
      return { res, close: () => controller.abort() };
    };
    const one = await open();
    const two = await open();
    expect([one.res.status, two.res.status]).toEqual([200, 200]);
    const third = await open();
    expect(third.res.status).toBe(429);
    expect(((await third.res.json()) as { errors: unknown[] }).errors[0]).toMatchObject({
      code: 'too_many_streams',
    });
    one.close();
    // The server sees the close and releases the slot.
    let again = await open();
    for (let i = 0; again.res.status === 429 && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      again = await open();
    }
    expect(again.res.status).toBe(200);
    const metrics = (await t.rt.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/^berth_requests_refused\{limit="streams"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^berth_limit\{name="streams_per_key"\} 2$/m);
    two.close();
    again.close();
    await t.rt.stop();
  });
});
