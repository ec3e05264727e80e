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
