import { describe, expect, it } from 'vitest';
import { TEST_CONFIG, samplerJob } from '../helpers/fixtures.js';
import { DEFAULT_CRN, testRuntime } from '../helpers/test-runtime.js';

describe('usage', () => {
  it('charges a dedicated session the wall-clock time it held the backend, idle time included', async () => {
    const { api, tick, advance, finish } = await testRuntime({ file: TEST_CONFIG });
    const s = (
      await api('POST', '/api/v1/sessions', {
        mode: 'dedicated',
        backend: 'solo',
        interactive_ttl: 10,
      })
    ).body.id;
    const j = (await api('POST', '/api/v1/jobs', samplerJob({ session_id: s }))).body.id;
    await tick();
    await advance(4);
    await finish(j);
    await advance(3);
    expect((await api('GET', `/api/v1/sessions/${s}`)).body.elapsed_time).toBe(7);
    await advance(20); // inactive at 14 (4 + 10)
    expect((await api('GET', `/api/v1/sessions/${s}`)).body.elapsed_time).toBe(14);
    const usage = (await api('GET', '/api/v1/instances/usage')).body;
    expect(usage).toMatchObject({
      instance_id: DEFAULT_CRN,
      usage_consumed_seconds: 14,
      usage_limit_reached: false,
      usage_limit_seconds: null,
    });
  });

  it('charges a batch session the sum of its jobs’ running time', async () => {
    const { api, tick, advance, finish } = await testRuntime({ file: TEST_CONFIG });
    const s = (await api('POST', '/api/v1/sessions', { mode: 'batch', backend: 'wide' })).body.id;
    const a = (await api('POST', '/api/v1/jobs', samplerJob({ session_id: s }))).body.id;
    const b = (await api('POST', '/api/v1/jobs', samplerJob({ session_id: s }))).body.id;
    await tick();
    await advance(2);
    await finish(a);
    await advance(3);
    // a ran 2 s; b has run 5 s so far and is still running.
    expect((await api('GET', `/api/v1/sessions/${s}`)).body.elapsed_time).toBe(7);
    await finish(b);
    expect((await api('GET', `/api/v1/instances/usage`)).body.usage_consumed_seconds).toBe(7);
  });

  it('refuses new jobs with 409 once the instance has used its limit', async () => {
    const config = { ...TEST_CONFIG, instances: [{ id: DEFAULT_CRN, usageLimitSeconds: 10 }] };
    const { api, tick, advance, finish } = await testRuntime({ file: config });
    const j = (await api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo' }))).body.id;
    await tick();
    await advance(6);
    expect((await api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo' }))).status).toBe(200);
    await advance(4);
    const refused = await api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo' }));
    expect(refused.status).toBe(409);
    expect(refused.body.errors[0].code).toBe('usage_limit_reached');
    await finish(j);
    const usage = (await api('GET', '/api/v1/instances/usage')).body;
    expect(usage).toMatchObject({
      usage_consumed_seconds: 10,
      usage_limit_seconds: 10,
      usage_allocation_seconds: 10,
      usage_limit_reached: true,
    });
  });

  it('reports job metrics: timestamps, usage, queue position and an estimated start', async () => {
    const { api, tick, advance, finish } = await testRuntime({ file: TEST_CONFIG });
    const first = (
      await api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo' }), {
        'x-qx-client-application': 'qiskit-version-2/test',
      })
    ).body.id;
    const second = (await api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo' }))).body.id;
    const third = (await api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo' }))).body.id;
    await tick();
    expect((await api('GET', `/api/v1/jobs/${third}/metrics`)).body.position_in_queue).toBe(1);
    await advance(10);
    await finish(first);
    const m = (await api('GET', `/api/v1/jobs/${first}/metrics`)).body;
    expect(m).toMatchObject({
      usage: { quantum_seconds: 10, seconds: 10, status: 'complete' },
      position_in_queue: null,
      caller: 'qiskit-version-2/test',
      qiskit_version: null,
    });
    expect(m.timestamps.finished).not.toBeNull();
    const q = (await api('GET', `/api/v1/jobs/${third}/metrics`)).body;
    expect(q.position_in_queue).toBe(0);
    expect(Date.parse(q.estimated_start_time)).toBeGreaterThan(Date.parse(m.timestamps.finished));
    expect((await api('GET', `/api/v1/jobs/${second}/metrics`)).body.usage.status).toBe('pending');
  });
});

describe('usage by user', () => {
  it('splits an instance’s usage by the users whose keys ran it: all of them for an administrator, one’s own for anyone else', async () => {
    const t = await testRuntime({ file: TEST_CONFIG });
    const { api, tick, advance, finish } = t;
    const key = async (name: string) =>
      (await api('POST', '/admin/keys', { name, user_id: name })).body.key as string;
    const as = (k: string) => (method: string, url: string, body?: unknown) =>
      api(method, url, body, { authorization: `Bearer ${k}` });
    const ann = as(await key('ann'));
    const ben = as(await key('ben'));
    // Ann's sessionless job runs 3 s; Ben's dedicated session holds a backend 5 s.
    const a = (await ann('POST', '/api/v1/jobs', samplerJob({ backend: 'wide' }))).body.id;
    const s = (
      await ben('POST', '/api/v1/sessions', { mode: 'dedicated', backend: 'solo', max_ttl: 5 })
    ).body.id;
    const b = (await ben('POST', '/api/v1/jobs', samplerJob({ session_id: s }))).body.id;
    await tick();
    await advance(3);
    await finish(a);
    // While Ben's session is live, its time counts as it accrues.
    const live = (await api('GET', '/api/v1/instances/usage/users')).body;
    expect(live.users).toEqual([
      { user_id: 'ann', usage_consumed_seconds: 3 },
      { user_id: 'ben', usage_consumed_seconds: 3 },
    ]);
    await advance(2);
    await finish(b);
    await advance(10);
    const all = (await api('GET', '/api/v1/instances/usage/users')).body;
    expect(all.users).toEqual([
      { user_id: 'ben', usage_consumed_seconds: 5 },
      { user_id: 'ann', usage_consumed_seconds: 3 },
    ]);
    expect(all.usage_consumed_seconds).toBe(8);
    // Anyone else sees their own line only, and a user with nothing sees 0.
    expect((await ann('GET', '/api/v1/instances/usage/users')).body.users).toEqual([
      { user_id: 'ann', usage_consumed_seconds: 3 },
    ]);
    const cal = as(await key('cal'));
    expect((await cal('GET', '/api/v1/instances/usage/users')).body.users).toEqual([
      { user_id: 'cal', usage_consumed_seconds: 0 },
    ]);
    // The administrator's view of every instance: share, limit, usage and users.
    const admin = (await api('GET', '/admin/instances')).body.instances;
    expect(admin.find((i: { name: string }) => i.name === 'default')).toMatchObject({
      share: 1,
      usage_limit_seconds: null,
      usage_consumed_seconds: 8,
      usage_limit_reached: false,
      users: [
        { user_id: 'ben', usage_consumed_seconds: 5 },
        { user_id: 'ann', usage_consumed_seconds: 3 },
      ],
    });
    expect(admin.find((i: { name: string }) => i.name === 'other')).toMatchObject({
      usage_consumed_seconds: 0,
      users: [],
    });
  });
});
