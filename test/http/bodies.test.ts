/**
 * Request bodies as clients really send them: JSON only (a form is never misread), bodyless
 * requests with any Content-Type, and a too-large body answered with a 413 that curl, Node's
 * fetch and Python's urllib all receive.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TEST_CONFIG, samplerJob } from '../helpers/fixtures.js';
import { startServer, tempDir, writeConfig } from '../helpers/spawn-server.js';
import { ADMIN_KEY, testRuntime } from '../helpers/test-runtime.js';

const run = promisify(execFile);
const FORM = 'application/x-www-form-urlencoded';

describe('request bodies', () => {
  it('answers a form body on every JSON route with 415 saying what to send, and changes nothing', async () => {
    const { rt, api } = await testRuntime({ file: TEST_CONFIG });
    const s = (await api('POST', '/api/v1/sessions', { backend: 'solo' })).body.id as string;
    const before = {
      sessions: (await api('GET', '/api/v1/sessions')).body.count,
      jobs: (await api('GET', '/api/v1/jobs')).body.count,
      keys: (await api('GET', '/admin/keys')).body.keys.length,
      webhooks: (await api('GET', '/api/v1/webhooks')).body.webhooks.length,
    };
    // What `curl -d '{…}'` sends: the JSON text as a form.
    for (const [method, url, body] of [
      ['POST', '/api/v1/sessions', { mode: 'batch', backend: 'solo' }],
      ['POST', '/api/v1/jobs', samplerJob({ session_id: s })],
      ['PATCH', `/api/v1/sessions/${s}`, { accepting_jobs: false }],
      ['POST', '/admin/keys', { name: 'alice' }],
      ['POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook' }],
    ] as const) {
      const res = await rt.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': FORM },
        payload: JSON.stringify(body),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(415);
      expect(res.json()).toEqual({
        trace: res.headers['x-request-id'],
        errors: [
          {
            code: 'unsupported_media_type',
            message: `The request body is ${FORM}, which this endpoint does not read: send Content-Type: application/json. With curl, add -H 'Content-Type: application/json'`,
            more_info: '/errors/unsupported_media_type',
          },
        ],
      });
    }
    const text = await api('POST', '/api/v1/sessions', '{"backend":"solo"}', {
      'content-type': 'text/plain',
    });
    expect(text.status).toBe(415);
    expect(text.body.errors[0].message).toMatch(/^The request body is text\/plain/);
    expect({
      sessions: (await api('GET', '/api/v1/sessions')).body.count,
      jobs: (await api('GET', '/api/v1/jobs')).body.count,
      keys: (await api('GET', '/admin/keys')).body.keys.length,
      webhooks: (await api('GET', '/api/v1/webhooks')).body.webhooks.length,
    }).toEqual(before);
    expect((await api('GET', `/api/v1/sessions/${s}`)).body.accepting_jobs).toBe(true);
  });

  it('reads application/json with parameters as JSON, and a form only on /identity/token', async () => {
    const { api, rt } = await testRuntime({ file: TEST_CONFIG });
    const created = await api(
      'POST',
      '/api/v1/sessions',
      JSON.stringify({ mode: 'batch', backend: 'solo' }),
      { 'content-type': 'application/json; charset=utf-8' },
    );
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ mode: 'batch', backend_name: 'solo' });
    const token = await rt.app.inject({
      method: 'POST',
      url: '/identity/token',
      headers: { 'content-type': FORM },
      payload: `grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=${ADMIN_KEY}`,
    });
    expect(token.statusCode).toBe(200);
    const plain = await rt.app.inject({
      method: 'POST',
      url: '/identity/token',
      headers: { 'content-type': 'text/plain' },
      payload: `apikey=${ADMIN_KEY}`,
    });
    expect(plain.statusCode).toBe(415);
    expect(plain.json().errors[0].message).toContain(`(or ${FORM})`);
  });

  it('takes bodyless requests with any or no Content-Type, as the Python client sends them', async () => {
    const { api, rt } = await testRuntime({ file: TEST_CONFIG });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push((await api('POST', '/api/v1/sessions', { backend: 'solo' })).body.id);
    const closes = [
      { 'content-type': 'application/json' },
      { 'content-type': 'text/plain', 'content-length': '0' },
      { 'content-type': FORM },
      {},
    ];
    for (const [i, headers] of closes.entries()) {
      const res = await rt.app.inject({
        method: 'DELETE',
        url: `/api/v1/sessions/${ids[i]}/close`,
        headers: { authorization: `Bearer ${ADMIN_KEY}`, ...headers },
      });
      expect(res.statusCode, JSON.stringify(headers)).toBe(204);
    }
    // A POST with no body and a non-JSON type is no body, not a 415.
    const bare = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'text/plain' },
    });
    expect(bare.statusCode).toBe(200);
    const get = await api('GET', '/api/v1/sessions', undefined, {
      'content-type': 'application/json',
    });
    expect(get.status).toBe(200);
    expect(get.body.sessions.filter((x: { state: string }) => x.state === 'closed')).toHaveLength(
      4,
    );
  });
});

describe('a body over the limit reaches every ordinary client as 413', () => {
  const BIG = 12 * 1024 * 1024; // over the default 10 MiB, as in the report

  it('curl, Node fetch (fixed length and chunked) and Python urllib all read the 413, and then a 401 for a wrong key', async () => {
    const dir = tempDir();
    const berth = await startServer({ BERTH_API_KEY: ADMIN_KEY, BERTH_DB: join(dir, 'b.db') });
    const url = `${berth.url}/api/v1/jobs`;
    const body = Buffer.alloc(BIG, 'a');
    const auth = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

    const fixed = await fetch(url, { method: 'POST', headers: auth, body });
    expect(fixed.status).toBe(413);
    expect(((await fixed.json()) as any).errors[0]).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringContaining('limit of 10485760 bytes'),
    });
    const chunked = await fetch(url, {
      method: 'POST',
      headers: auth,
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 12; i++) c.enqueue(new Uint8Array(1024 * 1024).fill(97));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);

    const file = join(dir, 'big.json');
    writeFileSync(file, body);
    const curl = await run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-H',
      `Authorization: Bearer ${ADMIN_KEY}`,
      '-H',
      'Content-Type: application/json',
      '--data-binary',
      `@${file}`,
      url,
    ]);
    expect(curl.stdout).toBe('413');

    // urllib writes the whole body before it reads, with Connection: close.
    const python = `
import sys, urllib.request, urllib.error
def status(key):
    req = urllib.request.Request(sys.argv[1], data=b'a' * ${BIG}, method='POST',
        headers={'Authorization': 'Bearer ' + key, 'Content-Type': 'application/json'})
    try:
        urllib.request.urlopen(req)
        return 'ok'
    except urllib.error.HTTPError as e:
        return str(e.code)
    except Exception as e:
        return type(e).__name__
print(status(sys.argv[2]), status('wrong-key-0123456789'))
`;
    const py = await run('python3', ['-c', python, url, ADMIN_KEY]);
    expect(py.stdout.trim()).toBe('413 401');
    // Nothing was accepted.
    const jobs = await fetch(`${berth.url}/api/v1/jobs`, { headers: auth });
    expect(((await jobs.json()) as any).count).toBe(0);
  }, 60_000);

  it('closes the connection after a body no route reads: a GET with one, or any request to no route', async () => {
    const { rt } = await testRuntime({ file: TEST_CONFIG });
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    const get = await rt.app.inject({
      method: 'GET',
      url: '/api/v1/sessions',
      headers: { ...auth, 'content-type': 'application/json', 'content-length': '9' },
      payload: '{"a": 1 }',
    });
    expect(get.statusCode).toBe(200);
    expect(get.headers.connection).toBe('close');
    const nowhere = await rt.app.inject({
      method: 'POST',
      url: '/api/v1/no-such-thing',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"a": 1}',
    });
    expect(nowhere.statusCode).toBe(404);
    expect(nowhere.headers.connection).toBe('close');
    // A GET without a body keeps its connection.
    const plain = await rt.app.inject({ method: 'GET', url: '/api/v1/sessions', headers: auth });
    expect(plain.headers.connection).not.toBe('close');
  });

  it('keeps to a configured limit', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, { server: { bodyLimitBytes: 4096 } });
    const berth = await startServer({
      BERTH_API_KEY: ADMIN_KEY,
      BERTH_DB: join(dir, 'b.db'),
      BERTH_CONFIG: config,
    });
    const res = await fetch(`${berth.url}/api/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ backend: 'berth_sim', pad: 'x'.repeat(5000) }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).errors[0].message).toContain('limit of 4096 bytes');
  });
});
