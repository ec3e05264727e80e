import { describe, expect, it } from 'vitest';
import { samplerJob } from '../helpers/fixtures.js';
import { ADMIN_KEY, testRuntime } from '../helpers/test-runtime.js';

describe('operations endpoints', () => {
  it('answers health and readiness, and readiness fails once stopping', async () => {
    const { rt } = await testRuntime();
    expect((await rt.app.inject({ url: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await rt.app.inject({ url: '/ready' })).statusCode).toBe(200);
    await rt.scheduler.stop();
    const res = await rt.app.inject({ url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json().errors[0].code).toBe('not_ready');
  });

  it('exposes Prometheus metrics: requests, jobs, queues, sessions, scheduler ticks', async () => {
    const { api, rt, tick } = await testRuntime();
    await api('POST', '/api/v1/sessions', { backend: 'berth_manila' });
    await api('POST', '/api/v1/jobs', samplerJob({ backend: 'berth_manila' }));
    await api('POST', '/api/v1/jobs', samplerJob({ backend: 'berth_manila' }));
    await tick();
    const text = (await rt.app.inject({ url: '/metrics' })).body;
    expect(text).toMatch(
      /berth_http_requests_total\{method="POST",route="\/api\/v1\/jobs",status="200"\} 2/,
    );
    expect(text).toMatch(/berth_jobs\{state="Queued"\} 1/);
    expect(text).toMatch(/berth_jobs\{state="Running"\} 1/);
    expect(text).toMatch(/berth_queue_length\{backend="berth_manila"\} 1/);
    expect(text).toMatch(/berth_running_jobs\{backend="berth_manila"\} 1/);
    expect(text).toMatch(/berth_sessions\{state="open"\} 1/);
    expect(text).toMatch(/berth_scheduler_tick_seconds_count [1-9]/);
    expect(text).toMatch(/berth_http_request_duration_seconds_bucket/);
  });

  it('publishes the OpenAPI document generated from the route schemas, and a reference page', async () => {
    const { rt } = await testRuntime();
    const doc = (await rt.app.inject({ url: '/api/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/v1/sessions',
      '/api/v1/sessions/{id}',
      '/api/v1/sessions/{id}/close',
      '/api/v1/jobs',
      '/api/v1/jobs/{id}/results',
      '/api/v1/backends/{name}/configuration',
      '/api/v1/instances/usage',
      '/identity/token',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    expect(
      doc.paths['/api/v1/sessions'].post.requestBody.content['application/json'].schema.properties,
    ).toHaveProperty('max_ttl');
    const page = await rt.app.inject({ url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });

  it('writes one JSON access-log line per request, with the request id and no credentials', async () => {
    const logs: string[] = [];
    const { api } = await testRuntime({ logs });
    await api('GET', '/api/v1/sessions?limit=1', undefined, { 'x-request-id': 'req-42' });
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'request');
    expect(line).toMatchObject({
      reqId: 'req-42',
      method: 'GET',
      route: '/api/v1/sessions',
      path: '/api/v1/sessions',
      status: 200,
      user: 'admin',
    });
    expect(logs.join('\n')).not.toContain(ADMIN_KEY);
  });

  it('echoes a request id and uses it as the error trace', async () => {
    const { api } = await testRuntime();
    const res = await api('GET', '/api/v1/sessions/nope', undefined, {
      'x-request-id': 'trace-me-123',
    });
    expect(res.headers['x-request-id']).toBe('trace-me-123');
    expect(res.body.trace).toBe('trace-me-123');
  });
});
