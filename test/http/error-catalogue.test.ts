/**
 * Every error's `more_info` leads somewhere real: the server serves the catalogue, one entry per
 * code with its status, cause and what to do, as JSON and as a page.
 */
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/domain/errors.js';
import { TEST_CONFIG } from '../helpers/fixtures.js';
import { testRuntime } from '../helpers/test-runtime.js';

describe('the error catalogue', () => {
  it('resolves every code in the catalogue, without a key, as JSON and as HTML', async () => {
    const { rt } = await testRuntime({ file: TEST_CONFIG });
    const all = await rt.app.inject({ url: '/errors' });
    expect(all.statusCode).toBe(200);
    const listed = all.json().errors as { code: string; more_info: string }[];
    expect(listed.map((e) => e.code).sort()).toEqual(Object.keys(ERRORS).sort());
    const page = (await rt.app.inject({ url: '/errors', headers: { accept: 'text/html' } })).body;
    for (const [code, entry] of Object.entries(ERRORS)) {
      expect(page).toContain(`<section id="${code}">`);
      const json = await rt.app.inject({ url: `/errors/${code}` });
      expect(json.statusCode, code).toBe(200);
      expect(json.json()).toEqual({ code, ...entry, more_info: `/errors/${code}` });
      expect(entry.cause.length, code).toBeGreaterThan(10);
      expect(entry.fix.length, code).toBeGreaterThan(10);
      const html = await rt.app.inject({
        url: `/errors/${code}`,
        headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      });
      expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(html.body).toContain(`<code>${code}</code> <small>HTTP ${entry.status}</small>`);
    }
    const unknown = await rt.app.inject({ url: '/errors/no_such_code' });
    expect(unknown.statusCode).toBe(404);
  });

  it('points more_info of real error answers at entries that exist', async () => {
    const { rt, api } = await testRuntime({ file: TEST_CONFIG });
    const answers = [
      await api('GET', '/api/v1/sessions/nope'),
      await api('GET', '/api/v1/sessions', undefined, { authorization: 'Bearer wrong' }),
      await api('POST', '/api/v1/sessions', { mode: 'exclusive' }),
      await api('POST', '/api/v1/sessions', '{', { 'content-type': 'application/json' }),
      await api('POST', '/api/v1/sessions', 'a=1', { 'content-type': 'text/plain' }),
      await api('GET', '/api/v1/nowhere'),
    ];
    for (const a of answers) {
      const more = a.body.errors[0].more_info as string;
      expect(more).toBe(`/errors/${a.body.errors[0].code}`);
      const entry = await rt.app.inject({ url: more });
      expect(entry.statusCode, more).toBe(200);
      expect(entry.json().status).toBe(a.status);
    }
  });
});
