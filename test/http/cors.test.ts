import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { TEST_CONFIG } from '../helpers/fixtures.js';
import { testRuntime } from '../helpers/test-runtime.js';

const ORIGIN = 'http://app.example.com:5173';

describe('browser access (CORS)', () => {
  it('answers preflights and marks responses and event streams for the allowed origins', async () => {
    const t = await testRuntime({ file: TEST_CONFIG, env: { BERTH_CORS_ORIGINS: ORIGIN } });
    const preflight = await t.rt.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/jobs',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/authorization/);
    const get = await t.api('GET', '/api/v1/backends', undefined, { origin: ORIGIN });
    expect(get.status).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(String(get.headers['access-control-expose-headers'])).toMatch(/x-request-id/);
    const other = await t.api('GET', '/api/v1/backends', undefined, {
      origin: 'http://evil.example',
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();

    const base = await t.rt.app.listen({ host: '127.0.0.1', port: 0 });
    const controller = new AbortController();
    const sse = await fetch(`${base}/api/v1/events`, {
      headers: { authorization: 'Bearer test-admin-key-0123456789', origin: ORIGIN },
      signal: controller.signal,
    });
    expect(sse.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(sse.headers.get('content-type')).toMatch(/text\/event-stream/);
    controller.abort();
  });

  it('sends no CORS headers unless configured, and refuses a malformed origin', async () => {
    const t = await testRuntime({ file: TEST_CONFIG });
    const get = await t.api('GET', '/api/v1/backends', undefined, { origin: ORIGIN });
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
    expect(() => loadConfig({ env: { BERTH_CORS_ORIGINS: 'app.example.com/path' } })).toThrow(
      /BERTH_CORS_ORIGINS/,
    );
    expect(loadConfig({ env: { BERTH_CORS_ORIGINS: '*' } }).corsOrigins).toBe('*');
  });
});
